package defendercloud

import (
	"fmt"
	"strings"
)

// Bundles are the alert simulator's bundle names (BundleType of
// api-version 2022-01-01), in the order the spec lists them.
var Bundles = []string{
	"AppServices", "DNS", "KeyVaults", "KubernetesService", "ResourceManager",
	"SqlServers", "StorageAccounts", "VirtualMachines", "CosmosDbs",
}

// Sample alerts carry these prefixes. Microsoft's sample alerts are told
// apart from real ones by their text only (same alert types, same
// fields); the "[SAMPLE ALERT] " title prefix and the "THIS IS A SAMPLE
// ALERT: " description prefix are how they show in the portal and in
// Sentinel incident titles. [U: observed in the product, not in the REST
// reference.]
const (
	SampleTitlePrefix       = "[SAMPLE ALERT] "
	SampleDescriptionPrefix = "THIS IS A SAMPLE ALERT: "
)

// SampleResourceGroup holds the resources sample alerts name. The
// simulator raises its alerts on resources in the caller's subscription;
// an emulator has no resource inventory, so they live in one group of
// sample-named resources under the subscription from the request path.
const SampleResourceGroup = "Sample-RG"

// sample is one alert a bundle simulates: a real Defender for Cloud alert
// type (as the alerts reference names it) on a resource of that plan.
type sample struct {
	bundle, alertType, display, description, severity, intent string
	techniques                                                []string
	// resource is the provider path of the resource under
	// SampleResourceGroup; empty for a subscription-level alert.
	resource string
	onHost   bool // a host entity is added (alerts raised on a VM)
}

var samples = []sample{
	{"AppServices", "AppServices_PhishingContent", "Phishing content hosted on Azure Webapps",
		"A URL of the App Service website was seen hosting content used for phishing.", "Medium", "Collection",
		[]string{"T1566"}, "Microsoft.Web/sites/Sample-WebApp", false},
	{"DNS", "AzureDNS_ThreatIntelSuspectDomain", "Communication with suspicious domain identified by threat intelligence",
		"DNS queries from the machine resolved a domain that threat intelligence marks as malicious.", "Medium", "InitialAccess",
		[]string{"T1071"}, "Microsoft.Compute/virtualMachines/Sample-VM", true},
	{"KeyVaults", "KV_TORAccess", "Access from a TOR exit node to a key vault",
		"The key vault was accessed from a known TOR exit node.", "Medium", "CredentialAccess",
		[]string{"T1555"}, "Microsoft.KeyVault/vaults/Sample-KeyVault", false},
	{"KubernetesService", "K8S_ExposedDashboard", "Exposed Kubernetes dashboard detected",
		"The Kubernetes dashboard of the cluster is exposed by a LoadBalancer service without authentication.", "High", "InitialAccess",
		[]string{"T1133"}, "Microsoft.ContainerService/managedClusters/Sample-AKS", false},
	{"ResourceManager", "ARM_OperationFromSuspiciousIP", "Azure Resource Manager operation from suspicious IP address",
		"An Azure Resource Manager operation was run from an address that threat intelligence marks as suspicious.", "Medium", "Execution",
		[]string{"T1078"}, "", false},
	{"SqlServers", "SQL.DB_VulnerabilityToSqlInjection", "A possible vulnerability to SQL Injection",
		"An application generated a faulty SQL statement, which may indicate an SQL injection vulnerability.", "Medium", "PreAttack",
		[]string{"T1190"}, "Microsoft.Sql/servers/sample-sqlserver/databases/Sample-DB", false},
	{"StorageAccounts", "Storage.Blob_TorAnomaly", "Access from a Tor exit node to a storage blob container",
		"A blob container of the storage account was accessed from a known TOR exit node.", "High", "InitialAccess",
		[]string{"T1530"}, "Microsoft.Storage/storageAccounts/samplestorage", false},
	{"VirtualMachines", "VM_DigitalCurrencyMining", "Digital currency mining related behavior detected",
		"Analysis of host data detected a process associated with digital currency mining.", "High", "Execution",
		[]string{"T1496"}, "Microsoft.Compute/virtualMachines/Sample-VM", true},
	{"CosmosDbs", "CosmosDB_TorAnomaly", "Access from a Tor exit node",
		"The Azure Cosmos DB account was accessed from a known TOR exit node.", "Medium", "DefenseEvasion",
		[]string{"T1090"}, "Microsoft.DocumentDB/databaseAccounts/sample-cosmosdb", false},
}

// bundleOf returns the declared spelling of a bundle name. ARM enums
// modelled as strings are matched case-insensitively.
func bundleOf(name string) (string, bool) {
	for _, b := range Bundles {
		if strings.EqualFold(b, name) {
			return b, true
		}
	}
	return "", false
}

// sampleSpecs returns the alerts one bundle raises in subscription sub at
// location loc.
func sampleSpecs(bundle, sub, loc string) []AlertSpec {
	var out []AlertSpec
	for _, s := range samples {
		if s.bundle != bundle {
			continue
		}
		out = append(out, s.spec(sub, loc))
	}
	return out
}

func (s sample) spec(sub, loc string) AlertSpec {
	rg, res := "", "/subscriptions/"+sub
	if s.resource != "" {
		rg = SampleResourceGroup
		res = fmt.Sprintf("/subscriptions/%s/resourceGroups/%s/providers/%s", sub, rg, s.resource)
	}
	host, hostIP := "", ""
	if s.onHost {
		host, hostIP = strings.ToLower(lastSegment(res)), "10.0.0.4"
	}
	return AlertSpec{
		SubscriptionID: sub,
		ResourceGroup:  rg,
		Location:       loc,
		AlertType:      s.alertType,
		DisplayName:    SampleTitlePrefix + s.display,
		Description:    SampleDescriptionPrefix + s.description,
		Severity:       s.severity,
		Intent:         s.intent,
		Component:      s.bundle,
		ResourceID:     res,
		Entities:       entities(host, hostIP, "203.0.113.7", res),
		Techniques:     s.techniques,
	}
}
