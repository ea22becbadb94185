package httpintake

import (
	"testing"

	"github.com/alertsync/alertsync/internal/connector"
	"github.com/alertsync/alertsync/internal/connector/connectortest"
)

// FuzzPush feeds arbitrary bytes as a pushed body to what Receive does
// after authentication: split the body into alerts, then map each, under
// the default field names and under a field_map of nested paths. A body
// that cannot be split is refused as a whole (400) with its reason; an
// alert that cannot be mapped is quarantined with its reason. Seeds: the
// golden payloads (testdata/fuzz holds what fuzzing found).
func FuzzPush(f *testing.F) {
	connectortest.AddGoldenSeeds(f, "*.json")
	plain, err := NewMapping(nil, nil, nil)
	if err != nil {
		f.Fatal(err)
	}
	nested, err := NewMapping(map[string]string{
		"vendor_id": "kibana.alert.uuid", "title": "kibana.alert.rule.name", "severity": "kibana.alert.severity",
		"created_at": "@timestamp", "updated_at": "event.ingested", "hosts": "devices.hostname", "ips": "related.ip",
	}, map[string]string{"SEV-9": "info"}, map[string]string{"Triage": "in_progress"})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		raws, err := splitPayload(body)
		if err != nil {
			if connector.ClassOf(err) != connector.ClassPermanent || err.Error() == "" {
				t.Fatalf("refused body: %v (class %q), want a permanent error with its reason", err, connector.ClassOf(err))
			}
			return
		}
		for _, raw := range raws {
			for _, m := range []Mapping{plain, nested} {
				connectortest.CheckFuzzedAlert(t, raw, m.Item(connectortest.FuzzIntegration, raw, testNow))
			}
		}
	})
}
