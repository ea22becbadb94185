package connectortest

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/alertsync/alertsync/internal/connector"
	"github.com/alertsync/alertsync/internal/model"
)

// maxPolls bounds a full pass so a connector whose More never turns false
// fails instead of hanging.
const maxPolls = 1000

// pass is the result of polling from a cursor until More is false.
type pass struct {
	items  []connector.Item
	cursor string
	pages  int
}

func fetchAll(t *testing.T, h Harness, cursor string) pass {
	t.Helper()
	src := h.Connector.(connector.AlertSource)
	p := pass{cursor: cursor}
	for p.pages < maxPolls {
		page, err := src.FetchAlerts(h.ctx(t), p.cursor)
		if err != nil {
			t.Fatalf("FetchAlerts(%q) after %d pages: %v", p.cursor, p.pages, err)
		}
		p.pages++
		if h.PageSize > 0 && len(page.Items) > h.PageSize {
			t.Errorf("page %d has %d items, more than PageSize %d", p.pages, len(page.Items), h.PageSize)
		}
		if len(page.Items) > 0 && page.Cursor == "" {
			t.Fatalf("page %d has items but no cursor to resume from", p.pages)
		}
		p.items = append(p.items, page.Items...)
		if page.Cursor != "" {
			p.cursor = page.Cursor
		}
		if !page.More {
			return p
		}
	}
	t.Fatalf("FetchAlerts still reports More after %d pages", maxPolls)
	return p
}

func testFetch(t *testing.T, h Harness) {
	need(t, h.Seed != nil, "Seed")
	seeded := h.Seed(t)
	if len(seeded) == 0 {
		t.Fatal("Seed created no alerts")
	}
	p := fetchAll(t, h, "")
	byID := checkItems(t, h, p.items)
	for _, id := range seeded {
		it, ok := byID[id]
		if !ok {
			t.Errorf("seeded alert %q never fetched", id)
			continue
		}
		if it.Err != nil {
			t.Errorf("seeded alert %q did not map: %v", id, it.Err)
		}
	}
	if h.PageSize > 0 && len(seeded) > h.PageSize && p.pages < 2 {
		t.Errorf("%d seeded alerts came in %d page; PageSize %d says paging was skipped", len(seeded), p.pages, h.PageSize)
	}
}

// checkItems checks every item and that no vendor id repeats, returning
// the items by vendor id.
func checkItems(t *testing.T, h Harness, items []connector.Item) map[string]connector.Item {
	t.Helper()
	byID := make(map[string]connector.Item, len(items))
	for i, it := range items {
		checkItem(t, h, i, it)
		if it.VendorID == "" {
			continue
		}
		if _, dup := byID[it.VendorID]; dup {
			t.Errorf("vendor id %q delivered twice in one pass", it.VendorID)
		}
		byID[it.VendorID] = it
	}
	return byID
}

func checkItem(t *testing.T, h Harness, i int, it connector.Item) {
	t.Helper()
	if len(it.Raw) == 0 || !json.Valid(it.Raw) {
		t.Errorf("item %d (%q): Raw must hold the vendor's JSON verbatim", i, it.VendorID)
	}
	if it.Err != nil {
		return // quarantined by the engine; only Raw is required
	}
	a := it.Alert
	switch {
	case it.VendorID == "":
		t.Errorf("item %d: mapped item without VendorID", i)
	case a == nil:
		t.Errorf("item %q: no Alert and no Err", it.VendorID)
	default:
		if a.Integration != h.Integration || a.VendorID != it.VendorID || a.Title == "" {
			t.Errorf("item %q: Alert has Integration %q, VendorID %q, Title %q; want %q, %q, non-empty",
				it.VendorID, a.Integration, a.VendorID, a.Title, h.Integration, it.VendorID)
		}
		if !validSeverity(a.Severity) || !validStatus(a.Status) {
			t.Errorf("item %q: Severity %q / Status %q are not canonical values", it.VendorID, a.Severity, a.Status)
		}
	}
}

func validSeverity(s model.Severity) bool {
	return slices.Contains([]model.Severity{model.SeverityUnknown, model.SeverityInformational,
		model.SeverityLow, model.SeverityMedium, model.SeverityHigh, model.SeverityCritical}, s)
}

func validStatus(s model.Status) bool {
	return slices.Contains([]model.Status{model.StatusUnknown, model.StatusNew,
		model.StatusInProgress, model.StatusSuppressed, model.StatusResolved}, s)
}

// testResume checks that polling resumes from a cursor without loss or
// duplicates, and that re-polling from the same cursor (what the engine does
// after a crash before it stored a page) returns the same items.
func testResume(t *testing.T, h Harness) {
	need(t, h.Seed != nil, "Seed")
	old := h.Seed(t)
	first := fetchAll(t, h, "")
	fresh := h.Seed(t)
	next := fetchAll(t, h, first.cursor)
	byID := checkItems(t, h, next.items)
	for _, id := range fresh {
		if _, ok := byID[id]; !ok {
			t.Errorf("alert %q created after the cursor was lost on resume", id)
		}
	}
	for _, id := range old {
		if _, ok := byID[id]; ok {
			t.Errorf("alert %q fetched again after its cursor (duplicate)", id)
		}
	}

	src := h.Connector.(connector.AlertSource)
	p1, err := src.FetchAlerts(h.ctx(t), "")
	if err != nil || !p1.More {
		t.Logf("re-poll check skipped: first page has More=%v (err %v)", p1.More, err)
		return
	}
	a, errA := src.FetchAlerts(h.ctx(t), p1.Cursor)
	b, errB := src.FetchAlerts(h.ctx(t), p1.Cursor)
	if errA != nil || errB != nil {
		t.Fatalf("re-poll: %v / %v", errA, errB)
	}
	if ida, idb := vendorIDs(a.Items), vendorIDs(b.Items); !slices.Equal(ida, idb) {
		t.Errorf("polling the same cursor twice gave %v then %v", ida, idb)
	}
}

func vendorIDs(items []connector.Item) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = it.VendorID
	}
	return out
}

func testReceive(t *testing.T, h Harness) {
	need(t, h.Push != nil, "Push")
	rcv := h.Connector.(connector.WebhookReceiver)
	req, ids := h.Push(t, true)
	items, err := rcv.Receive(h.ctx(t), req)
	if err != nil {
		t.Fatalf("Receive: %v", err)
	}
	byID := checkItems(t, h, items)
	for _, id := range ids {
		if it, ok := byID[id]; !ok || it.Err != nil {
			t.Errorf("pushed alert %q missing or unmapped (err %v)", id, it.Err)
		}
	}
	req, _ = h.Push(t, false)
	_, err = rcv.Receive(h.ctx(t), req)
	if got := connector.ClassOf(err); err == nil || got != connector.ClassAuth {
		t.Errorf("Receive with wrong credentials: err %v (class %q), want an auth error", err, got)
	}
}
