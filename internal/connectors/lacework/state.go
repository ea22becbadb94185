package lacework

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/alertsync/alertsync/internal/connector"
	"github.com/alertsync/alertsync/internal/model"
)

// Close reasons POST /api/v2/Alerts/{id}/close takes: 0 to 4 from the
// FortiCNAPP CLI docs, 5 from the Go SDK (alertCloseReason). Reason 0
// needs a comment.
const (
	reasonOther            = 0
	reasonFalsePositive    = 1
	reasonNotEnoughInfo    = 2
	reasonMalicious        = 3
	reasonExpectedTesting  = 4
	reasonExpectedBehavior = 5
)

// reasonNames are the reasons as the console shows them.
var reasonNames = map[int]string{
	reasonOther: "Other", reasonFalsePositive: "False positive", reasonNotEnoughInfo: "Not enough information",
	reasonMalicious: "Malicious and have resolution in place", reasonExpectedTesting: "Expected because of routine testing",
	reasonExpectedBehavior: "Expected Behavior",
}

// statusClosed is the status of a closed alert, what SetState reports
// having written.
const statusClosed = "Closed"

// What alertsync writes back for a state change (docs/mappings.md, the
// Lacework section). Closing is irreversible at Lacework (a closed alert
// cannot be reopened), so only a final verdict closes:
//
//	canonical status        verdict        published  written
//	resolved or suppressed  not_a_threat   any        close, reason 1 False positive
//	resolved or suppressed  threat         yes        close, reason 3 Malicious and have resolution in place
//	resolved or suppressed  anything else  -          refused (permanent): not a final verdict
//	new or in_progress      any            -          nothing (Unchanged): the alert stays open
//	any status, alert already Closed                  nothing (Unchanged) when closing; refused (permanent) otherwise: no reopen
//
// Not a threat closes as 1 False positive rather than 5 Expected
// Behavior: alertsync found the activity non-threatening, not that it is
// the resource's normal behaviour, and "false positive" is how the close
// is reported elsewhere (see "Why these choices"). A status the API has
// no write for (In progress, back to Open) is reported Unchanged with the
// alert's own status, so the outbox records "already in state" instead of
// dead-lettering every suspicious verdict.
var closeReasons = map[verdictKey]int{
	{model.VerdictNotAThreat, false}: reasonFalsePositive,
	{model.VerdictThreat, true}:      reasonMalicious,
}

type verdictKey struct {
	verdict   model.Verdict
	published bool
}

// closeReasonFor is the reason a change closes with; false when its
// verdict is not final.
func closeReasonFor(ch connector.StateChange) (int, bool) {
	r, ok := closeReasons[verdictKey{ch.Verdict, ch.Published && ch.Verdict == model.VerdictThreat}]
	return r, ok
}

// decide says what to write for ch to an alert whose status is cur: a
// close with its reason (write), nothing (no write, no error), or a
// refusal.
func decide(ch connector.StateChange, cur string) (reason int, write bool, err error) {
	closing := ch.Status == model.StatusResolved || ch.Status == model.StatusSuppressed
	closed := statusOf(cur) == model.StatusResolved
	reason, final := closeReasonFor(ch)
	switch {
	case closed && closing:
		return 0, false, nil
	case closed:
		return 0, false, connector.Permanent("lacework alert is %s and lacework cannot reopen alerts (asked for %s)", cur, ch.Status)
	case ch.Status == model.StatusNew || ch.Status == model.StatusInProgress:
		return 0, false, nil
	case !closing:
		return 0, false, connector.Permanent("lacework has no alert state for %q", ch.Status)
	case !final:
		return 0, false, connector.Permanent("lacework cannot reopen a closed alert, so alertsync closes one only on a final verdict "+
			"(not_a_threat, or a published threat), not on %s", verdictWords(ch))
	}
	return reason, true, nil
}

func verdictWords(ch connector.StateChange) string {
	switch {
	case ch.Verdict == model.VerdictNone:
		return "a status change without a verdict"
	case ch.Verdict == model.VerdictThreat && !ch.Published:
		return "an unpublished threat"
	}
	return string(ch.Verdict)
}

// SetState reads the alert's status, then closes it with the reason its
// verdict maps to, or writes nothing; see decide. The close carries a
// comment that says alertsync closed it (reason 0 requires one; the
// others take it), the change's reason unless comment sync posts that.
func (c *core) SetState(ctx context.Context, ch connector.StateChange) (connector.RemoteState, error) {
	if ch.Kind != "" && ch.Kind != model.KindAlert {
		return connector.RemoteState{}, connector.Unsupported
	}
	if !validID(ch.VendorID) {
		return connector.RemoteState{}, connector.Permanent("lacework alert ids are numbers, not %q", ch.VendorID)
	}
	cur, err := c.remoteStatus(ctx, ch.VendorID)
	if err != nil {
		return connector.RemoteState{}, fmt.Errorf("read lacework alert %s: %w", ch.VendorID, err)
	}
	reason, write, err := decide(ch, cur)
	if err != nil || !write {
		c.log.DebugContext(ctx, "lacework alert left as it is", "alert", ch.VendorID, "status", cur, "asked", ch.Status, "err", err)
		return connector.RemoteState{RemoteStatus: cur, Unchanged: err == nil}, err
	}
	body := closeBody{Reason: reason, Comment: closeComment(ch, reason)}
	err = c.client.SendJSON(ctx, http.MethodPost, "api/v2/Alerts/"+ch.VendorID+"/close", body, nil)
	if cls := connector.ClassOf(err); err != nil && (cls == connector.ClassPermanent || cls == connector.ClassConflict) {
		// Refused: closed meanwhile (by a person, or by a first attempt
		// whose answer was lost)? Then there is nothing to do.
		if now, rerr := c.remoteStatus(ctx, ch.VendorID); rerr == nil && statusOf(now) == model.StatusResolved {
			return connector.RemoteState{RemoteStatus: now, Unchanged: true}, nil
		}
	}
	if err != nil {
		return connector.RemoteState{}, fmt.Errorf("close lacework alert %s: %w", ch.VendorID, err)
	}
	c.log.DebugContext(ctx, "lacework alert closed", "alert", ch.VendorID, "reason", reason)
	return connector.RemoteState{RemoteStatus: statusClosed}, nil
}

// closeComment is the close's comment: the change's reason, or when
// comment sync posts that on its own, a line naming the close, each with
// the marker of the change's idempotency key.
func closeComment(ch connector.StateChange, reason int) string {
	text := strings.TrimSpace(ch.Reason)
	if text == "" || ch.CommentQueued {
		text = "Closed by alertsync: " + reasonNames[reason] + "."
	}
	return connector.Marked(text, ch.IdempotencyKey)
}

// remoteStatus reads an alert's status from its Details scope.
func (c *core) remoteStatus(ctx context.Context, id string) (string, error) {
	var rep struct {
		Data detailsWire `json:"data"`
	}
	err := c.client.GetJSON(ctx, "api/v2/Alerts/"+id+"?"+url.Values{"scope": {"Details"}}.Encode(), &rep)
	return rep.Data.Status, err
}

// validID reports whether id is a Lacework alert id: a decimal number.
func validID(id string) bool {
	n, err := strconv.ParseInt(id, 10, 64)
	return err == nil && n >= 0 && strconv.FormatInt(n, 10) == id
}
