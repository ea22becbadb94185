package defendercloud

import (
	"fmt"
	"io"

	"github.com/alertsync/alertsync/internal/emulators/microsoft"
)

// walkthroughLocation is where the walk-through alerts are stored (the
// ascLocation of their ARM ids).
const walkthroughLocation = "westeurope"

// walkthroughAlerts are the alerts `alertsync emulate` starts with: enough
// to walk the six rows of the seed's Defender for Cloud ↔ Sentinel table
// by hand (each alert gets an incident of its own from a connected
// Sentinel workspace), and two on one VM for the multi-alert incident the
// seed's KQL guards against.
var walkthroughAlerts = []struct {
	rg, resource, alertType, display, severity, intent string
}{
	{"rg-prod-web", "Microsoft.Compute/virtualMachines/vm-web-01", "VM_SuspiciousPowerShell", "Suspicious PowerShell command line", "Medium", "Execution"},
	{"rg-prod-data", "Microsoft.Storage/storageAccounts/stprodlogs01", "Storage.Blob_AnonymousAccessAnomaly", "Unusual unauthenticated access to a storage container", "Low", "Collection"},
	{"rg-prod-data", "Microsoft.Compute/virtualMachines/vm-db-01", "VM_SshBruteForceSuccess", "Successful SSH brute force attack", "High", "PreAttack"},
	{"rg-prod-data", "Microsoft.Compute/virtualMachines/vm-db-01", "VM_MaliciousSQLActivity", "Possible credential dumping detected", "High", "CredentialAccess"},
}

// SeedWalkthrough raises the walk-through alerts.
func (d demo) SeedWalkthrough() error {
	for _, s := range walkthroughAlerts {
		res := "/subscriptions/" + microsoft.Subscription + "/resourceGroups/" + s.rg + "/providers/" + s.resource
		_, err := d.e.CreateAlert(AlertSpec{
			SubscriptionID: microsoft.Subscription, ResourceGroup: s.rg, Location: walkthroughLocation,
			AlertType: s.alertType, DisplayName: s.display, Severity: s.severity, Intent: s.intent,
			ResourceID: res,
			Entities:   []map[string]any{{"$id": "1", "address": "203.0.113.7", "type": "ip"}, {"$id": "2", "azureID": res, "type": "host"}},
		})
		if err != nil {
			return fmt.Errorf("seed defender for cloud alert: %w", err)
		}
	}
	return nil
}

// Describe lists the alerts and the requests that act on them: the state
// actions are rows 1-4 of the seed's table.
func (d demo) Describe(w io.Writer, base string) {
	_, _ = fmt.Fprintln(w, "  Alerts:")
	for _, a := range d.e.Alerts() {
		_, _ = fmt.Fprintf(w, "    %s  %-55s  %s\n", a.Name, a.Properties.AlertDisplayName, a.ID)
	}
	_, _ = fmt.Fprintf(w, "  State action     POST %s/subscriptions/%s/resourceGroups/{resourceGroup}/providers/Microsoft.Security/locations/%s/alerts/{alertName}/{inProgress|dismiss|resolve|activate}?api-version=%s  (no body; 204)\n",
		base, microsoft.Subscription, walkthroughLocation, APIVersion)
	_, _ = fmt.Fprintf(w, "  Sample alerts    POST %s/subscriptions/%s/providers/Microsoft.Security/locations/%s/alerts/default/simulate?api-version=%s  body {\"properties\":{\"kind\":\"Bundles\",\"bundles\":[\"VirtualMachines\"]}}  (202)\n",
		base, microsoft.Subscription, walkthroughLocation, APIVersion)
	_, _ = fmt.Fprintln(w, "  Seed table rows 1-4: a state action changes the alert and its Sentinel mirror, not the incident.")
}
