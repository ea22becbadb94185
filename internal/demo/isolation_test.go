package demo

import (
	"context"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/alertsync/alertsync/internal/app"
	"github.com/alertsync/alertsync/internal/model"
)

// TestThrottledVendorDoesNotDelayAnother runs the hub against the
// emulators, makes Graph answer nothing but 429 for a minute while a
// backlog of Graph write-backs waits, and gives a verdict on a Defender
// for Endpoint alert meanwhile: it must reach the MDE emulator while Graph
// is still throttling, not after Graph's backlog.
func TestThrottledVendorDoesNotDelayAnother(t *testing.T) {
	if testing.Short() {
		t.Skip("end to end against the emulators")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	w, err := newWorld(slog.New(slog.DiscardHandler), map[string]int{"graph": 60, "mde": 30}, "")
	if err != nil {
		t.Fatal(err)
	}
	defer w.close()
	a, err := app.New(ctx, hubConfig(w, Options{DataDir: t.TempDir(), Listen: "127.0.0.1:0", PollInterval: 300 * time.Millisecond}),
		app.Options{Logger: slog.New(slog.DiscardHandler), HTTPClient: &http.Client{Timeout: 30 * time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = a.Stop(context.Background()) }()
	s := &scenario{ctx: ctx, app: a, tenant: model.DefaultTenant, st: a.Store(), eng: a.Engine(), w: w, poll: 300 * time.Millisecond, sum: &Summary{}}
	for id, n := range map[string]int{"graph": len(w.graph.Alerts()), "mde": len(w.mde.Alerts())} {
		if _, ok := s.waitUntil(60*time.Second, func() bool { return len(s.alerts(id)) >= n }); !ok {
			t.Fatalf("%s alerts not ingested", id)
		}
	}

	resolvedBefore := map[string]bool{}
	for _, ga := range w.graph.Alerts() {
		resolvedBefore[ga.ID] = ga.Status == "resolved"
	}
	const throttle = time.Minute
	w.graph.Faults().ThrottleNext(1<<30, throttle)
	throttledAt := time.Now()
	defer w.graph.Faults().Reset()
	backlog := 0
	for _, ga := range s.alerts("graph") {
		if ga.Status != model.StatusNew || backlog == 40 {
			continue
		}
		if err := s.verdict(ga, model.VerdictNotAThreat, false, "benign admin script"); err != nil {
			t.Fatal(err)
		}
		backlog++
	}
	m, err := s.pick("mde")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.verdict(m, model.VerdictThreat, true, "credential theft confirmed"); err != nil {
		t.Fatal(err)
	}
	took, ok := s.waitUntil(throttle, func() bool {
		got, _ := w.mde.Alert(m.VendorID)
		return got.Status == "Resolved"
	})
	if !ok || time.Since(throttledAt) >= throttle {
		t.Fatalf("MDE verdict not delivered while Graph was throttled (took %v)", took)
	}
	closed := 0
	for _, ga := range w.graph.Alerts() {
		if ga.Status == "resolved" && !resolvedBefore[ga.ID] {
			closed++
		}
	}
	if closed != 0 {
		t.Fatalf("%d Graph alerts closed while Graph answered only 429", closed)
	}
	t.Logf("MDE verdict delivered in %v with %d Graph write-backs held by Graph's 429s", took, backlog)
}
