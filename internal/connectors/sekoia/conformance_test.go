package sekoia

import (
	"log/slog"
	"testing"
	"time"

	"github.com/alertsync/alertsync/internal/connector"
	"github.com/alertsync/alertsync/internal/connector/connectortest"
	sekoiaemu "github.com/alertsync/alertsync/internal/emulators/sekoia"
)

func TestConformance(t *testing.T) {
	e := setup(t, 0, nil)
	// Alerts of the other community, changed as the suite's own are, must
	// never come through.
	foreign := e.emu.SeedAlertsIn(sekoiaemu.OtherCommunity, pageSize)
	connectortest.Run(t, connectortest.Harness{
		Connector:   e.conn,
		Integration: "it-sekoia",
		Seed: func(t *testing.T) []string {
			e.emu.SeedAlertsIn(sekoiaemu.OtherCommunity, 2)
			return e.emu.SeedAlerts(2*pageSize + 2)
		},
		RemoteState:     e.status,
		RemoteComments:  func(t *testing.T, id string) []string { return e.comments(id) },
		InjectRateLimit: func(t *testing.T) { e.emu.ThrottleNext(0) },
		Throttle:        func(t *testing.T, d time.Duration) { e.emu.ThrottleNext(d) },
		Slow:            func(t *testing.T, d time.Duration) { e.emu.SetLatency(d) },
		FailItems:       func(t *testing.T, ids []string) { e.emu.FailItems(ids...) },
		Build: func(t *testing.T, log *slog.Logger, wrong bool) connector.Connector {
			key := sekoiaemu.DefaultAPIKey
			if wrong {
				key = "not-the-sekoia-key"
			}
			return e.build(t, log, key, nil)
		},
		Secrets:            []string{sekoiaemu.DefaultAPIKey, "not-the-sekoia-key", sekoiaemu.DefaultIntakeKey},
		IdempotentComments: true,
		CheckEcho:          true,
		PageSize:           pageSize,
	})
	for _, id := range foreign {
		if got := e.status(t, id); got != "Pending" {
			t.Errorf("alert %s of the other community was written: %s", id, got)
		}
	}
	if e.spec.Active() && (e.spec.Total() == 0 || e.resp.count() == 0) {
		t.Errorf("%d requests and %d answers checked against the spec", e.spec.Total(), e.resp.count())
	}
}
