package sekoia

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/alertsync/alertsync/internal/connector"
	sekoiaemu "github.com/alertsync/alertsync/internal/emulators/sekoia"
)

func events(n, size int) []connector.PushEvent {
	out := make([]connector.PushEvent, n)
	for i := range out {
		pad := strings.Repeat("x", max(size-len(fmt.Sprintf(`{"n":%d,"pad":""}`, i)), 0))
		out[i] = connector.PushEvent{IdempotencyKey: fmt.Sprint("ev-", i), Body: json.RawMessage(fmt.Sprintf(`{"n":%d,"pad":"%s"}`, i, pad))}
	}
	return out
}

// TestPushSingleAndBatch: one event goes to POST {intake_url} with "json", several
// to POST /batch with "jsons", each as the JSON string the intake
// stores; the ids come back in order.
func TestPushSingleAndBatch(t *testing.T) {
	t.Parallel()
	e := setup(t, 0, nil)
	ctx := t.Context()
	ids, err := e.conn.PushEvents(ctx, events(1, 50))
	if err != nil || len(ids) != 1 || ids[0] == "" {
		t.Fatalf("single: %v %v", ids, err)
	}
	batch := events(3, 80)
	more, err := e.conn.PushEvents(ctx, batch)
	if err != nil || len(more) != 3 {
		t.Fatalf("batch: %v %v", more, err)
	}
	got := e.emu.Events()
	if len(got) != 4 || got[0].ID != ids[0] {
		t.Fatalf("intake holds %d events", len(got))
	}
	for i, ev := range got[1:] {
		if ev.ID != more[i] || ev.JSON != string(batch[i].Body) || ev.IntakeKey != sekoiaemu.DefaultIntakeKey {
			t.Errorf("event %d: %+v", i, ev)
		}
	}
	paths := []string{}
	for _, r := range e.emu.Recorder().Filter(http.MethodPost, "/intake") {
		paths = append(paths, r.Path)
	}
	if strings.Join(paths, " ") != "/intake /intake/batch" {
		t.Errorf("intake requests %v", paths)
	}
}

// TestPushSizeLimit: an event of 250,000 bytes goes, one byte more does
// not; the others of the push still go, and the error is permanent and
// names the refused event.
func TestPushSizeLimit(t *testing.T) {
	t.Parallel()
	e := setup(t, 0, nil)
	evs := append(events(1, maxEventBytes), events(2, maxEventBytes+1)[1], events(3, 100)[2])
	ids, err := e.conn.PushEvents(t.Context(), evs)
	if connector.ClassOf(err) != connector.ClassPermanent || !strings.Contains(err.Error(), "event 1 (ev-1) is 250001 bytes") {
		t.Fatalf("err %v", err)
	}
	if len(ids) != 3 || ids[0] == "" || ids[1] != "" || ids[2] == "" || len(e.emu.Events()) != 2 {
		t.Errorf("ids %v, %d events stored", ids, len(e.emu.Events()))
	}
}

// TestPushChunks: a push larger than one request may carry goes in
// several batch requests.
func TestPushChunks(t *testing.T) {
	t.Parallel()
	e := setup(t, 0, nil)
	evs := events(50, 200000)
	ids, err := e.conn.PushEvents(t.Context(), evs)
	if err != nil || len(ids) != 50 || ids[49] == "" {
		t.Fatalf("%v", err)
	}
	if n := len(e.emu.Recorder().Filter(http.MethodPost, "/intake/batch")); n != 2 {
		t.Errorf("%d batch requests, want 2", n)
	}
}

// TestPushRetryable: a 429 is rate limited (Retry-After honoured, a
// minute without one), nothing was stored, and the retry stores once; a
// wrong intake key is an auth error that does not echo the key.
func TestPushRetryable(t *testing.T) {
	t.Parallel()
	e := setup(t, 0, nil)
	ctx := t.Context()
	evs := events(2, 100)
	for _, wait := range []time.Duration{0, 9 * time.Second} {
		e.emu.ThrottleNext(wait)
		_, err := e.conn.PushEvents(ctx, evs)
		want := wait
		if wait == 0 {
			want = defaultThrottleWait
		}
		if connector.ClassOf(err) != connector.ClassRateLimited || connector.RetryAfterOf(err) != want {
			t.Errorf("throttled push: %v (after %v), want rate limited after %v", err, connector.RetryAfterOf(err), want)
		}
	}
	e.emu.Faults().FailFirst(1, http.StatusServiceUnavailable, []byte(`{"message":"unavailable"}`))
	if _, err := e.conn.PushEvents(ctx, evs); connector.ClassOf(err) != connector.ClassRetryable {
		t.Errorf("503: %v", err)
	}
	if n := len(e.emu.Events()); n != 0 {
		t.Fatalf("%d events stored by refused pushes", n)
	}
	if ids, err := e.conn.PushEvents(ctx, evs); err != nil || len(e.emu.Events()) != 2 {
		t.Fatalf("retry: %v %v", ids, err)
	}
	wrong := e.build(t, nil, sekoiaemu.DefaultAPIKey, map[string]any{"intake_key": "not-the-intake-key"})
	_, err := wrong.PushEvents(ctx, evs)
	if connector.ClassOf(err) != connector.ClassAuth || strings.Contains(err.Error(), "not-the-intake-key") {
		t.Errorf("wrong key: %v", err)
	}
	none := e.build(t, nil, sekoiaemu.DefaultAPIKey, map[string]any{"intake_key": ""})
	if _, err := none.PushEvents(ctx, evs); connector.ClassOf(err) != connector.ClassPermanent {
		t.Errorf("no key: %v", err)
	}
}
