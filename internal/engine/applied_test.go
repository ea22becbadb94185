package engine_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/alertsync/alertsync/internal/connector"
	"github.com/alertsync/alertsync/internal/engine"
	"github.com/alertsync/alertsync/internal/model"
	"github.com/alertsync/alertsync/internal/outbox"
	"github.com/alertsync/alertsync/internal/store"
)

// checkingVendor is a fakeVendor that can tell whether a write landed,
// with the answer, error and replay behaviour a test sets.
type checkingVendor struct {
	fakeVendor
	replays connector.Replays
	applied bool
	err     error
	checks  int
}

func (c *checkingVendor) StateApplied(_ context.Context, ch connector.StateChange) (bool, connector.RemoteState, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.checks++
	return c.applied, connector.RemoteState{RemoteStatus: remoteStatus(ch.Status)}, c.err
}

func (c *checkingVendor) CommentApplied(context.Context, connector.CommentAction) (bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.checks++
	return c.applied, c.err
}

func (c *checkingVendor) Replays() connector.Replays { return c.replays }

var (
	_ connector.StateChecker   = (*checkingVendor)(nil)
	_ connector.CommentChecker = (*checkingVendor)(nil)
)

var errThrottled = &connector.Error{Class: connector.ClassRateLimited, Message: "slow down", RetryAfter: time.Minute}

// TestReplayIsChecked: a first attempt goes unchecked; a replay is
// checked, and what the check says decides whether it is sent again.
func TestReplayIsChecked(t *testing.T) {
	t.Parallel()
	harmless := connector.Replays{State: connector.ReplayHarmless, Comment: connector.ReplayHarmless}
	dedup := connector.Replays{State: connector.ReplayDeduplicated, Comment: connector.ReplayDeduplicated}
	tests := []struct {
		name     string
		attempts int
		applied  bool
		err      error
		replays  connector.Replays
		checks   int
		sent     bool
		// want is what the delivery answers: "" (sent), "noted" (done
		// without sending) or an error class (waits).
		want string
	}{
		{"first attempt is never checked", 1, true, nil, connector.Replays{}, 0, true, ""},
		{"replay that landed is not sent", 2, true, nil, connector.Replays{}, 1, false, "noted"},
		{"replay that did not land is sent", 3, false, nil, connector.Replays{}, 1, true, ""},
		{"failed check waits when a repeat duplicates", 2, false, errThrottled, connector.Replays{}, 1, false, string(connector.ClassRateLimited)},
		{"failed check waits even when a repeat is harmless", 2, false, errThrottled, harmless, 1, false, string(connector.ClassRateLimited)},
		{"vendor that deduplicates is not asked", 2, true, nil, dedup, 0, true, ""},
	}
	for _, tt := range tests {
		for _, action := range []string{engine.ActionSetState, engine.ActionAddComment} {
			t.Run(tt.name+"/"+action, func(t *testing.T) {
				t.Parallel()
				pol := engine.DefaultPolicy()
				pol.CommentSync = true
				h := setup(t, pol)
				v := &checkingVendor{applied: tt.applied, err: tt.err, replays: tt.replays}
				h.eng.AddIntegration(engine.Integration{ID: "edr", Kind: "fake", Policy: pol, Connector: v})
				item := queued(t, h, action)
				item.Attempts = tt.attempts
				_, err := h.eng.Deliver(context.Background(), item)
				sent := len(v.states)+len(v.comments) > 0
				if v.checks != tt.checks || sent != tt.sent {
					t.Errorf("checks %d, sent %v; want %d, %v", v.checks, sent, tt.checks, tt.sent)
				}
				var note *outbox.Noted
				switch {
				case tt.want == "" && err != nil:
					t.Errorf("delivery error %v, want none", err)
				case tt.want == "noted" && (!errors.As(err, &note) || !strings.HasPrefix(note.Note, "already applied")):
					t.Errorf("delivery answered %v, want an already-applied note", err)
				case tt.want != "" && tt.want != "noted" && string(connector.ClassOf(err)) != tt.want:
					t.Errorf("delivery answered %v (class %s), want class %s", err, connector.ClassOf(err), tt.want)
				}
			})
		}
	}
}

// queued gives a verdict on a new alert and returns the queued action of
// the given kind.
func queued(t *testing.T, h *harness, action string) store.OutboxItem {
	t.Helper()
	mustIngest(t, h, vendorAlert("a1", "New"))
	if _, err := h.eng.SetAlertVerdict(context.Background(), engine.VerdictParams{ID: h.alert(t, "a1").ID,
		Verdict: model.VerdictNotAThreat, Reason: "benign admin script", Actor: analyst("kim")}); err != nil {
		t.Fatal(err)
	}
	for _, it := range h.pending(t) {
		if it.Action == action {
			return it
		}
	}
	t.Fatalf("no %s queued", action)
	return store.OutboxItem{}
}

// checkingBulk is a bulk vendor that can tell whether a write landed.
type checkingBulk struct {
	bulkVendor
	landed map[string]bool
}

func (c *checkingBulk) StateApplied(_ context.Context, ch connector.StateChange) (bool, connector.RemoteState, error) {
	return c.landed[ch.VendorID], connector.RemoteState{RemoteStatus: remoteStatus(ch.Status)}, nil
}

// TestBulkChecksOnlyReplays: in a bulk delivery, the replayed items are
// checked one by one and only those that did not land go in the bulk
// call with the first attempts.
func TestBulkChecksOnlyReplays(t *testing.T) {
	t.Parallel()
	h := setup(t, engine.DefaultPolicy())
	v := &checkingBulk{landed: map[string]bool{"a1": true}}
	h.eng.AddIntegration(engine.Integration{ID: "edr", Kind: "fake", Policy: engine.DefaultPolicy(), Connector: v})
	ctx := context.Background()
	var items []store.OutboxItem
	for i, id := range []string{"a1", "a2", "a3"} {
		mustIngest(t, h, vendorAlert(id, "New"))
		if _, err := h.eng.SetAlertVerdict(ctx, engine.VerdictParams{ID: h.alert(t, id).ID, Verdict: model.VerdictNotAThreat, Actor: analyst("kim")}); err != nil {
			t.Fatal(err)
		}
		it := h.pending(t)[i]
		it.Attempts = 2 - i/2 // a1 and a2 replayed, a3 a first attempt
		items = append(items, it)
	}
	out, err := h.eng.DeliverBatch(ctx, items)
	if err != nil {
		t.Fatal(err)
	}
	if len(v.calls) != 1 || strings.Join(v.calls[0], ",") != "a2,a3" {
		t.Fatalf("bulk calls %v, want one with a2 and a3", v.calls)
	}
	var note *outbox.Noted
	if !errors.As(out[0].Err, &note) || note.After == nil {
		t.Errorf("a1 answered %+v, want noted as applied with its write-back", out[0])
	}
	if out[1].Err != nil || out[2].Err != nil || out[1].After == nil || out[2].After == nil {
		t.Errorf("a2, a3 answered %+v, %+v; want written", out[1], out[2])
	}
}
