package cortexxdr

import (
	"strings"

	"github.com/alertsync/alertsync/internal/connector"
	"github.com/alertsync/alertsync/internal/model"
)

// alertStatuses is the one table of Cortex XDR's two alert status
// vocabularies: update_alerts writes the first word and the alert reads
// back with the second (resolution_status). Incidents use the write words
// both ways. STATUS_030 is legacy but still read; XSIAM tenants show
// further STATUS_ values, which are read without failing (see
// alertStatus).
var alertStatuses = []struct{ write, read string }{
	{"new", "STATUS_010_NEW"},
	{"under_investigation", "STATUS_020_UNDER_INVESTIGATION"},
	{"resolved_threat_handled", "STATUS_030_RESOLVED_THREAT_HANDLED"},
	{"resolved_known_issue", "STATUS_040_RESOLVED_KNOWN_ISSUE"},
	{"resolved_duplicate", "STATUS_050_RESOLVED_DUPLICATE"},
	{"resolved_false_positive", "STATUS_060_RESOLVED_FALSE_POSITIVE"},
	{"resolved_other", "STATUS_070_RESOLVED_OTHER"},
	{"resolved_auto", "STATUS_080_RESOLVED_AUTO"},
	{"resolved_true_positive", "STATUS_090_RESOLVED_TRUE_POSITIVE"},
	{"resolved_security_testing", "STATUS_100_RESOLVED_SECURITY_TESTING"},
}

// readStatusOf returns the resolution_status an alert written with write
// reads back with.
func readStatusOf(write string) string {
	for _, s := range alertStatuses {
		if s.write == write {
			return s.read
		}
	}
	return ""
}

// writeStatusOf returns the write word of a resolution_status.
func writeStatusOf(read string) (string, bool) {
	for _, s := range alertStatuses {
		if s.read == read {
			return s.write, true
		}
	}
	return "", false
}

// alertStatus is the canonical status of a resolution_status. A STATUS_
// value this table does not know is resolved when its name says so and
// unknown otherwise: the alert is still ingested.
func alertStatus(read string) model.Status {
	if w, ok := writeStatusOf(read); ok {
		return incidentStatus(w)
	}
	if strings.HasPrefix(read, "STATUS_") && strings.Contains(read, "_RESOLVED") {
		return model.StatusResolved
	}
	return model.StatusUnknown
}

// incidentStatus is the canonical status of a write-vocabulary status
// (an incident's status, or an alert's status written).
func incidentStatus(s string) model.Status {
	switch {
	case s == "new":
		return model.StatusNew
	case s == "under_investigation":
		return model.StatusInProgress
	case strings.HasPrefix(s, "resolved_"):
		return model.StatusResolved
	}
	return model.StatusUnknown
}

// What alertsync writes for a verdict, to alerts (update_alerts) and
// incidents (update_incident) alike; docs/mappings.md holds the same
// table.
//
//	verdict                                  status      written
//	any                                      new         new
//	any                                      in_progress under_investigation
//	not_a_threat                             resolved    resolved_false_positive
//	threat, published                        resolved    resolved_true_positive
//	threat not published, suspicious,        resolved    resolved_other
//	highly_suspicious, none
//	not_a_threat                             suppressed  resolved_false_positive
//	threat, published                        suppressed  resolved_true_positive
//	threat not published, suspicious,        suppressed  resolved_known_issue
//	highly_suspicious, none
//
// A suspicious alert the policy closes is resolved_other: alertsync has
// established neither that it was malicious nor that it was benign, and
// the comment says why it was closed. A suppressed alert is a known,
// accepted behaviour, which Cortex XDR calls resolved_known_issue. A
// reconciliation mapping may name any resolved_ status instead
// (StateChange.Classification).
var resolvedByVerdict = map[verdictKey]string{
	{model.VerdictNotAThreat, false}: "resolved_false_positive",
	{model.VerdictThreat, true}:      "resolved_true_positive",
}

type verdictKey struct {
	verdict   model.Verdict
	published bool
}

// writeStatus returns the status to write for ch.
func writeStatus(ch connector.StateChange) (string, error) {
	switch ch.Status {
	case model.StatusNew:
		return "new", nil
	case model.StatusInProgress:
		return "under_investigation", nil
	case model.StatusResolved, model.StatusSuppressed:
	default:
		return "", connector.Permanent("cortex xdr has no status for %q", ch.Status)
	}
	if c := ch.Classification; c != "" {
		if !strings.HasPrefix(c, "resolved_") || readStatusOf(c) == "" || c == "resolved_auto" {
			return "", connector.Permanent("cortex xdr classification %q is not a resolved status alertsync may write", c)
		}
		return c, nil
	}
	if s, ok := resolvedByVerdict[verdictKey{ch.Verdict, ch.Published && ch.Verdict == model.VerdictThreat}]; ok {
		return s, nil
	}
	if ch.Status == model.StatusSuppressed {
		return "resolved_known_issue", nil
	}
	return "resolved_other", nil
}

// alreadyIn reports whether a target whose canonical status is current
// needs no write to reach the status want: the same open status, or any
// resolved one when resolving. Whoever resolved it first decided how, as
// on Sentinel.
func alreadyIn(current model.Status, want string) bool {
	return current == incidentStatus(want)
}
