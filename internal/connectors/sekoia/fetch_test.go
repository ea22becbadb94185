package sekoia

import (
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/alertsync/alertsync/internal/connector"
)

func vendorIDsOf(items []connector.Item) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = it.VendorID
	}
	return out
}

// TestListQuery: the poll asks for the community's alerts of one
// updated_at window, oldest change first, page_size at a time.
func TestListQuery(t *testing.T) {
	t.Parallel()
	e := setup(t, 0, nil)
	e.emu.SeedAlerts(3)
	drain(t, e.conn, "")
	lists := e.emu.Recorder().Filter(http.MethodGet, "/v1/sic/alerts")
	q := lists[0].Query
	want := "1970-01-01T00:00:00Z," + t0.Format(time.RFC3339)
	if q.Get("sort") != "updated_at" || q.Get("direction") != "asc" || q.Get("limit") != "5" || q.Get("offset") != "0" ||
		q.Get("date[updated_at]") != want || q.Get("match[community_uuid]") == "" {
		t.Errorf("list query %v", q)
	}
}

// TestSameSecondUpdate: updated_at has whole seconds; an alert changed
// again within the second it was read comes back, while unchanged
// alerts re-read from the overlap do not.
func TestSameSecondUpdate(t *testing.T) {
	t.Parallel()
	e := setup(t, 0, nil)
	ids := e.emu.SeedAlerts(3)
	first := drain(t, e.conn, "")
	if len(first.items) != 3 {
		t.Fatalf("%d items", len(first.items))
	}
	if err := e.emu.SetStatus(ids[1], "Acknowledged"); err != nil { // same second: the clock did not move
		t.Fatal(err)
	}
	next := drain(t, e.conn, first.cursor)
	if got := vendorIDsOf(next.items); !slices.Equal(got, ids[1:2]) || next.items[0].Alert.RemoteStatus != "Acknowledged" {
		t.Fatalf("after the change: %v", got)
	}
	if again := drain(t, e.conn, next.cursor); len(again.items) != 0 {
		t.Errorf("unchanged alerts delivered again: %v", vendorIDsOf(again.items))
	}
}

// TestWindowShrinks: alerts updated while a window is read leave it and
// move the others back onto pages already read; the window is read
// again, so none is skipped, and the updated ones come in the next
// window.
func TestWindowShrinks(t *testing.T) {
	t.Parallel()
	e := setup(t, 0, nil)
	ids := e.emu.SeedAlerts(12)
	page, err := e.conn.FetchAlerts(t.Context(), "")
	if err != nil || !page.More || len(page.Items) != pageSize {
		t.Fatalf("first page: %d items, more %v, %v", len(page.Items), page.More, err)
	}
	e.clock.Advance(time.Second)
	for _, it := range page.Items[:2] {
		if err := e.emu.SetStatus(it.VendorID, "Acknowledged"); err != nil {
			t.Fatal(err)
		}
	}
	rest := drain(t, e.conn, page.Cursor)
	got := append(vendorIDsOf(page.Items), vendorIDsOf(rest.items)...)
	for _, id := range ids {
		if !slices.Contains(got, id) {
			t.Errorf("alert %s skipped", id)
		}
	}
	later := drain(t, e.conn, rest.cursor)
	if got := vendorIDsOf(later.items); !slices.Equal(got, vendorIDsOf(page.Items[:2])) {
		t.Errorf("next window: %v, want the two updated alerts", got)
	}
}

// TestLookbackAndOverlap: the first poll reads lookback back; a later
// poll re-reads the overlap, catching an alert stamped before the last
// poll's end (indexed late), without repeating the others.
func TestLookbackAndOverlap(t *testing.T) {
	t.Parallel()
	e := setup(t, 40, map[string]any{"lookback": "72h", "overlap": "1m"})
	first := drain(t, e.conn, "")
	for _, it := range first.items {
		if it.Alert == nil || t0.Sub(it.Alert.UpdatedAt) > 72*time.Hour {
			t.Errorf("item %s outside the lookback", it.VendorID)
		}
	}
	if len(first.items) == 0 || len(first.items) >= 27 {
		t.Errorf("%d items in the lookback of 40 seeded over two weeks", len(first.items))
	}
	e.clock.Advance(10 * time.Minute)
	drained := drain(t, e.conn, first.cursor)
	e.clock.Set(t0.Add(10*time.Minute - 30*time.Second)) // stamped before the last poll's end
	late := e.emu.SeedAlerts(1)
	e.clock.Set(t0.Add(11 * time.Minute))
	next := drain(t, e.conn, drained.cursor)
	if got := vendorIDsOf(next.items); !slices.Equal(got, late) {
		t.Errorf("after a late alert: %v, want %v", got, late)
	}
}

// TestCursorErrors: a cursor that does not decode is permanent.
func TestCursorErrors(t *testing.T) {
	t.Parallel()
	e := setup(t, 0, nil)
	for _, raw := range []string{"{", `{"seen":{"a":"x"}}`, `{"seen":{"a":"1:!"}}`} {
		if _, err := e.conn.FetchAlerts(t.Context(), raw); connector.ClassOf(err) != connector.ClassPermanent {
			t.Errorf("cursor %q: %v", raw, err)
		}
	}
	c := cursor{V: 1, Since: 5, Seen: map[string]seen{"a": {1, 1 << 63}}}
	back, err := parseCursor(c.String())
	if err != nil || back.Seen["a"] != c.Seen["a"] || back.Since != 5 {
		t.Errorf("round trip %+v %v", back, err)
	}
}

// TestSeenCap: past maxSeen the oldest entries go, and the warning says
// so; dropped alerts come again, never go missing.
func TestSeenCap(t *testing.T) {
	t.Parallel()
	e := setup(t, 0, nil)
	e.conn.maxSeen = 3
	e.emu.SeedAlerts(4)
	first := drain(t, e.conn, "")
	if c, err := parseCursor(first.cursor); err != nil || len(c.Seen) != 3 {
		t.Errorf("cursor %s: %v, want 3 entries", first.cursor, err)
	}
	again := drain(t, e.conn, first.cursor)
	if len(again.items) == 0 {
		t.Error("no alert came again after its entry was dropped")
	}
}
