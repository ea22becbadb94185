package elastic

import (
	"testing"

	"github.com/alertsync/alertsync/internal/connector"
	"github.com/alertsync/alertsync/internal/connector/connectortest"
)

// FuzzMapAlert feeds arbitrary bytes to what a search hit goes through:
// the placement the cursor reads (a hit without it fails the page as a
// retryable error, since the search was not the connector's) and the
// mapping. Seeds: the emulator's hits (testdata/fuzz) and the golden
// payloads.
func FuzzMapAlert(f *testing.F) {
	connectortest.AddGoldenSeeds(f, "hit_*.json")
	f.Fuzz(func(t *testing.T, raw []byte) {
		if _, err := decodeHit(raw); err != nil && connector.ClassOf(err) != connector.ClassRetryable {
			t.Errorf("decodeHit: %v (class %q), want a retryable error", err, connector.ClassOf(err))
		}
		connectortest.CheckFuzzedAlert(t, raw, mapAlert(connectortest.FuzzIntegration, raw))
	})
}
