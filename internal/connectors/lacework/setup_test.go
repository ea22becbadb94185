package lacework

import (
	"io"
	"log"
	"log/slog"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/alertsync/alertsync/internal/connector"
	"github.com/alertsync/alertsync/internal/emulators/emukit"
	lwemu "github.com/alertsync/alertsync/internal/emulators/lacework"
)

// t0 is on a whole hour, as Lacework's alert windows are.
var t0 = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

const pageSize = 5

// env is a connector wired to a Lacework emulator behind a TLS test
// server (the connector takes https:// only); emulator and connector share
// a fake clock, so token lifetimes and alert windows agree.
type env struct {
	emu   *lwemu.Emulator
	clock *emukit.FakeClock
	srv   *httptest.Server
	conn  *Connector
}

// setup starts an emulator seeded with n alerts, pageSize a listing page,
// and builds a connector against it with the given extra settings.
func setup(t *testing.T, n int, extra map[string]any) *env {
	t.Helper()
	clock := emukit.NewFakeClock(t0)
	emu := lwemu.New(lwemu.Options{Clock: clock, Alerts: n, Seed: 1, PerMinute: -1, PageSize: pageSize})
	srv := httptest.NewUnstartedServer(emu.Handler())
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // handshakes cut short by a closing test are not news
	srv.StartTLS()
	t.Cleanup(srv.Close)
	e := &env{emu: emu, clock: clock, srv: srv}
	e.conn = e.build(t, nil, lwemu.DefaultSecret, extra)
	return e
}

// build makes a connector against e's server.
func (e *env) build(t *testing.T, log *slog.Logger, secret string, extra map[string]any) *Connector {
	t.Helper()
	c, err := e.try(log, secret, extra)
	if err != nil {
		t.Fatalf("build connector: %v", err)
	}
	c.backoff = time.Millisecond
	return c
}

func (e *env) try(log *slog.Logger, secret string, extra map[string]any) (*Connector, error) {
	settings := map[string]any{
		"account_url": e.srv.URL, "key_id": lwemu.DefaultKeyID, "secret": secret,
		"requests_per_minute": 0, "page_size": pageSize,
	}
	for k, v := range extra {
		if v == nil {
			delete(settings, k)
			continue
		}
		settings[k] = v
	}
	c, err := connector.Build(Kind, connector.Deps{ID: "it-lw", HTTP: e.srv.Client(), Now: e.clock.Now, Logger: log}, settings)
	if err != nil {
		return nil, err
	}
	return c.(*Connector), nil
}

func (e *env) status(t *testing.T, id string) string {
	t.Helper()
	a, ok := e.emu.Alert(id)
	if !ok {
		t.Fatalf("alert %q not in emulator", id)
	}
	return a.Status
}

// fetchAll polls from cursor until More is false and returns the items
// and the last cursor.
func fetchAll(t *testing.T, c *Connector, cursor string) ([]connector.Item, string) {
	t.Helper()
	var items []connector.Item
	for range 100 {
		page, err := c.FetchAlerts(t.Context(), cursor)
		if err != nil {
			t.Fatalf("FetchAlerts: %v", err)
		}
		items = append(items, page.Items...)
		cursor = page.Cursor
		if !page.More {
			return items, cursor
		}
	}
	t.Fatal("FetchAlerts never ends")
	return nil, ""
}

func byID(items []connector.Item) map[string]connector.Item {
	out := map[string]connector.Item{}
	for _, it := range items {
		out[it.VendorID] = it
	}
	return out
}
