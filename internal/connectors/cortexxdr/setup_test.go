package cortexxdr

import (
	"log/slog"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/alertsync/alertsync/internal/connector"
	xdremu "github.com/alertsync/alertsync/internal/emulators/cortexxdr"
	"github.com/alertsync/alertsync/internal/emulators/emukit"
)

// pageSize is the tests' page_size, small so paging is exercised.
const pageSize = 5

// env is a connector wired to a Cortex XDR emulator behind a test server.
// The emulator runs on a fake clock the connector signs with, so the
// advanced key's timestamps match whatever the test makes of the clock.
type env struct {
	emu   *xdremu.Emulator
	clock *emukit.FakeClock
	srv   *httptest.Server
	conn  *Connector
	inc   *Incidents
}

// setup starts an emulator seeded with n alerts and builds a connector
// against it with the given extra settings.
func setup(t *testing.T, n int, extra map[string]any) *env {
	t.Helper()
	return setupWith(t, xdremu.Options{Alerts: n, Seed: 1}, extra)
}

// setupWith is setup with the emulator's options.
func setupWith(t *testing.T, o xdremu.Options, extra map[string]any) *env {
	t.Helper()
	clock := emukit.NewFakeClock(time.Now())
	o.Clock = clock
	emu := xdremu.New(o)
	srv := httptest.NewServer(emu.Handler())
	t.Cleanup(srv.Close)
	e := &env{emu: emu, clock: clock, srv: srv}
	c := e.build(t, nil, extra)
	inc, ok := c.(*Incidents)
	if !ok {
		t.Fatalf("built %T, want *Incidents", c)
	}
	e.inc, e.conn = inc, inc.Connector
	return e
}

// settings are the integration's settings for the advanced key.
func (e *env) settings(extra map[string]any) map[string]any {
	s := map[string]any{
		"base_url": e.srv.URL, "api_key_id": xdremu.DefaultAdvancedKeyID, "api_key": xdremu.DefaultAdvancedKey,
		"requests_per_minute": 0, "page_size": pageSize,
	}
	for k, v := range extra {
		s[k] = v
	}
	return s
}

// build makes a connector through the registry, as the hub does.
func (e *env) build(t *testing.T, log *slog.Logger, extra map[string]any) connector.Connector {
	t.Helper()
	return e.buildAt(t, log, extra, e.clock.Now)
}

func (e *env) buildAt(t *testing.T, log *slog.Logger, extra map[string]any, now func() time.Time) connector.Connector {
	t.Helper()
	c, err := connector.Build(Kind, connector.Deps{ID: "it-xdr", HTTP: e.srv.Client(), Logger: log, Now: now}, e.settings(extra))
	if err != nil {
		t.Fatalf("build connector: %v", err)
	}
	return c
}
