package sekoia

import (
	"log/slog"
	"net/http/httptest"
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
		Malformed:          malformed,
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

// malformed serves a fresh emulator through a Malformer that cuts one of
// three new alerts down to its uuid, community and update time. The
// connector reads it without the spec checks of build, which would
// rightly call the cut-down alert off-spec.
func malformed(t *testing.T) connectortest.MalformedCase {
	var m connectortest.Malformer
	e := setup(t, 0, nil)
	srv := httptest.NewServer(m.Handler(e.emu.Handler()))
	t.Cleanup(srv.Close)
	c, err := connector.Build(Kind, connector.Deps{ID: "it-sekoia", HTTP: srv.Client(), Now: e.clock.Now}, map[string]any{
		"base_url": srv.URL, "api_key": sekoiaemu.DefaultAPIKey, "community_uuid": sekoiaemu.DefaultCommunity,
		"requests_per_minute": 0, "page_size": pageSize, "lookback": "0s",
	})
	if err != nil {
		t.Fatal(err)
	}
	ids := e.emu.SeedAlerts(3)
	m.Break(ids[1], "community_uuid", "updated_at")
	return connectortest.MalformedCase{Connector: c, Bad: ids[1], Good: []string{ids[0], ids[2]}}
}
