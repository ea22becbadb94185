package sekoia

import (
	"strings"

	"github.com/alertsync/alertsync/internal/connector"
	"github.com/alertsync/alertsync/internal/model"
)

// What alertsync writes back for a state change (docs/mappings.md, the
// Sekoia.io section). Sekoia has no verdict field beside the status: the
// legacy workflow's statuses carry it. Rejected is the false positive,
// Closed the threat dealt with, Ongoing the confirmed threat whose
// countermeasures are not applied yet, Acknowledged the alert under
// analysis.
//
//	canonical status   verdict                               status written
//	new                any                                   Pending (unreachable: no way back)
//	in_progress        threat (published or not)             Ongoing
//	in_progress        none, suspicious, highly_suspicious,  Acknowledged
//	                   not_a_threat
//	resolved           not_a_threat                          Rejected
//	resolved           anything else                         Closed
//	suppressed         any                                   Rejected
//
// Suspicious and highly suspicious stay Acknowledged rather than Ongoing:
// Validate tells Sekoia the alert is a true positive, which alertsync has
// not established, and Ongoing cannot go back to Acknowledged while
// Acknowledged can still go on to Ongoing. Suppressing is dismissing,
// and Rejected is Sekoia's only dismissal.
func targetOf(ch connector.StateChange) (legacyStatus, error) {
	if ch.Classification != "" {
		for _, s := range legacyStatuses {
			if strings.EqualFold(s.name, ch.Classification) {
				return s, nil
			}
		}
		return legacyStatus{}, connector.Permanent("sekoia has no alert status %q", ch.Classification)
	}
	switch ch.Status {
	case model.StatusNew:
		return stPending, nil
	case model.StatusInProgress:
		if ch.Verdict == model.VerdictThreat {
			return stOngoing, nil
		}
		return stAcknowledged, nil
	case model.StatusResolved:
		if ch.Verdict == model.VerdictNotAThreat {
			return stRejected, nil
		}
		return stClosed, nil
	case model.StatusSuppressed:
		return stRejected, nil
	}
	return legacyStatus{}, connector.Permanent("sekoia has no alert status for %q", ch.Status)
}

// reasonOf is the workflow comment of ch: its reason with the marker,
// unless comment sync posts the reason as a comment of its own
// (CommentQueued) or there is none; then the comment is null.
func reasonOf(ch connector.StateChange) *string {
	if ch.CommentQueued || strings.TrimSpace(ch.Reason) == "" {
		return nil
	}
	s := connector.Marked(ch.Reason, ch.IdempotencyKey)
	return &s
}
