package o365

import (
	"encoding/json"
	"testing"

	"github.com/alertsync/alertsync/internal/connector/connectortest"
)

// FuzzMapRecord feeds arbitrary bytes to the mapping of one audit record
// of a content blob. Seeds: the emulator's records (testdata/fuzz) and
// the golden payloads.
func FuzzMapRecord(f *testing.F) {
	connectortest.AddGoldenSeeds(f, "record_*.json")
	f.Fuzz(func(t *testing.T, raw []byte) {
		connectortest.CheckFuzzedEvidence(t, raw, mapRecord(connectortest.FuzzIntegration, "Audit.General", raw))
	})
}

// FuzzBlob feeds arbitrary bytes as a content blob: a blob that is not a
// JSON array is quarantined whole, with its reason; otherwise each record
// is mapped, once per record id. Seeds: the emulator's records
// (testdata/fuzz) and a blob of the golden records.
func FuzzBlob(f *testing.F) {
	f.Add([]byte("[" + string(connectortest.Golden(f, "record_exchange_new_inboxrule.json")) + "," +
		string(connectortest.Golden(f, "record_sts_logon_failed.json")) + "]"))
	f.Fuzz(func(t *testing.T, body []byte) {
		cur, err := parseCursor("")
		if err != nil {
			t.Fatal(err)
		}
		p := &poll{cur: cur}
		p.addRecords(connectortest.FuzzIntegration, "Audit.General", "content-1", body)
		var recs []json.RawMessage
		if json.Unmarshal(body, &recs) != nil {
			if len(p.items) != 1 || p.items[0].Err == nil {
				t.Fatalf("a blob that is not an array gave %d items, want one quarantined", len(p.items))
			}
			connectortest.CheckFuzzedEvidence(t, body, p.items[0])
			return
		}
		if len(p.items) > len(recs) {
			t.Errorf("%d records gave %d items", len(recs), len(p.items))
		}
		for _, it := range p.items {
			connectortest.CheckFuzzedEvidence(t, it.Raw, it)
		}
		if !json.Valid([]byte(cur.String())) {
			t.Errorf("cursor %q does not encode", cur.String())
		}
	})
}
