package connectortest

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/alertsync/alertsync/internal/connector"
	"github.com/alertsync/alertsync/internal/model"
)

// testStateApplied checks a StateChecker against the vendor: an object
// nobody wrote to does not hold the change, the object SetState wrote
// does, reported in the terms SetState reported.
func testStateApplied(t *testing.T, h Harness) {
	need(t, h.RemoteState != nil, "RemoteState")
	sc := h.Connector.(connector.StateChecker)
	id := seedOne(t, h)
	ch := connector.StateChange{
		Kind: h.kind(), VendorID: id, Status: model.StatusResolved, Verdict: model.VerdictNotAThreat,
		Reason: "alertsync outcome check", IdempotencyKey: "conformance-applied-" + id,
	}
	applied, _, err := sc.StateApplied(h.ctx(t), ch)
	if err != nil {
		t.Fatalf("StateApplied on an untouched %s: %v", h.kind(), err)
	}
	if applied {
		t.Fatalf("StateApplied reports the change applied to %s %q, which nobody wrote to (its state: %q)", h.kind(), id, h.RemoteState(t, id))
	}
	rs, err := h.Connector.(connector.StateSyncer).SetState(h.ctx(t), ch)
	if err != nil {
		t.Fatalf("SetState: %v", err)
	}
	applied, got, err := sc.StateApplied(h.ctx(t), ch)
	if err != nil {
		t.Fatalf("StateApplied after SetState: %v", err)
	}
	if !applied {
		t.Fatalf("StateApplied after SetState reports not applied (the vendor holds %q)", h.RemoteState(t, id))
	}
	if got.RemoteStatus != rs.RemoteStatus || got.Unchanged {
		t.Errorf("StateApplied reports %+v; SetState reported %+v: the echo ledger needs the same status", got, rs)
	}
}

// testCommentApplied checks a CommentChecker against the vendor: the
// check finds a comment by its action's marker, and only by it; a long
// comment fitted to the vendor's limit keeps its marker; a replay that
// checks first posts once.
func testCommentApplied(t *testing.T, h Harness) {
	need(t, h.RemoteComments != nil, "RemoteComments")
	cc := h.Connector.(connector.CommentChecker)
	cm := h.Connector.(connector.Commenter)
	id := seedOne(t, h)
	stamp := time.Now().UnixNano()
	// Long enough to be cut by any documented limit; whitespace at the
	// end, which vendors trim, must not hide the marker.
	body := fmt.Sprintf("alertsync outcome check %d: %s \n ", stamp, strings.Repeat("long comment text ", 2500))
	a := connector.CommentAction{Kind: h.kind(), VendorID: id, IdempotencyKey: fmt.Sprintf("conformance-applied-%s-%d", id, stamp),
		Body: connector.FitComment(body, limitsOf(h))}
	other := a
	other.IdempotencyKey += "-other"
	for _, c := range []connector.CommentAction{a, other} {
		if applied, err := cc.CommentApplied(h.ctx(t), c); err != nil || applied {
			t.Fatalf("CommentApplied before any comment = %v, %v; want false, nil", applied, err)
		}
	}
	for attempt := 1; attempt <= 2; attempt++ {
		applied, err := cc.CommentApplied(h.ctx(t), a)
		if err != nil {
			t.Fatalf("CommentApplied (attempt %d): %v", attempt, err)
		}
		if applied != (attempt > 1) {
			t.Fatalf("CommentApplied before attempt %d = %v, want %v", attempt, applied, attempt > 1)
		}
		if !applied {
			if err := cm.AddComment(h.ctx(t), a); err != nil {
				t.Fatalf("AddComment: %v", err)
			}
		}
	}
	if applied, err := cc.CommentApplied(h.ctx(t), other); err != nil || applied {
		t.Errorf("CommentApplied for another action on the same %s = %v, %v; want false: the check must match the marker, not any comment", h.kind(), applied, err)
	}
	mark, n := connector.CommentMarker(a.IdempotencyKey), 0
	for _, got := range h.RemoteComments(t, id) {
		if strings.Contains(got, mark) {
			n++
		}
	}
	if n != 1 {
		t.Errorf("the vendor holds %d comments with marker %s, want 1", n, mark)
	}
}

// limitsOf is the connector's documented comment limits for the
// harness's kind.
func limitsOf(h Harness) connector.CommentLimits {
	if cl, ok := h.Connector.(connector.CommentLimiter); ok {
		return cl.CommentLimits(h.kind())
	}
	return connector.CommentLimits{}
}
