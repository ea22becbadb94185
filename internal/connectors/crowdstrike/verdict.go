package crowdstrike

import (
	"github.com/alertsync/alertsync/internal/connector"
	"github.com/alertsync/alertsync/internal/model"
)

// What alertsync writes back for a state change (docs/mappings.md, the
// CrowdStrike section). CrowdStrike has no verdict field: the console's
// Resolution is one of three tags, added with add_tag, and the alert's
// resolution property follows them. update_status takes only new,
// in_progress, reopened and closed.
//
//	verdict                         status written   resolution tag
//	not_a_threat                    the status       false_positive
//	threat, published               the status       true_positive
//	threat not published,           the status       -
//	  suspicious, highly_suspicious
//	none                            the status       -  (suppressed: ignored)
//
// "-" leaves the tags alone, keeping a resolution an analyst set. Adding a
// resolution tag first removes the other two (removals run before
// additions), so a changed verdict never leaves two resolutions.
var statusOut = map[model.Status]string{
	model.StatusNew:        "new",
	model.StatusInProgress: "in_progress",
	model.StatusResolved:   "closed",
	model.StatusSuppressed: "closed",
}

// verdictTags is the resolution tag a verdict establishes.
var verdictTags = map[verdictKey]string{
	{model.VerdictNotAThreat, false}: tagFalsePositive,
	{model.VerdictThreat, true}:      tagTruePositive,
}

type verdictKey struct {
	verdict   model.Verdict
	published bool
}

// resolutionFor is the resolution tag to write for ch, or "".
// Suppressing without a verdict closes the alert as ignored.
func resolutionFor(ch connector.StateChange) string {
	if tag, ok := verdictTags[verdictKey{ch.Verdict, ch.Published && ch.Verdict == model.VerdictThreat}]; ok {
		return tag
	}
	if ch.Status == model.StatusSuppressed && ch.Verdict == model.VerdictNone {
		return tagIgnored
	}
	return ""
}

// actionsFor builds the action parameters of ch: the status, the
// resolution tag (the other two removed first), and comment when not "".
func actionsFor(ch connector.StateChange, comment string) ([]action, string, error) {
	if ch.Kind != "" && ch.Kind != model.KindAlert {
		return nil, "", connector.Unsupported
	}
	st, ok := statusOut[ch.Status]
	if !ok {
		return nil, "", connector.Permanent("crowdstrike has no alert status for %q", ch.Status)
	}
	acts := []action{{"update_status", st}}
	if tag := resolutionFor(ch); tag != "" {
		for _, other := range resolutionTags {
			if other != tag {
				acts = append(acts, action{"remove_tag", other})
			}
		}
		acts = append(acts, action{"add_tag", tag})
	}
	if comment != "" {
		acts = append(acts, action{"append_comment", comment})
	}
	return acts, st, nil
}
