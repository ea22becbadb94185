package connectortest

import (
	"bytes"
	"cmp"
	"context"
	"testing"

	"github.com/alertsync/alertsync/internal/connector"
	"github.com/alertsync/alertsync/internal/engine"
	"github.com/alertsync/alertsync/internal/model"
	"github.com/alertsync/alertsync/internal/store"
	"github.com/alertsync/alertsync/internal/store/storetest"
)

// MalformedCase is what Harness.Malformed set up: a connector whose vendor
// now serves one record it cannot map among records it can.
type MalformedCase struct {
	// Connector reads the vendor serving them; nil means Harness.Connector.
	Connector connector.Connector
	// Bad is the unmappable record's vendor id, as the connector reports
	// it on the item; empty when the payload names none it can read.
	Bad string
	// Good are the ids of the records seeded with it, at least two, one
	// on each side of it in the vendor's order, so that whatever the
	// page size, the bad record shares a page with one of them.
	Good []string
}

// fetched is one record of a pass, whatever its kind, with the page it
// came in.
type fetched struct {
	page int
	id   string
	raw  []byte
	err  error
}

// ingestFn gives an engine every record fetched, as the poller would.
type ingestFn func(ctx context.Context, eng *engine.Engine, integration string) (engine.IngestResult, error)

// malformedKind is how testMalformed reads and stores one kind of record.
type malformedKind struct {
	name string
	// start runs before Harness.Malformed seeds anything and returns the
	// cursor to read from: an evidence source reads no history, so it is
	// enabled first; the others read from the start.
	start func(t *testing.T, h Harness) string
	fetch func(t *testing.T, h Harness, cursor string) ([]fetched, ingestFn)
	// stored reports whether the engine stored a good record.
	stored func(ctx context.Context, st store.Scoped, integration, id string) bool
}

// testMalformed checks the promise of Item.Err end to end: a record the
// connector cannot map costs nothing but itself. It comes back from the
// fetch as an item with its payload and a reason, in the same page as good
// records that map, and an engine given that page quarantines it with that
// reason and stores the good ones.
func testMalformed(t *testing.T, h Harness, caps connector.Capabilities) {
	need(t, h.Malformed != nil, "Malformed")
	kind := malformedKindOf(caps)
	cursor := kind.start(t, h)
	mc := h.Malformed(t)
	if mc.Connector != nil {
		if kind.name == evidenceName {
			t.Fatal("Malformed: an evidence source reads no history, so its records must be read through Harness.Connector")
		}
		h.Connector = mc.Connector
	}
	if len(mc.Good) < 2 {
		t.Fatalf("Malformed seeded %d good records; the check needs one on each side of the bad one", len(mc.Good))
	}
	recs, ingest := kind.fetch(t, h, cursor)
	bad, ok := findBad(recs, mc.Bad)
	if !ok {
		t.Fatalf("no %s came back unmapped (bad id %q) among %d fetched", kind.name, mc.Bad, len(recs))
	}
	checkBad(t, bad, recs, mc.Good)

	ctx := h.ctx(t)
	st := storetest.OpenSQLite(t).Scope(store.DefaultTenant)
	eng := engine.New(engine.Options{Store: st})
	eng.AddIntegration(engine.Integration{ID: h.Integration, Kind: h.Connector.Kind(), Policy: engine.DefaultPolicy(), Connector: h.Connector})
	res, err := ingest(ctx, eng, h.Integration)
	if err != nil {
		t.Fatalf("the engine refused the page holding a malformed %s: %v", kind.name, err)
	}
	if res.Quarantined == 0 {
		t.Fatalf("ingest = %+v: nothing quarantined", res)
	}
	checkQuarantined(ctx, t, st, h.Integration, bad)
	for _, id := range mc.Good {
		if !kind.stored(ctx, st, h.Integration, id) {
			t.Errorf("good %s %q fetched beside the malformed one was not stored", kind.name, id)
		}
	}
}

// findBad is the unmappable record: the one with the bad id, or, when the
// payload named none, the first that did not map.
func findBad(recs []fetched, id string) (fetched, bool) {
	for _, r := range recs {
		if r.err != nil && (id == "" || r.id == id) {
			return r, true
		}
	}
	return fetched{}, false
}

func checkBad(t *testing.T, bad fetched, recs []fetched, good []string) {
	t.Helper()
	if len(bad.raw) == 0 {
		t.Error("the unmapped record came back without its payload")
	}
	checkReason(t, bad.err)
	shared := false
	for _, id := range good {
		found := false
		for _, r := range recs {
			if r.id != id {
				continue
			}
			found = true
			if r.err != nil {
				t.Errorf("good record %q did not map: %v", id, r.err)
			}
			shared = shared || r.page == bad.page
		}
		if !found {
			t.Errorf("good record %q never fetched", id)
		}
	}
	if !shared {
		t.Error("no good record came in the page of the malformed one")
	}
}

// checkQuarantined finds the bad record's payload in the quarantine, with
// the reason the connector gave, as the engine keeps it.
func checkQuarantined(ctx context.Context, t *testing.T, st store.Scoped, integration string, bad fetched) {
	t.Helper()
	q, err := st.QuarantineList(ctx, store.QuarantineListParams{Integration: integration, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	want, _ := model.CleanText(bad.err.Error())
	want, _ = model.TruncateBytes(want, model.MaxReasonLen)
	for _, e := range q {
		if bytes.Equal(e.Payload, bad.raw) {
			if e.Reason != want {
				t.Errorf("quarantined with reason %q, want the connector's %q", e.Reason, want)
			}
			return
		}
	}
	t.Errorf("the malformed payload is not in the quarantine (%d entries)", len(q))
}

func malformedKindOf(caps connector.Capabilities) malformedKind {
	switch {
	case caps.Ingest:
		return malformedKind{name: "alert", start: fromStart, fetch: fetchAlertPages,
			stored: func(ctx context.Context, st store.Scoped, integration, id string) bool {
				_, err := st.AlertGetByVendor(ctx, integration, id)
				return err == nil
			}}
	case caps.Incidents:
		return malformedKind{name: "incident", start: fromStart, fetch: fetchIncidentPages,
			stored: func(ctx context.Context, st store.Scoped, integration, id string) bool {
				_, err := st.IncidentGetByVendor(ctx, integration, id)
				return err == nil
			}}
	default:
		return malformedKind{name: evidenceName, start: enableEvidence, fetch: fetchEvidencePages, stored: evidenceStored}
	}
}

const evidenceName = "audit record"

func fromStart(*testing.T, Harness) string { return "" }

func fetchAlertPages(t *testing.T, h Harness, cursor string) ([]fetched, ingestFn) {
	src := h.Connector.(connector.AlertSource)
	items, out := fetchPages(t, h, cursor, "FetchAlerts",
		func(ctx context.Context, cursor string) ([]connector.Item, string, bool, error) {
			p, err := src.FetchAlerts(ctx, cursor)
			return p.Items, p.Cursor, p.More, err
		},
		func(page int, it connector.Item) fetched { return fetched{page, it.VendorID, it.Raw, it.Err} })
	return out, func(ctx context.Context, eng *engine.Engine, integration string) (engine.IngestResult, error) {
		return eng.Ingest(ctx, integration, items)
	}
}

func fetchIncidentPages(t *testing.T, h Harness, cursor string) ([]fetched, ingestFn) {
	src := h.Connector.(connector.IncidentSource)
	items, out := fetchPages(t, h, cursor, "FetchIncidents",
		func(ctx context.Context, cursor string) ([]connector.IncidentItem, string, bool, error) {
			p, err := src.FetchIncidents(ctx, cursor)
			return p.Items, p.Cursor, p.More, err
		},
		func(page int, it connector.IncidentItem) fetched { return fetched{page, it.VendorID, it.Raw, it.Err} })
	return out, func(ctx context.Context, eng *engine.Engine, integration string) (engine.IngestResult, error) {
		return eng.IngestIncidents(ctx, integration, items)
	}
}

func fetchEvidencePages(t *testing.T, h Harness, cursor string) ([]fetched, ingestFn) {
	src := h.Connector.(connector.EvidenceSource)
	items, out := fetchPages(t, h, cursor, "FetchEvidence",
		func(ctx context.Context, cursor string) ([]connector.EvidenceItem, string, bool, error) {
			p, err := src.FetchEvidence(ctx, cursor)
			return p.Items, p.Cursor, p.More, err
		},
		func(page int, it connector.EvidenceItem) fetched { return fetched{page, it.VendorID, it.Raw, it.Err} })
	return out, func(ctx context.Context, eng *engine.Engine, integration string) (engine.IngestResult, error) {
		res, err := eng.IngestEvidence(ctx, integration, items)
		return engine.IngestResult{Created: res.Stored, Quarantined: res.Quarantined}, err
	}
}

// fetchPages polls from cursor until the source says no more, and returns
// every item, with each record noted beside the number of its page.
func fetchPages[T any](t *testing.T, h Harness, cursor, what string,
	fetch func(ctx context.Context, cursor string) ([]T, string, bool, error), note func(page int, it T) fetched,
) ([]T, []fetched) {
	t.Helper()
	var items []T
	var out []fetched
	for page := 1; page <= maxPolls; page++ {
		its, next, more, err := fetch(h.ctx(t), cursor)
		if err != nil {
			t.Fatalf("%s(%q): %v", what, cursor, err)
		}
		items = append(items, its...)
		for _, it := range its {
			out = append(out, note(page, it))
		}
		cursor = cmp.Or(next, cursor)
		if !more {
			return items, out
		}
	}
	t.Fatalf("%s still reports More after %d pages", what, maxPolls)
	return nil, nil
}

func evidenceStored(ctx context.Context, st store.Scoped, integration, id string) bool {
	recs, err := st.EvidenceList(ctx, store.EvidenceListParams{Integration: integration, Limit: 10000})
	if err != nil {
		return false
	}
	for _, r := range recs {
		if r.VendorID == id {
			return true
		}
	}
	return false
}
