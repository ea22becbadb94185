package demo

import (
	"fmt"
	"io"

	"github.com/alertsync/alertsync/internal/emulators/defendercloud"
	"github.com/alertsync/alertsync/internal/emulators/sentinel"
)

// emulateLocation is where the seeded Defender for Cloud alerts are stored
// (the ascLocation of their ARM ids).
const emulateLocation = "westeurope"

// seedRelation names the relation that puts the second alert on vm-db-01
// into the first one's incident.
const seedRelation = "emulate-seed-related-alert"

// seedAlerts are the Defender for Cloud alerts `alertsync emulate` starts
// with: enough to walk the six rows of the seed's behaviour table by hand
// (each alert has an incident of its own), and two on one VM for the
// multi-alert incident the seed's KQL guards against.
var seedAlerts = []struct {
	rg, resource, alertType, display, severity, intent string
}{
	{"rg-prod-web", "Microsoft.Compute/virtualMachines/vm-web-01", "VM_SuspiciousPowerShell", "Suspicious PowerShell command line", "Medium", "Execution"},
	{"rg-prod-data", "Microsoft.Storage/storageAccounts/stprodlogs01", "Storage.Blob_AnonymousAccessAnomaly", "Unusual unauthenticated access to a storage container", "Low", "Collection"},
	{"rg-prod-data", "Microsoft.Compute/virtualMachines/vm-db-01", "VM_SshBruteForceSuccess", "Successful SSH brute force attack", "High", "PreAttack"},
	{"rg-prod-data", "Microsoft.Compute/virtualMachines/vm-db-01", "VM_MaliciousSQLActivity", "Possible credential dumping detected", "High", "CredentialAccess"},
}

// seededAlert is one seeded alert with where it landed.
type seededAlert struct {
	alert     defendercloud.Alert
	rg        string
	incidents []string // Sentinel incidents holding it, its own first
}

// emulateSeed is what seedEmulate made.
type emulateSeed struct {
	alerts []seededAlert
	multi  string // the incident holding two Defender for Cloud alerts
}

// seedEmulate raises the seed alerts at Defender for Cloud, which the
// connected Sentinel workspace mirrors into one incident each, then relates
// the second vm-db-01 alert to the first one's incident the documented way
// (an incident relation whose relatedResourceId is the alert's entity id).
// It is for `alertsync emulate` only: the demo scenario counts incidents
// and alerts it makes itself.
func seedEmulate(w *world) (emulateSeed, error) {
	var seed emulateSeed
	for _, s := range seedAlerts {
		res := "/subscriptions/" + subscription + "/resourceGroups/" + s.rg + "/providers/" + s.resource
		a, err := w.dfc.CreateAlert(defendercloud.AlertSpec{
			SubscriptionID: subscription, ResourceGroup: s.rg, Location: emulateLocation,
			AlertType: s.alertType, DisplayName: s.display, Severity: s.severity, Intent: s.intent,
			ResourceID: res,
			Entities:   []map[string]any{{"$id": "1", "address": "203.0.113.7", "type": "ip"}, {"$id": "2", "azureID": res, "type": "host"}},
		})
		if err != nil {
			return emulateSeed{}, fmt.Errorf("seed defender for cloud alert: %w", err)
		}
		seed.alerts = append(seed.alerts, seededAlert{alert: a, rg: s.rg})
	}
	first, second := seed.alerts[2].alert.Properties.SystemAlertID, seed.alerts[3].alert.Properties.SystemAlertID
	own := w.sentinel.IncidentsForAlert(first)
	if len(own) != 1 {
		return emulateSeed{}, fmt.Errorf("seed multi-alert incident: alert %s is in %d incidents, want 1", first, len(own))
	}
	seed.multi = own[0].Name
	if _, _, err := w.sentinel.PutRelation(seed.multi, seedRelation, nil, w.sentinel.AlertResourceID(second), "alertsync emulate"); err != nil {
		return emulateSeed{}, fmt.Errorf("seed multi-alert incident: %w", err)
	}
	for i := range seed.alerts {
		for _, in := range w.sentinel.IncidentsForAlert(seed.alerts[i].alert.Properties.SystemAlertID) {
			seed.alerts[i].incidents = append(seed.alerts[i].incidents, in.Name)
		}
	}
	return seed, nil
}

// print tells a person what was seeded and the requests that act on it,
// in the order of the seed's behaviour table: Defender for Cloud state
// actions (rows 1-4) change the alert and its Sentinel mirror but not the
// incident; a Sentinel incident PUT (rows 5-6) changes the incident, and
// closing it resolves the alert at Defender for Cloud.
func (s emulateSeed) print(out io.Writer, w *world) {
	arm, sen := w.armURL, w.armURL+w.sentinel.BasePath()
	dfcV, senV := "?api-version="+defendercloud.APIVersion, "?api-version="+sentinel.APIVersion
	fmt.Fprintln(out, "\nSeeded Defender for Cloud alerts, each mirrored into a Sentinel incident (rule \"Create incidents based on Microsoft Defender for Cloud\"):")
	for _, a := range s.alerts {
		fmt.Fprintf(out, "  %s  %-55s  resource group %-12s  incidents %v\n",
			a.alert.Name, a.alert.Properties.AlertDisplayName, a.rg, a.incidents)
	}
	fmt.Fprintf(out, "  Multi-alert incident %s holds both vm-db-01 alerts (relation %s); the second keeps its own incident too.\n", s.multi, seedRelation)
	fmt.Fprintln(out, "Act on them (bearer token from the Entra ID endpoint above, scope https://management.azure.com/.default):")
	fmt.Fprintf(out, "  DfC state action     POST %s/subscriptions/%s/resourceGroups/{resourceGroup}/providers/Microsoft.Security/locations/%s/alerts/{alertName}/{inProgress|dismiss|resolve|activate}%s  (no body; 204)\n",
		arm, subscription, emulateLocation, dfcV)
	fmt.Fprintf(out, "  DfC sample alerts    POST %s/subscriptions/%s/providers/Microsoft.Security/locations/%s/alerts/default/simulate%s  body {\"properties\":{\"kind\":\"Bundles\",\"bundles\":[\"VirtualMachines\"]}}  (202)\n",
		arm, subscription, emulateLocation, dfcV)
	fmt.Fprintf(out, "  Sentinel incident    GET|PUT %s/incidents/{incidentName}%s  (PUT: etag + properties title, severity, status New|Active|Closed)\n", sen, senV)
	fmt.Fprintf(out, "  Incident alerts      POST %s/incidents/{incidentName}/alerts%s\n", sen, senV)
	fmt.Fprintf(out, "  Incident relations   GET|PUT|DELETE %s/incidents/%s/relations/%s%s  body {\"properties\":{\"relatedResourceId\":\"%s\"}}\n",
		sen, s.multi, seedRelation, senV, w.sentinel.AlertResourceID("{systemAlertId}"))
	fmt.Fprintln(out, "  Seed table rows 1-4: DfC state actions (the incident stays New). Rows 5-6: PUT the incident Active, then Closed (the DfC alert resolves).")
}
