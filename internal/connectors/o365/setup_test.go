package o365

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/alertsync/alertsync/internal/connector"
	"github.com/alertsync/alertsync/internal/emulators/emukit"
	o365emu "github.com/alertsync/alertsync/internal/emulators/o365"
)

var t0 = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

// wrongSecret is a client secret the emulator's app registration does
// not have.
const wrongSecret = "not-the-o365-secret-5c1d"

// env is a connector wired to an Office 365 emulator behind a test
// server, both on one fake clock.
type env struct {
	emu   *o365emu.Emulator
	clock *emukit.FakeClock
	srv   *httptest.Server
	conn  *Connector
}

// testOptions publish at once, in small blobs and pages, without a
// budget: tests that want a delay or a limit set their own.
func testOptions() o365emu.Options {
	return o365emu.Options{PublishDelay: -1, PageSize: 3, BlobSize: 4, Seed: 1,
		Limits: []emukit.Limit{{Requests: 1 << 20, Window: time.Minute}}}
}

// setup starts an emulator with opts on a fake clock and builds a
// connector against it with extra settings over the defaults.
func setup(t *testing.T, opts o365emu.Options, extra map[string]any) *env {
	t.Helper()
	return setupWith(t, opts, extra, nil)
}

// setupWith is setup with the emulator's handler wrapped by wrap (when
// not nil), for tests that change how the service answers.
func setupWith(t *testing.T, opts o365emu.Options, extra map[string]any, wrap func(http.Handler) http.Handler) *env {
	t.Helper()
	clock := emukit.NewFakeClock(t0)
	opts.Clock = clock
	emu := o365emu.New(opts)
	h := emu.Handler()
	if wrap != nil {
		h = wrap(h)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	e := &env{emu: emu, clock: clock, srv: srv}
	e.conn = e.build(t, nil, extra)
	return e
}

// build builds another connector against the emulator, logging to log
// (discarded when nil), with extra settings over the defaults.
func (e *env) build(t *testing.T, log *slog.Logger, extra map[string]any) *Connector {
	t.Helper()
	settings := map[string]any{
		"tenant_id":           o365emu.DefaultTenantID,
		"client_id":           o365emu.DefaultClientID,
		"client_secret":       o365emu.DefaultClientSecret,
		"token_url":           e.srv.URL + "/{tenant}/oauth2/v2.0/token",
		"base_url":            e.srv.URL,
		"requests_per_minute": 0,
	}
	for k, v := range extra {
		settings[k] = v
	}
	c, err := connector.Build(Kind, connector.Deps{ID: "it-o365", HTTP: e.srv.Client(), Logger: log, Now: e.clock.Now}, settings)
	if err != nil {
		t.Fatalf("build connector: %v", err)
	}
	return c.(*Connector)
}

// seed moves the clock a minute, has the tenant's users make n records
// then, and moves the clock past them, so a poll after it can list them.
func (e *env) seed(n int) []string {
	e.clock.Advance(time.Minute)
	var ids []string
	for _, r := range e.emu.Generate(n) {
		ids = append(ids, r.ID)
	}
	e.clock.Advance(time.Minute)
	return ids
}

// enable is the connector's first poll.
func (e *env) enable(t *testing.T) string {
	t.Helper()
	p, err := e.conn.FetchEvidence(t.Context(), "")
	if err != nil || p.More || len(p.Items) != 0 {
		t.Fatalf("enable: %+v, %v", p, err)
	}
	return p.Cursor
}

// drain polls from cursor until More is false and returns the items and
// the last cursor.
func (e *env) drain(t *testing.T, cursor string) ([]connector.EvidenceItem, string) {
	t.Helper()
	var items []connector.EvidenceItem
	for range 1000 {
		p, err := e.conn.FetchEvidence(t.Context(), cursor)
		if err != nil {
			t.Fatalf("FetchEvidence: %v", err)
		}
		items, cursor = append(items, p.Items...), p.Cursor
		if !p.More {
			return items, cursor
		}
	}
	t.Fatal("FetchEvidence never stops reporting More")
	return nil, ""
}

// apiRequests are the recorded calls to the Management Activity API
// (not the token endpoint).
func (e *env) apiRequests() []emukit.Request {
	var out []emukit.Request
	for _, r := range e.emu.Requests() {
		if strings.HasPrefix(r.Path, "/api/") {
			out = append(out, r)
		}
	}
	return out
}

func ids(items []connector.EvidenceItem) map[string]int {
	out := map[string]int{}
	for _, it := range items {
		out[it.VendorID]++
	}
	return out
}
