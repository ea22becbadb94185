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

	// What PATCH may set; the other members are the service's own.
	// Alerts: security-alert-update.md lists new, inProgress and resolved.
	// Incidents: every member of incidentStatus a client can mean is
	// settable (security-incident-update.md's table lists only active,
	// resolved and redirected, but inProgress, "in mitigation progress", is a
	// member of the enum the spec declares for the PATCH body and an analyst
	// sets it in the portal). Two members stay refused, each for a reason
	// the resource page gives: unknownFutureValue is the evolvable-enum
	// sentinel ("Don't use"), and awaitingAction "Only Microsoft 365
	// Defender experts can set". They are refused with Graph's BadRequest
	// error (serviceOwnedStatus), not as unknown literals.
	settableAlertStatuses    = []string{"new", "inProgress", "resolved"}
	settableIncidentStatuses = []string{"active", "resolved", "inProgress", "redirected"}
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
