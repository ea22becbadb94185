package graph

import (
	"log/slog"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/alertsync/alertsync/internal/connector"
	"github.com/alertsync/alertsync/internal/emulators/emukit"
	graphemu "github.com/alertsync/alertsync/internal/emulators/graph"
)

var t0 = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

// env is a connector wired to a Graph emulator behind a test server.
type env struct {
	emu   *graphemu.Emulator
	clock *emukit.FakeClock
	srv   *httptest.Server
	conn  *Connector

	mu   sync.Mutex
	seed int64
}

// setup starts an emulator seeded with n alerts on a fake clock and builds
// a connector against it with the given extra settings. The emulator's own
// rate budget is lifted (its windows only move with the fake clock); tests
// that want a 429 inject one.
func setup(t *testing.T, n int, extra map[string]any) *env {
	t.Helper()
	clock := emukit.NewFakeClock(t0)
	emu := graphemu.New(graphemu.Options{Clock: clock, Alerts: n, Seed: 1, RateLimit: emukit.Limit{Requests: 1 << 20, Window: time.Minute}})
	srv := httptest.NewServer(emu.Handler())
	t.Cleanup(srv.Close)
	e := &env{emu: emu, clock: clock, srv: srv, seed: 1}
	e.conn = e.build(t, nil, extra)
	return e
}

// build builds another connector against the emulator, logging to log
// (the default logger when nil), with extra settings over the defaults.
func (e *env) build(t *testing.T, log *slog.Logger, extra map[string]any) *Connector {
	t.Helper()
	settings := map[string]any{
		"tenant_id":           graphemu.DefaultTenantID,
		"client_id":           graphemu.DefaultClientID,
		"client_secret":       graphemu.DefaultClientSecret,
		"token_url":           e.srv.URL + "/{tenant}/oauth2/v2.0/token",
		"api_base":            e.srv.URL + "/v1.0",
		"requests_per_minute": 0,
		"page_size":           5,
	}
	for k, v := range extra {
		settings[k] = v
	}
	// The connector reads the emulator's clock: it bounds each alert
	// window by the hub's time, which must agree with the service's.
	c, err := connector.Build(Kind, connector.Deps{ID: "it-graph", HTTP: e.srv.Client(), Now: e.clock.Now, Logger: log}, settings)
	if err != nil {
		t.Fatalf("build connector: %v", err)
	}
	switch cc := c.(type) {
	case *Connector:
		return cc
	case *AlertConnector:
		return &Connector{*cc}
	}
	t.Fatalf("build connector: got %T", c)
	return nil
}

// reseed replaces the emulator's data with n fresh open alerts stamped a
// month after everything before, so they all sort after any earlier cursor.
func (e *env) reseed(n int) []string {
	e.mu.Lock()
	e.seed++
	seed := e.seed
	e.mu.Unlock()
	e.clock.Advance(30 * 24 * time.Hour)
	e.emu.Seed(n, seed)
	var ids []string
	for _, a := range e.emu.Alerts() {
		if a.Status != "new" {
			if err := e.emu.SetAlertStatus(a.ID, "new"); err != nil {
				panic(err)
			}
		}
		ids = append(ids, a.ID)
	}
	return ids
}

// requests returns the recorded API calls with method under path.
func (e *env) requests(method, path string) []emukit.Request {
	return e.emu.Recorder().Filter(method, "/v1.0/"+path)
}
