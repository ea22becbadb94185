package cortexxdr

import (
	"slices"
	"strings"
)

// Cortex XDR writes statuses in one vocabulary and reads alerts back in
// another: update_alerts takes "resolved_false_positive", get_alerts
// answers resolution_status "STATUS_060_RESOLVED_FALSE_POSITIVE".
// Incidents use the write words in both directions.

// alertReadStatus maps each alert status update_alerts accepts (Cortex
// XDR REST API "Update Alerts") to the resolution_status the alert then
// reads back with.
var alertReadStatus = map[string]string{
	"new":                       "STATUS_010_NEW",
	"under_investigation":       "STATUS_020_UNDER_INVESTIGATION",
	"resolved_threat_handled":   "STATUS_030_RESOLVED_THREAT_HANDLED",
	"resolved_known_issue":      "STATUS_040_RESOLVED_KNOWN_ISSUE",
	"resolved_duplicate":        "STATUS_050_RESOLVED_DUPLICATE",
	"resolved_false_positive":   "STATUS_060_RESOLVED_FALSE_POSITIVE",
	"resolved_other":            "STATUS_070_RESOLVED_OTHER",
	"resolved_auto":             "STATUS_080_RESOLVED_AUTO",
	"resolved_true_positive":    "STATUS_090_RESOLVED_TRUE_POSITIVE",
	"resolved_security_testing": "STATUS_100_RESOLVED_SECURITY_TESTING",
}

// Alert write values, in the order the docs list them, for error messages.
var alertWriteStatuses = []string{"new", "resolved_threat_handled", "under_investigation", "resolved_security_testing",
	"resolved_auto", "resolved_known_issue", "resolved_duplicate", "resolved_other", "resolved_false_positive", "resolved_true_positive"}

// incidentWriteStatuses are what update_incident accepts (demisto
// CortexXDRIR XDR_INCIDENT_FIELDS plus resolved_threat_handled, which the
// REST API's enum keeps); resolved_auto is set by Cortex XDR only.
var incidentWriteStatuses = []string{"new", "under_investigation", "resolved_threat_handled", "resolved_known_issue",
	"resolved_duplicate", "resolved_false_positive", "resolved_true_positive", "resolved_security_testing", "resolved_other"}

// alertSeverities are the severities update_alerts writes and alerts read.
var alertSeverities = []string{"critical", "high", "medium", "low", "informational"}

// manualSeverities are what update_incident's manual_severity takes; ""
// clears it.
var manualSeverities = []string{"critical", "high", "medium", "low", ""}

func resolved(status string) bool { return strings.HasPrefix(status, "resolved_") }

// alertResolved reports whether a read resolution_status is a resolved one.
func alertResolved(readStatus string) bool { return strings.Contains(readStatus, "_RESOLVED_") }

func validAlertStatus(s string) bool    { return slices.Contains(alertWriteStatuses, s) }
func validIncidentStatus(s string) bool { return slices.Contains(incidentWriteStatuses, s) }
