package connectortest

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/alertsync/alertsync/internal/connector"
	"github.com/alertsync/alertsync/internal/model"
)

// seedOne returns the vendor id of a freshly seeded alert.
func seedOne(t *testing.T, h Harness) string {
	t.Helper()
	need(t, h.Seed != nil, "Seed")
	ids := h.Seed(t)
	if len(ids) == 0 {
		t.Fatal("Seed created no alerts")
	}
	return ids[0]
}

func testSetState(t *testing.T, h Harness) {
	need(t, h.RemoteState != nil, "RemoteState")
	st := h.Connector.(connector.StateSyncer)
	var cursor string
	_, echo := h.Connector.(connector.AlertSource)
	echo = echo && h.CheckEcho
	if echo {
		cursor = fetchAll(t, h, "").cursor
	}
	id := seedOne(t, h)
	before := h.RemoteState(t, id)
	ch := connector.StateChange{
		Kind: h.kind(), VendorID: id, Status: model.StatusResolved, Verdict: model.VerdictNotAThreat,
		Reason: "alertsync conformance test", IdempotencyKey: "conformance-state-" + id,
	}
	rs, err := st.SetState(h.ctx(t), ch)
	if err != nil {
		t.Fatalf("SetState: %v", err)
	}
	after := h.RemoteState(t, id)
	if rs.RemoteStatus == "" || after != rs.RemoteStatus || after == before {
		t.Errorf("remote state went %q -> %q; SetState reported %q", before, after, rs.RemoteStatus)
	}
	// The outbox replays a change whose answer it never saw; the replay
	// must succeed, not fail as a conflict or a bad transition.
	if _, err := st.SetState(h.ctx(t), ch); err != nil {
		t.Errorf("replaying the same SetState: %v", err)
	}
	if echo {
		checkEcho(t, h, cursor, id, rs.RemoteStatus)
	}
}

// checkEcho polls from cursor and expects the written alert back with the
// remote status SetState reported.
func checkEcho(t *testing.T, h Harness, cursor, id, remote string) {
	t.Helper()
	for _, it := range fetchAll(t, h, cursor).items {
		if it.VendorID != id || it.Alert == nil {
			continue
		}
		if it.Alert.RemoteStatus != remote {
			t.Errorf("alert %q came back with RemoteStatus %q, SetState reported %q", id, it.Alert.RemoteStatus, remote)
		}
		return
	}
	t.Errorf("alert %q did not come back from FetchAlerts after its state changed", id)
}

func testAddComment(t *testing.T, h Harness) {
	need(t, h.RemoteComments != nil, "RemoteComments")
	cm := h.Connector.(connector.Commenter)
	id := seedOne(t, h)
	body := fmt.Sprintf("alertsync conformance comment %d", time.Now().UnixNano())
	c := connector.CommentAction{Kind: h.kind(), VendorID: id, Body: body, IdempotencyKey: "conformance-comment-" + id}
	// The outbox replays a comment whose answer it never saw; like the
	// engine, the replay asks a CommentChecker first.
	cc, checks := h.Connector.(connector.CommentChecker)
	for i := range 2 {
		if i > 0 && checks {
			applied, err := cc.CommentApplied(h.ctx(t), c)
			if err != nil {
				t.Fatalf("CommentApplied before the replay: %v", err)
			}
			if applied {
				continue
			}
		}
		if err := cm.AddComment(h.ctx(t), c); err != nil {
			t.Fatalf("AddComment (attempt %d): %v", i+1, err)
		}
	}
	n := 0
	for _, got := range h.RemoteComments(t, id) {
		if strings.Contains(got, body) {
			n++
		}
	}
	switch {
	case n == 0:
		t.Errorf("comment %q not found on alert %q", body, id)
	case (h.IdempotentComments || checks) && n != 1:
		t.Errorf("comment posted %d times with one idempotency key, want once", n)
	case n > 1:
		t.Logf("vendor does not deduplicate comments: %d copies after a replay", n)
	}
}

// probe makes one outbound call with the first capability that has one.
func probe(t *testing.T, h Harness, caps connector.Capabilities, id string) error {
	t.Helper()
	ctx := h.ctx(t)
	switch {
	case caps.Ingest:
		_, err := h.Connector.(connector.AlertSource).FetchAlerts(ctx, "")
		return err
	case caps.Health:
		return h.Connector.(connector.HealthChecker).Health(ctx)
	case caps.StateSync:
		_, err := h.Connector.(connector.StateSyncer).SetState(ctx, connector.StateChange{
			Kind: h.kind(), VendorID: id, Status: model.StatusInProgress, IdempotencyKey: fmt.Sprintf("conformance-probe-%d", time.Now().UnixNano()),
		})
		return err
	default:
		return h.Connector.(connector.Commenter).AddComment(ctx, connector.CommentAction{
			Kind: h.kind(), VendorID: id, Body: "alertsync conformance probe", IdempotencyKey: fmt.Sprintf("conformance-probe-%d", time.Now().UnixNano()),
		})
	}
}

// probeTarget seeds an alert when the probe is a write.
func probeTarget(t *testing.T, h Harness, caps connector.Capabilities) string {
	if caps.Ingest || caps.Health {
		return ""
	}
	return seedOne(t, h)
}

func testRateLimited(t *testing.T, h Harness, caps connector.Capabilities) {
	need(t, h.InjectRateLimit != nil, "InjectRateLimit")
	id := probeTarget(t, h, caps)
	h.InjectRateLimit(t)
	err := probe(t, h, caps, id)
	if got := connector.ClassOf(err); err == nil || got != connector.ClassRateLimited {
		t.Fatalf("rate-limited call: err %v (class %q), want rate_limited", err, got)
	}
	if connector.RetryAfterOf(err) <= 0 {
		t.Errorf("rate-limited call: RetryAfter = %v, want the vendor's hint (> 0)", connector.RetryAfterOf(err))
	}
	if err := probe(t, h, caps, id); err != nil {
		t.Errorf("call after the rate limit passed: %v", err)
	}
}

func testTokenExpiry(t *testing.T, h Harness, caps connector.Capabilities) {
	id := probeTarget(t, h, caps)
	h.ExpireToken(t)
	if err := probe(t, h, caps, id); err != nil {
		t.Errorf("call after the token expired: %v (want a transparent refresh)", err)
	}
}
