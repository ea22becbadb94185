package graph

import "strings"

// Enum members as the v1.0 CSDL declares them (namespace
// microsoft.graph.security). The documentation's property tables list
// members such as compromisedUser or clean that the service does not know;
// they are deliberately absent so that requests using them are refused.
var (
	alertStatuses        = []string{"unknown", "new", "inProgress", "resolved", "unknownFutureValue"}
	alertClassifications = []string{"unknown", "falsePositive", "truePositive", "informationalExpectedActivity", "unknownFutureValue"}
	alertDeterminations  = []string{"unknown", "apt", "malware", "securityPersonnel", "securityTesting", "unwantedSoftware", "other", "multiStagedAttack", "compromisedAccount", "phishing", "maliciousUserActivity", "notMalicious", "notEnoughDataToValidate", "confirmedActivity", "lineOfBusinessApplication", "unknownFutureValue"}
	alertSeverities      = []string{"unknown", "informational", "low", "medium", "high", "unknownFutureValue"}
	incidentStatuses     = []string{"active", "resolved", "inProgress", "redirected", "unknownFutureValue", "awaitingAction"}
	serviceSources       = []string{"unknown", "microsoftDefenderForEndpoint", "microsoftDefenderForIdentity", "microsoftDefenderForCloudApps", "microsoftDefenderForOffice365", "microsoft365Defender", "azureAdIdentityProtection", "microsoftAppGovernance", "dataLossPrevention", "unknownFutureValue", "microsoftDefenderForCloud", "microsoftSentinel", "microsoftInsiderRiskManagement", "microsoftThreatIntelligence", "microsoftSecurityForAI"}
	detectionSources     = []string{"unknown", "microsoftDefenderForEndpoint", "antivirus", "smartScreen", "customTi", "microsoftDefenderForOffice365", "automatedInvestigation", "microsoftThreatExperts", "customDetection", "microsoftDefenderForIdentity", "cloudAppSecurity", "microsoft365Defender", "azureAdIdentityProtection", "manual", "microsoftDataLossPrevention", "appGovernancePolicy", "appGovernanceDetection", "unknownFutureValue", "microsoftDefenderForCloud", "microsoftDefenderForIoT", "microsoftDefenderForServers", "microsoftDefenderForStorage", "microsoftDefenderForDNS", "microsoftDefenderForDatabases", "microsoftDefenderForContainers", "microsoftDefenderForNetwork", "microsoftDefenderForAppService", "microsoftDefenderForKeyVault", "microsoftDefenderForResourceManager", "microsoftDefenderForApiManagement", "nrtAlerts", "scheduledAlerts", "microsoftDefenderThreatIntelligenceAnalytics", "builtInMl", "microsoftInsiderRiskManagement", "microsoftSentinel"}

	// What PATCH may set, as the update pages' request-body tables list
	// them; the rest are service-owned. incidentStatus inProgress is a CSDL
	// member the service can report, but security-incident-update.md lists
	// only active, resolved and redirected as settable, so a PATCH with it
	// is refused like any other value the page does not list.
	settableAlertStatuses    = []string{"new", "inProgress", "resolved"}
	settableIncidentStatuses = []string{"active", "resolved", "redirected"}
)

// enumMember returns the declared spelling of v in members, matching
// case-insensitively (the service's docs mix PascalCase and camelCase).
func enumMember(members []string, v string) (string, bool) {
	for _, m := range members {
		if strings.EqualFold(m, v) {
			return m, true
		}
	}
	return "", false
}

// evolvable maps a member declared after unknownFutureValue to
// unknownFutureValue unless the client opted in with
// "Prefer: include-unknown-enum-members".
func evolvable(members []string, v string, include bool) string {
	if include {
		return v
	}
	past := false
	for _, m := range members {
		if m == "unknownFutureValue" {
			past = true
			continue
		}
		if m == v {
			if past {
				return "unknownFutureValue"
			}
			return v
		}
	}
	return v
}
