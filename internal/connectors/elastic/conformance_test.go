package elastic

import (
	"log/slog"
	"testing"
	"time"

	"github.com/alertsync/alertsync/internal/connector"
	"github.com/alertsync/alertsync/internal/connector/connectortest"
	elasticemu "github.com/alertsync/alertsync/internal/emulators/elastic"
)

// wrongKey is an id:key pair the emulator does not accept.
const wrongKey = elasticemu.DefaultAPIKeyID + ":not-the-elastic-key-9b2e"

func TestConformance(t *testing.T) {
	e := setup(t, 0, nil)
	connectortest.Run(t, connectortest.Harness{
		Connector:   e.conn,
		Integration: "it-elastic",
		Seed:        func(t *testing.T) []string { return e.seed(2*pageSize + 2) },
		RemoteState: func(t *testing.T, id string) string {
			a, ok := e.emu.Alert(id)
			if !ok {
				t.Fatalf("alert %q not in emulator", id)
			}
			return a.Status
		},
		RemoteComments:  func(t *testing.T, id string) []string { return e.noteTexts(id) },
		InjectRateLimit: func(t *testing.T) { e.emu.ThrottleNext(4 * time.Second) },
		Throttle:        func(t *testing.T, d time.Duration) { e.emu.ThrottleNext(d) },
		Slow:            func(t *testing.T, d time.Duration) { e.emu.SetLatency(d) },
		FailItems:       func(t *testing.T, ids []string) { e.emu.FailItems(ids) },
		Build: func(t *testing.T, log *slog.Logger, wrong bool) connector.Connector {
			if wrong {
				return e.build(t, log, map[string]any{"api_key": wrongKey})
			}
			return e.build(t, log, nil)
		},
		Secrets: []string{elasticemu.DefaultAPIKey, e.emu.EncodedAPIKey(), wrongKey, "not-the-elastic-key-9b2e"},
		// A fresh emulator, given a document without a rule name beside
		// two it seeds; all three fit one page.
		Malformed: func(t *testing.T) connectortest.MalformedCase {
			me := setup(t, 0, nil)
			bad := me.emu.AddAlert(elasticemu.DefaultSpace, map[string]any{"@timestamp": "2026-03-31T08:00:00.000Z",
				"kibana.alert.uuid": "no-rule", "kibana.alert.workflow_status": "open", "kibana.alert.severity": "low"})
			return connectortest.MalformedCase{Connector: me.conn, Bad: bad, Good: me.seed(2)}
		},
		IdempotentComments: true,
		CheckEcho:          true,
		PageSize:           pageSize,
	})
}
