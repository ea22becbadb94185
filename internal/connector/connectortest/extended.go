package connectortest

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/alertsync/alertsync/internal/connector"
	"github.com/alertsync/alertsync/internal/model"
)

// throttleWait is the wait the suite asks the emulator to put in its
// rate-limit answer; vendors that send an epoch second (CrowdStrike) round
// it, hence the tolerance.
const (
	throttleWait      = 7 * time.Second
	throttleTolerance = 1500 * time.Millisecond
)

// testRetryHeader checks that the vendor's own retry header, whatever its
// name and format, reaches the outbox as the error's RetryAfter.
func testRetryHeader(t *testing.T, h Harness, caps connector.Capabilities) {
	need(t, h.Throttle != nil, "Throttle")
	id := probeTarget(t, h, caps)
	h.Throttle(t, throttleWait)
	err := probe(t, h, caps, id)
	if got := connector.ClassOf(err); err == nil || got != connector.ClassRateLimited {
		t.Fatalf("throttled call: err %v (class %q), want rate_limited", err, got)
	}
	if d := connector.RetryAfterOf(err); d < throttleWait-throttleTolerance || d > throttleWait+throttleTolerance {
		t.Errorf("throttled call: RetryAfter = %v, the vendor asked for %v", d, throttleWait)
	}
	if err := probe(t, h, caps, id); err != nil {
		t.Errorf("call after the throttle: %v", err)
	}
}

// cancelBound is how long a call may outlive its cancelled context.
const cancelBound = 2 * time.Second

// testCancel checks that every outbound call ends promptly once its
// context is cancelled, while the vendor is slow to answer.
func testCancel(t *testing.T, h Harness, caps connector.Capabilities) {
	need(t, h.Slow != nil, "Slow")
	id := ""
	if caps.StateSync || caps.Comments {
		id = seedOne(t, h)
	}
	h.Slow(t, time.Minute)
	defer h.Slow(t, 0)
	for _, c := range calls(h, caps, id) {
		ctx, cancel := context.WithCancel(t.Context())
		time.AfterFunc(100*time.Millisecond, cancel)
		start := time.Now()
		err := c.call(ctx)
		took := time.Since(start)
		cancel()
		if err == nil {
			t.Errorf("%s: succeeded although its context was cancelled before the vendor answered", c.name)
		}
		if took > cancelBound {
			t.Errorf("%s: returned %v after its context was cancelled, want within %v", c.name, took, cancelBound)
		}
	}
}

// call is one capability's outbound call, for checks that make each.
type call struct {
	name string
	call func(ctx context.Context) error
}

// calls lists one call per capability the connector has; id is a seeded
// alert for writes.
func calls(h Harness, caps connector.Capabilities, id string) []call {
	var out []call
	c := h.Connector
	if caps.Ingest {
		out = append(out, call{"FetchAlerts", func(ctx context.Context) error {
			_, err := c.(connector.AlertSource).FetchAlerts(ctx, "")
			return err
		}})
	}
	if caps.Incidents {
		out = append(out, call{"FetchIncidents", func(ctx context.Context) error {
			_, err := c.(connector.IncidentSource).FetchIncidents(ctx, "")
			return err
		}})
	}
	if caps.StateSync {
		out = append(out, call{"SetState", func(ctx context.Context) error {
			_, err := c.(connector.StateSyncer).SetState(ctx, connector.StateChange{
				Kind: h.kind(), VendorID: id, Status: model.StatusInProgress, IdempotencyKey: uniqueKey("cancel-state"),
			})
			return err
		}})
	}
	if bs, ok := c.(connector.BatchStateSyncer); ok {
		out = append(out, call{"SetStates", func(ctx context.Context) error {
			_, err := bs.SetStates(ctx, []connector.StateChange{{
				Kind: h.kind(), VendorID: id, Status: model.StatusInProgress, IdempotencyKey: uniqueKey("cancel-states"),
			}})
			return err
		}})
	}
	if caps.Comments {
		out = append(out, call{"AddComment", func(ctx context.Context) error {
			return c.(connector.Commenter).AddComment(ctx, connector.CommentAction{
				Kind: h.kind(), VendorID: id, Body: "alertsync conformance cancel", IdempotencyKey: uniqueKey("cancel-comment"),
			})
		}})
	}
	if caps.Health {
		out = append(out, call{"Health", c.(connector.HealthChecker).Health})
	}
	return out
}

func uniqueKey(prefix string) string {
	return fmt.Sprintf("conformance-%s-%d", prefix, time.Now().UnixNano())
}

// testBulk writes one state to several alerts in one SetStates call while
// the emulator refuses one of them: that one fails alone, the others are
// written, and it succeeds alone once the vendor accepts it.
func testBulk(t *testing.T, h Harness) {
	need(t, h.FailItems != nil, "FailItems")
	need(t, h.RemoteState != nil, "RemoteState")
	bs := h.Connector.(connector.BatchStateSyncer)
	ids := h.Seed(t)
	if len(ids) < 3 {
		t.Fatalf("Seed created %d alerts; the bulk check needs 3", len(ids))
	}
	ids = ids[:3]
	if l, ok := h.Connector.(connector.BatchLimit); ok && l.MaxBatch() < len(ids) {
		ids = ids[:max(l.MaxBatch(), 1)]
	}
	before := h.RemoteState(t, ids[len(ids)-1])
	refused := ids[len(ids)-1]
	h.FailItems(t, []string{refused})
	changes := make([]connector.StateChange, len(ids))
	for i, id := range ids {
		changes[i] = connector.StateChange{Kind: h.kind(), VendorID: id, Status: model.StatusResolved,
			Verdict: model.VerdictNotAThreat, Reason: "alertsync conformance bulk", IdempotencyKey: "conformance-bulk-" + id}
	}
	res, err := bs.SetStates(h.ctx(t), changes)
	if err != nil {
		t.Fatalf("SetStates with one refused item failed as a whole: %v; want per-item results", err)
	}
	if len(res) != len(ids) {
		t.Fatalf("SetStates answered %d results for %d changes", len(res), len(ids))
	}
	for i, id := range ids {
		got := h.RemoteState(t, id)
		if id == refused {
			if res[i].Err == nil {
				t.Errorf("refused item %s reported success", id)
			}
			if got != before {
				t.Errorf("refused item %s changed %q -> %q", id, before, got)
			}
			continue
		}
		if res[i].Err != nil {
			t.Errorf("item %s failed with its neighbour: %v", id, res[i].Err)
		} else if res[i].State.RemoteStatus == "" || got != res[i].State.RemoteStatus {
			t.Errorf("item %s: vendor holds %q, SetStates reported %q", id, got, res[i].State.RemoteStatus)
		}
	}
	h.FailItems(t, nil)
	res, err = bs.SetStates(h.ctx(t), changes[len(ids)-1:])
	if err != nil || len(res) != 1 || res[0].Err != nil {
		t.Fatalf("retrying the refused item alone: %+v, %v", res, err)
	}
	if got := h.RemoteState(t, refused); got != res[0].State.RemoteStatus {
		t.Errorf("retried item %s: vendor holds %q, SetStates reported %q", refused, got, res[0].State.RemoteStatus)
	}
}

// testIncidents fetches incidents and expects a seeded one with its
// member alerts, then nothing old again from the cursor it returned.
func testIncidents(t *testing.T, h Harness) {
	need(t, h.SeedIncident != nil, "SeedIncident")
	src := h.Connector.(connector.IncidentSource)
	inc, members := h.SeedIncident(t)
	var found *connector.IncidentItem
	cursor := ""
	for range maxPolls {
		page, err := src.FetchIncidents(h.ctx(t), cursor)
		if err != nil {
			t.Fatalf("FetchIncidents(%q): %v", cursor, err)
		}
		for i := range page.Items {
			it := page.Items[i]
			if it.VendorID == "" {
				t.Errorf("incident item without a vendor id: %+v", it)
			}
			if it.Err == nil && it.Incident == nil {
				t.Errorf("incident %s has neither an incident nor an error", it.VendorID)
			}
			if it.VendorID == inc {
				found = &it
			}
		}
		if page.Cursor != "" {
			cursor = page.Cursor
		}
		if !page.More {
			break
		}
	}
	if found == nil || found.Incident == nil {
		t.Fatalf("seeded incident %s not fetched", inc)
	}
	for _, m := range members {
		if !slices.Contains(found.Incident.RemoteAlerts, m) {
			t.Errorf("incident %s lacks member alert %s (has %v)", inc, m, found.Incident.RemoteAlerts)
		}
	}
	page, err := src.FetchIncidents(h.ctx(t), cursor)
	if err != nil {
		t.Fatalf("FetchIncidents from the last cursor: %v", err)
	}
	for _, it := range page.Items {
		if it.VendorID == inc {
			t.Errorf("unchanged incident %s fetched again from the cursor after it", inc)
		}
	}
}

// testSecrets builds the connector with a captured logger and with wrong
// credentials, makes calls that fail and succeed, and looks for every
// secret in what came out.
func testSecrets(t *testing.T, h Harness, caps connector.Capabilities) {
	if len(h.Secrets) == 0 {
		t.Fatal("connectortest: Harness.Build needs Harness.Secrets, the credential values it uses")
	}
	logs := &capture{}
	good := h.Build(t, logs.logger(), false)
	bad := h.Build(t, logs.logger(), true)
	var errs []error
	id := ""
	if caps.StateSync || caps.Comments {
		id = seedOne(t, h)
	}
	for _, c := range calls(Harness{Connector: good, Kind: h.Kind}, caps, id) {
		if err := c.call(h.ctx(t)); err != nil {
			errs = append(errs, err)
		}
	}
	for _, c := range calls(Harness{Connector: bad, Kind: h.Kind}, caps, id) {
		err := c.call(h.ctx(t))
		if err == nil {
			t.Errorf("%s with wrong credentials succeeded", c.name)
			continue
		}
		if cl := connector.ClassOf(err); cl != connector.ClassAuth {
			t.Errorf("%s with wrong credentials: class %q, want auth: %v", c.name, cl, err)
		}
		errs = append(errs, err)
	}
	for _, s := range h.Secrets {
		if len(s) < 4 {
			t.Fatalf("connectortest: secret %q is too short to search for", s)
		}
		for _, err := range errs {
			if strings.Contains(err.Error(), s) || strings.Contains(fmt.Sprintf("%+v", err), s) {
				t.Errorf("an error carries a secret: %v", err)
			}
		}
		if logs.contains(s) {
			t.Errorf("a log line carries a secret")
		}
	}
	if logs.lines() == 0 {
		t.Log("the connector logged nothing at debug level")
	}
}
