package crowdstrike

import (
	"log/slog"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/alertsync/alertsync/internal/connector"
	csemu "github.com/alertsync/alertsync/internal/emulators/crowdstrike"
	"github.com/alertsync/alertsync/internal/emulators/emukit"
)

// t0 is on a whole second, so the emulator's epoch-second retry header
// says exactly the wait it was asked for.
var t0 = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

const pageSize = 5

// env is a connector wired to a CrowdStrike emulator behind a test
// server; emulator and connector share a fake clock, so token lifetimes
// and epoch retry times agree.
type env struct {
	emu   *csemu.Emulator
	clock *emukit.FakeClock
	srv   *httptest.Server
	conn  *Connector
}

// setup starts an emulator seeded with n alerts and builds a connector
// against it with the given extra settings.
func setup(t *testing.T, n int, extra map[string]any) *env {
	t.Helper()
	clock := emukit.NewFakeClock(t0)
	emu := csemu.New(csemu.Options{Clock: clock, Alerts: n, Seed: 1, PerMinute: -1})
	srv := httptest.NewServer(emu.Handler())
	t.Cleanup(srv.Close)
	e := &env{emu: emu, clock: clock, srv: srv}
	e.conn = e.build(t, nil, csemu.DefaultClientSecret, extra)
	return e
}

// build makes a connector against e's server.
func (e *env) build(t *testing.T, log *slog.Logger, secret string, extra map[string]any) *Connector {
	t.Helper()
	settings := map[string]any{
		"base_url": e.srv.URL, "client_id": csemu.DefaultClientID, "client_secret": secret,
		"requests_per_minute": 0, "page_size": pageSize,
	}
	for k, v := range extra {
		settings[k] = v
	}
	c, err := connector.Build(Kind, connector.Deps{ID: "it-cs", HTTP: e.srv.Client(), Now: e.clock.Now, Logger: log}, settings)
	if err != nil {
		t.Fatalf("build connector: %v", err)
	}
	return c.(*Connector)
}

func (e *env) status(t *testing.T, id string) string {
	t.Helper()
	a, ok := e.emu.Alert(id)
	if !ok {
		t.Fatalf("alert %q not in emulator", id)
	}
	return a.Status
}

func (e *env) comments(id string) []string {
	var out []string
	for _, c := range e.emu.Comments(id) {
		out = append(out, c.Value)
	}
	return out
}

func (e *env) ids() []string {
	var out []string
	for _, a := range e.emu.Alerts() {
		out = append(out, a.CompositeID)
	}
	return out
}
