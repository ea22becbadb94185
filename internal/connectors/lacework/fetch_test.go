package lacework

import (
	"net/http"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/alertsync/alertsync/internal/connector"
	lwemu "github.com/alertsync/alertsync/internal/emulators/lacework"
)

// TestCatchUpInSevenDayWindows: a lookback longer than seven days is read
// a window of at most seven days a request, each window to its last page,
// one window after the other while More says so.
func TestCatchUpInSevenDayWindows(t *testing.T) {
	t.Parallel()
	e := setup(t, 0, map[string]any{"lookback": "400h"})
	var want []string
	for _, back := range []time.Duration{380 * time.Hour, 200 * time.Hour, 100 * time.Hour, 0} {
		e.clock.Set(t0.Add(-back))
		want = append(want, e.emu.SeedAlerts(3)...)
	}
	e.clock.Set(t0)
	items, cursor := fetchAll(t, e.conn, "")
	if got := vendorIDs(items); !slices.Equal(got, want) {
		t.Fatalf("delivered %v, want %v", got, want)
	}
	windows := map[string]bool{}
	for _, r := range e.emu.Recorder().Filter(http.MethodGet, "/api/v2/Alerts") {
		from, to := r.Query.Get("startTime"), r.Query.Get("endTime")
		if from == "" {
			continue // a scope call
		}
		windows[from] = true
		if d := ts(to).Sub(ts(from)); d > 7*24*time.Hour || d <= 0 {
			t.Errorf("window %s..%s is %v", from, to, d)
		}
	}
	if len(windows) != 3 {
		t.Errorf("%d windows for 400 hours, want 3", len(windows))
	}
	cur, _ := parseCursor(cursor)
	if !cur.Since.Equal(t0) || cur.Win != nil {
		t.Errorf("cursor after catching up: %+v", cur)
	}
}

// TestOverlapRereadsChangedAlertsOnly: the next poll reads the overlap
// again and delivers only the alerts whose status changed there.
func TestOverlapRereadsChangedAlertsOnly(t *testing.T) {
	t.Parallel()
	e := setup(t, 0, nil)
	ids := e.emu.SeedAlerts(4)
	_, cursor := fetchAll(t, e.conn, "")
	e.clock.Advance(2 * time.Hour)
	if err := e.emu.SetAlertStatus(ids[2], lwemu.StatusInProgress); err != nil {
		t.Fatal(err)
	}
	items, cursor := fetchAll(t, e.conn, cursor)
	if len(items) != 1 || items[0].VendorID != ids[2] || items[0].Alert.Status != "in_progress" {
		t.Fatalf("after a console change: %+v", items)
	}
	if items, _ = fetchAll(t, e.conn, cursor); len(items) != 0 {
		t.Errorf("nothing changed, yet %d delivered", len(items))
	}
	e.clock.Advance(30 * time.Hour) // past the 24h overlap: forgotten
	_, cursor = fetchAll(t, e.conn, cursor)
	if cur, _ := parseCursor(cursor); len(cur.Seen) != 0 {
		t.Errorf("%d alerts remembered past the overlap", len(cur.Seen))
	}
}

// TestPageLargerThanPageSize: a vendor page holding more new alerts than
// page_size is read again until all are delivered, each once.
func TestPageLargerThanPageSize(t *testing.T) {
	t.Parallel()
	e := setup(t, 0, map[string]any{"page_size": 2})
	want := e.emu.SeedAlerts(7)
	var got []string
	cursor := ""
	for range 20 {
		page, err := e.conn.FetchAlerts(t.Context(), cursor)
		if err != nil || len(page.Items) > 2 {
			t.Fatalf("page: %v, %d items", err, len(page.Items))
		}
		got = append(got, vendorIDs(page.Items)...)
		if cursor = page.Cursor; !page.More {
			break
		}
	}
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("delivered %v, want %v each once", got, want)
	}
}

// TestStaleNextLink: a next link the service refuses starts the window
// over; the alerts delivered are not delivered again.
func TestStaleNextLink(t *testing.T) {
	t.Parallel()
	e := setup(t, 0, nil)
	want := e.emu.SeedAlerts(7)
	page, err := e.conn.FetchAlerts(t.Context(), "")
	if err != nil || !page.More {
		t.Fatalf("first page: %v %v", err, page.More)
	}
	cur, _ := parseCursor(page.Cursor)
	u, _ := url.Parse(cur.Win.Next)
	q := u.Query()
	q.Set("pageToken", "stale")
	u.RawQuery = q.Encode()
	cur.Win.Next = u.String()
	items, _ := fetchAll(t, e.conn, cur.String())
	refused := 0
	for _, r := range e.emu.Requests() {
		if r.Status == http.StatusBadRequest {
			refused++
		}
	}
	if refused != 1 {
		t.Errorf("%d requests refused, want the stale link once", refused)
	}
	got := append(vendorIDs(page.Items), vendorIDs(items)...)
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("delivered %v, want %v", got, want)
	}
}

// TestSubAccountAndKeyFile: the downloaded key file configures the key,
// secret and sub-account (sent as Account-Name on every call), and the
// settings override it.
func TestSubAccountAndKeyFile(t *testing.T) {
	t.Parallel()
	e := setup(t, 0, nil)
	file := `{"keyId":"` + lwemu.DefaultKeyID + `","secret":"` + lwemu.DefaultSecret +
		`","subAccount":"ALERTSYNC-DEMO","account":"alertsync-demo.lacework.net"}`
	c := e.build(t, nil, "", map[string]any{"secret": nil, "key_id": nil, "api_key_file": file})
	if c.s.subAccount != "alertsync-demo" || c.s.base != e.srv.URL {
		t.Fatalf("from the key file: %+v", c.s)
	}
	e.emu.SeedAlerts(1)
	if items, _ := fetchAll(t, c, ""); len(items) != 1 {
		t.Fatalf("%d items", len(items))
	}
	for _, r := range e.emu.Requests() {
		if r.Header.Get("Account-Name") != "alertsync-demo" {
			t.Errorf("%s %s without Account-Name", r.Method, r.Path)
		}
	}
	other := e.build(t, nil, "", map[string]any{"secret": nil, "key_id": nil, "api_key_file": file, "sub_account": "stranger"})
	if err := other.Health(t.Context()); connector.ClassOf(err) != connector.ClassAuth {
		t.Errorf("a sub-account the key cannot read: %v, want auth", err)
	}
}
