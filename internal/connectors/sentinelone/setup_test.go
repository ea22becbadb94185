package sentinelone

import (
	"log/slog"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alertsync/alertsync/internal/connector"
	"github.com/alertsync/alertsync/internal/emulators/emukit"
	s1emu "github.com/alertsync/alertsync/internal/emulators/sentinelone"
)

var t0 = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

const (
	pageSize   = 5
	wrongToken = "wrong-sentinelone-token-9876543210"
)

// env is a connector wired to a SentinelOne emulator behind a test server.
type env struct {
	emu   *s1emu.Emulator
	clock *emukit.FakeClock
	srv   *httptest.Server
	conn  *Connector

	mu   sync.Mutex
	seed int64
}

// setup starts an empty emulator on a fake clock and builds a connector
// against it with the given extra settings.
func setup(t *testing.T, extra map[string]any) *env {
	t.Helper()
	clock := emukit.NewFakeClock(t0)
	emu := s1emu.New(s1emu.Options{Clock: clock, Seed: 1})
	srv := httptest.NewServer(emu.Handler())
	t.Cleanup(srv.Close)
	e := &env{emu: emu, clock: clock, srv: srv, seed: 1}
	e.conn = e.build(t, nil, false, extra)
	return e
}

// build makes a connector against the emulator; wrong uses a token the
// console never issued.
func (e *env) build(t *testing.T, log *slog.Logger, wrong bool, extra map[string]any) *Connector {
	t.Helper()
	tok := e.emu.Token()
	if wrong {
		tok = wrongToken
	}
	settings := map[string]any{"base_url": e.srv.URL, "api_token": tok, "requests_per_minute": 0, "page_size": pageSize}
	for k, v := range extra {
		settings[k] = v
	}
	c, err := connector.Build(Kind, connector.Deps{ID: "it-s1", HTTP: e.srv.Client(), Logger: log}, settings)
	if err != nil {
		t.Fatalf("build connector: %v", err)
	}
	return c.(*Connector)
}

// reseed adds fresh open threats and cloud alerts a month after everything
// before, so they sort after any earlier cursor, and returns their
// VendorIDs, threats first.
func (e *env) reseed(threats, cloud int) []string {
	e.mu.Lock()
	e.seed++
	seed := e.seed
	e.mu.Unlock()
	e.clock.Advance(30 * 24 * time.Hour)
	ts, cs := e.emu.SeedOpen(threats, cloud, seed)
	for _, id := range cs {
		ts = append(ts, CloudPrefix+id)
	}
	return ts
}

// remoteStatus is the emulator's incident status of a VendorID, as a
// write token.
func (e *env) remoteStatus(t *testing.T, id string) string {
	t.Helper()
	if cid, ok := strings.CutPrefix(id, CloudPrefix); ok {
		a, found := e.emu.CloudAlert(cid)
		if !found {
			t.Fatalf("cloud alert %q not in emulator", cid)
		}
		return statusToken(a.AlertInfo.IncidentStatus)
	}
	th, found := e.emu.Threat(id)
	if !found {
		t.Fatalf("threat %q not in emulator", id)
	}
	return th.ThreatInfo.IncidentStatus
}

func (e *env) noteTexts(id string) []string {
	var out []string
	for _, n := range e.emu.Notes(id) {
		out = append(out, n.Text)
	}
	return out
}

// vendorIDs strips the cloud prefix for the emulator's own accessors.
func rawIDs(ids []string) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = strings.TrimPrefix(id, CloudPrefix)
	}
	return out
}
