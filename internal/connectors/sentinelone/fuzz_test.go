package sentinelone

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/alertsync/alertsync/internal/connector"
	"github.com/alertsync/alertsync/internal/connector/connectortest"
)

// fuzzRecord is what readWindow does with one listed record: read the
// stamp the cursor keeps, then map it.
func fuzzRecord(t *testing.T, raw []byte, stamp func(json.RawMessage) (string, time.Time, bool), mapping func(string, []byte) connector.Item) {
	t.Helper()
	if _, at, ok := stamp(raw); ok {
		connectortest.CheckFuzzedStamp(t, at)
	}
	connectortest.CheckFuzzedAlert(t, raw, mapping(connectortest.FuzzIntegration, raw))
}

// FuzzMapThreat feeds arbitrary bytes to what a listed threat goes
// through. Seeds: the emulator's threats (testdata/fuzz) and the golden
// payloads.
func FuzzMapThreat(f *testing.F) {
	connectortest.AddGoldenSeeds(f, "threat_*.json")
	f.Fuzz(func(t *testing.T, raw []byte) { fuzzRecord(t, raw, readThreatStamp, mapThreat) })
}

// FuzzMapCloudAlert is FuzzMapThreat for STAR cloud-detection alerts.
func FuzzMapCloudAlert(f *testing.F) {
	connectortest.AddGoldenSeeds(f, "cloud_alert_*.json")
	f.Fuzz(func(t *testing.T, raw []byte) { fuzzRecord(t, raw, readCloudStamp, mapCloudAlert) })
}
