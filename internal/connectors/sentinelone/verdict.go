package sentinelone

import (
	"slices"
	"strings"

	"github.com/alertsync/alertsync/internal/connector"
	"github.com/alertsync/alertsync/internal/model"
)

// What alertsync writes back, the same table as docs/mappings.md's
// SentinelOne section. The incident status follows the sync policy
// (StateChange.Status); the analyst verdict follows the verdict alone, so
// it records what alertsync established whether or not the threat is
// closed:
//
//	verdict                    published  analystVerdict
//	not_a_threat               any        false_positive
//	threat                     yes        true_positive
//	threat                     no         suspicious
//	suspicious                 any        suspicious
//	highly_suspicious          any        suspicious
//	none (plain status change) any        - (left as it is)
//
// An unpublished threat is written as suspicious rather than
// true_positive: alertsync holds it as a threat but has not confirmed it
// to the customer yet, and SentinelOne's own "suspicious" says exactly
// "reviewed, not yet confirmed". Publishing it later writes true_positive.
var analystVerdictFor = map[verdictKey]string{
	{model.VerdictNotAThreat, false}:       "false_positive",
	{model.VerdictThreat, true}:            "true_positive",
	{model.VerdictThreat, false}:           "suspicious",
	{model.VerdictSuspicious, false}:       "suspicious",
	{model.VerdictHighlySuspicious, false}: "suspicious",
}

type verdictKey struct {
	verdict   model.Verdict
	published bool
}

// analystVerdicts are the verdicts the API takes, for a reconciliation
// mapping's Classification.
var analystVerdicts = []string{"undefined", "true_positive", "false_positive", "suspicious"}

// incidentStatusFor maps canonical status to the incident status written.
// SentinelOne has no suppressed status, so suppressed is resolved.
var incidentStatusFor = map[model.Status]string{
	model.StatusNew: "unresolved", model.StatusInProgress: "in_progress",
	model.StatusResolved: "resolved", model.StatusSuppressed: "resolved",
}

// statusFrom maps an incident status read back (as a write token, see
// statusToken) to canonical status.
var statusFrom = map[string]model.Status{
	"unresolved": model.StatusNew, "in_progress": model.StatusInProgress, "resolved": model.StatusResolved,
}

func statusOf(token string) model.Status {
	if st, ok := statusFrom[token]; ok {
		return st
	}
	return model.StatusUnknown
}

// statusToken turns a cloud-detection alert's read-back spelling
// ("In progress", "IN_PROGRESS") into the write token ("in_progress"), the
// form alertsync keeps as RemoteStatus for both kinds of record.
func statusToken(s string) string {
	return strings.ReplaceAll(strings.ToLower(strings.TrimSpace(s)), " ", "_")
}

// write is what one state change sets: an incident status always, an
// analyst verdict when the verdict (or a reconciliation mapping) names
// one.
type write struct {
	status, verdict string
}

// writeFor maps ch; a Classification, when set, is SentinelOne's own
// verdict word from a reconciliation mapping and wins over the table.
func writeFor(ch connector.StateChange) (write, error) {
	if ch.Kind == model.KindIncident {
		return write{}, connector.Unsupported
	}
	st, ok := incidentStatusFor[ch.Status]
	if !ok {
		return write{}, connector.Permanent("sentinelone has no incident status for %q", ch.Status)
	}
	w := write{status: st, verdict: analystVerdictFor[verdictKey{ch.Verdict, ch.Published && ch.Verdict == model.VerdictThreat}]}
	if ch.Classification != "" {
		v := statusToken(ch.Classification)
		if !slices.Contains(analystVerdicts, v) {
			return write{}, connector.Permanent("sentinelone has no analyst verdict %q", ch.Classification)
		}
		w.verdict = v
	}
	return w, nil
}
