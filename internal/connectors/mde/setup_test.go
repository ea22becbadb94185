package mde

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/alertsync/alertsync/internal/connector"
	"github.com/alertsync/alertsync/internal/emulators/emukit"
	mdeemu "github.com/alertsync/alertsync/internal/emulators/mde"
)

var t0 = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

// env is a connector wired to an MDE emulator behind a test server.
type env struct {
	emu   *mdeemu.Emulator
	clock *emukit.FakeClock
	srv   *httptest.Server
	conn  *Connector

	mu   sync.Mutex
	seed int64
}

// unlimited lifts the emulator's budgets, whose windows only move with the
// fake clock; tests that want a 429 set their own.
var unlimited = []emukit.Limit{{Requests: 1 << 20, Window: time.Minute}}

// setup starts an emulator seeded with n alerts on a fake clock and builds
// a connector against it with the given extra settings.
func setup(t *testing.T, n int, extra map[string]any) *env {
	t.Helper()
	return setupWith(t, n, extra, nil)
}

// setupWith is setup with the emulator's handler wrapped by wrap (when not
// nil), for tests that change how the service answers.
func setupWith(t *testing.T, n int, extra map[string]any, wrap func(http.Handler) http.Handler) *env {
	t.Helper()
	clock := emukit.NewFakeClock(t0)
	emu := mdeemu.New(mdeemu.Options{Clock: clock, Alerts: n, Seed: 1, Limits: unlimited, BatchLimits: unlimited})
	h := emu.Handler()
	if wrap != nil {
		h = wrap(h)
	}
	srv := httptest.NewServer(h)
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
		"tenant_id":           mdeemu.DefaultTenantID,
		"client_id":           mdeemu.DefaultClientID,
		"client_secret":       mdeemu.DefaultClientSecret,
		"token_url":           e.srv.URL + "/{tenant}/oauth2/v2.0/token",
		"api_base":            e.srv.URL,
		"requests_per_minute": 0,
		"requests_per_hour":   0,
		"page_size":           5,
	}
	for k, v := range extra {
		settings[k] = v
	}
	c, err := connector.Build(Kind, connector.Deps{ID: "it-mde", HTTP: e.srv.Client(), Logger: log}, settings)
	if err != nil {
		t.Fatalf("build connector: %v", err)
	}
	return c.(*Connector)
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
		if a.Status != "New" {
			if err := e.emu.SetAlertStatus(a.ID, "New"); err != nil {
				panic(err)
			}
		}
		ids = append(ids, a.ID)
	}
	return ids
}

func commentTexts(cs []mdeemu.Comment) []string {
	var out []string
	for _, c := range cs {
		out = append(out, c.Comment)
	}
	return out
}
