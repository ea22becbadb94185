package sentinelone

import (
	"net/http"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/alertsync/alertsync/internal/connector"
	s1emu "github.com/alertsync/alertsync/internal/emulators/sentinelone"
)

// poll reads from cursor until More is false and returns the items and
// the last cursor.
func poll(t *testing.T, e *env, cursor string) ([]connector.Item, string, int) {
	t.Helper()
	var items []connector.Item
	for n := 1; n < 100; n++ {
		p, err := e.conn.FetchAlerts(t.Context(), cursor)
		if err != nil {
			t.Fatalf("FetchAlerts: %v", err)
		}
		items, cursor = append(items, p.Items...), p.Cursor
		if !p.More {
			return items, cursor, n
		}
	}
	t.Fatal("FetchAlerts never ends")
	return nil, "", 0
}

func threatQueries(e *env) []url.Values {
	var out []url.Values
	for _, r := range e.emu.Recorder().Filter(http.MethodGet, s1emu.APIPrefix+"/threats") {
		out = append(out, r.Query)
	}
	return out
}

// TestThreatCursorPaging: a window is read oldest change first through
// nextCursor with one filter; the next poll starts at the newest change
// minus the overlap and delivers only what changed.
func TestThreatCursorPaging(t *testing.T) {
	t.Parallel()
	e := setup(t, map[string]any{"include_cloud_detections": false, "site_ids": []any{s1emu.DefaultSiteID, s1emu.ServerSiteID}})
	ids := e.reseed(12, 0)
	items, cursor, pages := poll(t, e, "")
	if len(items) != 12 || pages != 3 {
		t.Fatalf("%d items in %d pages, want 12 in 3", len(items), pages)
	}
	qs := threatQueries(e)
	for i, q := range qs {
		if q.Get("sortBy") != "updatedAt" || q.Get("sortOrder") != "asc" || q.Get("limit") != "5" || q.Has("updatedAt__gte") ||
			q.Get("siteIds") != s1emu.DefaultSiteID+","+s1emu.ServerSiteID || (i > 0) != q.Has("cursor") {
			t.Errorf("page %d query %v", i, q)
		}
	}
	e.clock.Advance(time.Hour)
	if err := e.emu.SetThreatStatus(ids[3], "resolved"); err != nil {
		t.Fatal(err)
	}
	e.emu.Recorder().Reset()
	items, _, _ = poll(t, e, cursor)
	if len(items) != 1 || items[0].VendorID != ids[3] || items[0].Alert.RemoteStatus != "resolved" || items[0].Alert.Status != "resolved" {
		t.Fatalf("after one change: %+v", items)
	}
	newest := time.Time{}
	for _, th := range e.emu.Threats() {
		if th.ID != ids[3] && th.ThreatInfo.UpdatedAt.After(newest) {
			newest = th.ThreatInfo.UpdatedAt.Time
		}
	}
	if got := threatQueries(e)[0].Get("updatedAt__gte"); got != newest.Add(-5*time.Minute).Format(time.RFC3339Nano) {
		t.Errorf("second poll from %s, want the newest change minus the overlap (%s)", got, newest.Add(-5*time.Minute))
	}
}

// TestCloudRound: a round reads threats, then the cloud-detection window
// by creation time; a state change of a recent STAR alert comes back in
// the next round with its remote status, the others do not.
func TestCloudRound(t *testing.T) {
	t.Parallel()
	e := setup(t, nil)
	ids := e.reseed(2, 3)
	items, cursor, pages := poll(t, e, "")
	var got []string
	for _, it := range items {
		got = append(got, it.VendorID)
	}
	if pages != 2 || !slices.Equal(slices.Sorted(slices.Values(got)), slices.Sorted(slices.Values(ids))) {
		t.Fatalf("first round: %v in %d pages, want %v in 2", got, pages, ids)
	}
	if _, err := e.conn.SetState(t.Context(), connector.StateChange{VendorID: ids[3], Status: "in_progress", IdempotencyKey: "k"}); err != nil {
		t.Fatal(err)
	}
	e.emu.Recorder().Reset()
	items, _, _ = poll(t, e, cursor)
	if len(items) != 1 || items[0].VendorID != ids[3] || items[0].Alert.RemoteStatus != "in_progress" {
		t.Fatalf("second round: %+v", items)
	}
	reqs := e.emu.Recorder().Filter(http.MethodGet, s1emu.APIPrefix+"/cloud-detection/alerts")
	if len(reqs) != 1 || reqs[0].Query.Get("sortBy") != "alertInfoCreatedAt" || !reqs[0].Query.Has("createdAt__gte") || reqs[0].Query.Has("updatedAt__gte") {
		t.Errorf("cloud queries %+v", reqs)
	}
}

func TestBadCursor(t *testing.T) {
	t.Parallel()
	e := setup(t, nil)
	if _, err := e.conn.FetchAlerts(t.Context(), "{"); connector.ClassOf(err) != connector.ClassPermanent {
		t.Errorf("err %v, want permanent", err)
	}
}

// TestStaleServiceCursor: a page cursor the service refuses restarts the
// window instead of failing every poll, and delivers nothing twice.
func TestStaleServiceCursor(t *testing.T) {
	t.Parallel()
	e := setup(t, map[string]any{"include_cloud_detections": false})
	e.reseed(7, 0)
	p, err := e.conn.FetchAlerts(t.Context(), "")
	if err != nil || !p.More {
		t.Fatalf("first page: %v, more %v", err, p.More)
	}
	pos, _ := parsePosition(p.Cursor)
	pos.Threats.Scan.Next = "c3RhbGU="
	items, _, _ := poll(t, e, pos.String())
	if len(items) != 2 {
		t.Errorf("%d items after the restart, want the 2 not delivered yet", len(items))
	}
	var statuses []int
	for _, r := range e.emu.Recorder().Filter(http.MethodGet, s1emu.APIPrefix+"/threats") {
		statuses = append(statuses, r.Status)
	}
	if !slices.Equal(statuses, []int{200, 400, 200, 200}) {
		t.Errorf("statuses %v, want the refused cursor then the window from its start", statuses)
	}
}
