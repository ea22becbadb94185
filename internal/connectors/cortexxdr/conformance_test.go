package cortexxdr

import (
	"log/slog"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/alertsync/alertsync/internal/connector"
	"github.com/alertsync/alertsync/internal/connector/connectortest"
	xdremu "github.com/alertsync/alertsync/internal/emulators/cortexxdr"
)

// wrongKey is the key the suite's wrong-credentials connector uses.
const wrongKey = "not-the-advanced-key-4711"

func TestConformance(t *testing.T) {
	e := setup(t, 0, nil)
	connectortest.Run(t, connectortest.Harness{
		Connector:   e.inc,
		Integration: "it-xdr",
		Seed:        func(t *testing.T) []string { return e.emu.SeedAlerts(2*pageSize + 2) },
		RemoteState: func(t *testing.T, id string) string {
			a, ok := e.emu.Alert(id)
			if !ok {
				t.Fatalf("alert %q not in emulator", id)
			}
			return a.ResolutionStatus
		},
		RemoteComments: func(t *testing.T, id string) []string {
			if c := e.emu.ResolutionComment(id); c != "" {
				return []string{c}
			}
			return nil
		},
		InjectRateLimit: func(t *testing.T) { e.emu.ThrottleNext(4 * time.Second) },
		Throttle:        func(t *testing.T, d time.Duration) { e.emu.ThrottleNext(d) },
		Slow:            func(t *testing.T, d time.Duration) { e.emu.SetLatency(d) },
		FailItems:       func(t *testing.T, ids []string) { e.emu.FailItems(ids) },
		SeedIncident:    func(t *testing.T) (string, []string) { return e.emu.SeedIncident(3) },
		Build: func(t *testing.T, log *slog.Logger, wrong bool) connector.Connector {
			if wrong {
				return e.build(t, log, map[string]any{"api_key": wrongKey})
			}
			return e.build(t, log, nil)
		},
		Secrets:            []string{xdremu.DefaultAdvancedKey, wrongKey},
		Malformed:          malformed,
		IdempotentComments: true, // a comment replaces the alert's one resolution comment
		CheckEcho:          true,
		PageSize:           pageSize,
	})
}

// malformed serves a fresh emulator through a Malformer that cuts one of
// three new alerts down to its id and modification time.
func malformed(t *testing.T) connectortest.MalformedCase {
	var m connectortest.Malformer
	e := setup(t, 0, nil)
	srv := httptest.NewServer(m.Handler(e.emu.Handler()))
	t.Cleanup(srv.Close)
	c, err := connector.Build(Kind, connector.Deps{ID: "it-xdr", HTTP: srv.Client(), Now: e.clock.Now},
		e.settings(map[string]any{"base_url": srv.URL}))
	if err != nil {
		t.Fatal(err)
	}
	ids := e.emu.SeedAlerts(3)
	m.Break(ids[1], "last_modified_ts")
	return connectortest.MalformedCase{Connector: c, Bad: ids[1], Good: []string{ids[0], ids[2]}}
}
