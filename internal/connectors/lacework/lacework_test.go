package lacework

import (
	"log/slog"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/alertsync/alertsync/internal/connector"
	"github.com/alertsync/alertsync/internal/connector/connectortest"
	lwemu "github.com/alertsync/alertsync/internal/emulators/lacework"
)

// TestConformance runs the shared suite against the emulator. Every
// capability's check holds for Lacework: the suite's state write is a
// not-a-threat close (reason 1), its replay finds the alert closed
// (Unchanged), and the close comes back from the next poll because it
// moves lastUserUpdatedTime within the overlap window. The suite's
// in-progress writes (cancel, secrets) find open alerts and write nothing.
func TestConformance(t *testing.T) {
	e := setup(t, 0, nil)
	connectortest.Run(t, connectortest.Harness{
		Connector:      e.conn,
		Integration:    "it-lw",
		Seed:           func(t *testing.T) []string { return e.emu.SeedAlerts(2*pageSize + 2) },
		RemoteState:    e.status,
		RemoteComments: func(t *testing.T, id string) []string { return e.emu.Comments(id) },
		// Retry-After is in seconds; the suite asks for 4 and 7.
		InjectRateLimit: func(t *testing.T) { e.emu.ThrottleNext(4 * time.Second) },
		Throttle:        func(t *testing.T, d time.Duration) { e.emu.ThrottleNext(d) },
		ExpireToken:     func(t *testing.T) { e.emu.ExpireTokens() },
		Slow:            func(t *testing.T, d time.Duration) { e.emu.SetLatency(d) },
		Build: func(t *testing.T, log *slog.Logger, wrong bool) connector.Connector {
			secret := lwemu.DefaultSecret
			if wrong {
				secret = "_not-the-secret-0123456789abcdef"
			}
			return e.build(t, log, secret, nil)
		},
		Secrets:   []string{lwemu.DefaultSecret, "_not-the-secret-0123456789abcdef"},
		Malformed: malformed,
		// AddComment reads the Timeline scope for its marker first.
		IdempotentComments: true,
		CheckEcho:          true,
		PageSize:           pageSize,
	})
}

// malformed serves a fresh emulator through a Malformer that cuts one of
// three new alerts down to its id and window, in its listing and in each
// of its scopes.
func malformed(t *testing.T) connectortest.MalformedCase {
	var m connectortest.Malformer
	e := setup(t, 0, nil)
	srv := httptest.NewUnstartedServer(m.Handler(e.emu.Handler()))
	srv.StartTLS() // the same test certificate as e.srv, which e's client trusts
	t.Cleanup(srv.Close)
	c := e.build(t, nil, lwemu.DefaultSecret, map[string]any{"account_url": srv.URL})
	ids := e.emu.SeedAlerts(3)
	m.Break(ids[1], "startTime", "endTime")
	return connectortest.MalformedCase{Connector: c, Bad: ids[1], Good: []string{ids[0], ids[2]}}
}
