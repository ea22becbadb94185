package graph

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/alertsync/alertsync/internal/connector"
	"github.com/alertsync/alertsync/internal/connector/watermark"
)

// delivery is one version of one alert.
type delivery struct {
	id string
	at string
}

// pollWindow polls from cursor until More is false, calling between after
// every call, and returns the versions delivered and the final cursor.
func pollWindow(t *testing.T, c *core, cursor string, between func(call int)) ([]delivery, string) {
	t.Helper()
	var got []delivery
	for call := 0; ; call++ {
		if call == 200 {
			t.Fatal("polling never reported the end of the window")
		}
		p, err := c.FetchAlerts(t.Context(), cursor)
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Items) > c.cfg.PageSize {
			t.Fatalf("call %d delivered %d items, page_size %d", call, len(p.Items), c.cfg.PageSize)
		}
		for _, it := range p.Items {
			got = append(got, delivery{it.VendorID, it.Alert.UpdatedAt.Format(time.RFC3339Nano)})
		}
		cursor = p.Cursor
		if !p.More {
			return got, cursor
		}
		if between != nil {
			between(call)
		}
	}
}

// TestFetchAlertsScrambledOrder serves alerts in an order unrelated to
// lastUpdateDateTime (the API documents none) while the tenant keeps
// changing them mid-read: after the poll in progress and the next one,
// every alert's latest version has been delivered, and no version twice.
func TestFetchAlertsScrambledOrder(t *testing.T) {
	t.Parallel()
	end := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	tests := []struct {
		name   string
		toTop  bool
		change func(f *fakeList, call int, now time.Time)
	}{
		{"quiet tenant", false, nil},
		{"alerts updated during the read", false, func(f *fakeList, call int, now time.Time) {
			f.update(call, now)                // already read
			f.update(len(f.order)-1-call, now) // not read yet
		}},
		{"updated alerts move to the top", true, func(f *fakeList, call int, now time.Time) {
			f.update(3*call%len(f.order), now)
			f.update(len(f.order)-1, now)
		}},
		{"alerts created during the read", false, func(f *fakeList, call int, now time.Time) {
			f.add("new-"+strconv.Itoa(call), now)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFakeList(t, 23, end, 7)
			f.toTop = tt.toTop
			now := end
			c := f.connector(t, func() time.Time { return now }, 4)
			c.pagesPerCall = 2
			between := func(call int) {
				now = now.Add(2 * time.Minute) // the read outlasts the overlap
				if tt.change != nil {
					tt.change(f, call, now)
				}
			}
			first, cursor := pollWindow(t, c, "", between)
			now = now.Add(time.Minute)
			second, _ := pollWindow(t, c, cursor, nil)
			seen := map[delivery]int{}
			for _, d := range append(first, second...) {
				if seen[d]++; seen[d] > 1 {
					t.Errorf("alert %s version %s delivered twice", d.id, d.at)
				}
			}
			for id, at := range f.versions() {
				if seen[delivery{id, at.UTC().Format(time.RFC3339Nano)}] == 0 {
					t.Errorf("alert %s: latest version %v never delivered", id, at)
				}
			}
			if tt.change == nil && len(second) != 0 {
				t.Errorf("second poll of a quiet tenant delivered %v", second)
			}
		})
	}
}

// TestFetchAlertsRereadsShrunkWindow reads a window narrowed with "le"
// while an alert listed on its first page is updated past the bound: the
// records listed after it move back one place, so the next page passes one
// over. The window's @odata.count drops, the window is read again and the
// passed-over alert arrives; the updated one arrives with the next window.
func TestFetchAlertsRereadsShrunkWindow(t *testing.T) {
	t.Parallel()
	end := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	f := newFakeList(t, 8, end.Add(-time.Hour), 3) // older than the next window's overlap
	now := end.Add(time.Hour)
	c := f.connector(t, func() time.Time { return now }, 2)
	c.pagesPerCall = 1
	base := end.Add(-2 * time.Hour)
	bounded := watermark.Cursor{Since: base, Scan: &watermark.Scan{Base: base, Until: end, Bounded: true}}
	var left string
	got, cursor := pollWindow(t, c, bounded.String(), func(call int) {
		if call == 0 {
			left = f.update(0, now) // read on the first page, now past the bound
		}
	})
	again, _ := pollWindow(t, c, cursor, nil)
	seen := map[delivery]int{}
	for _, d := range append(got, again...) {
		if seen[d]++; seen[d] > 1 {
			t.Errorf("alert %s version %s delivered twice", d.id, d.at)
		}
	}
	for id, at := range f.versions() {
		if seen[delivery{id, at.UTC().Format(time.RFC3339Nano)}] == 0 {
			t.Errorf("alert %s (left the window: %v) never delivered at %v", id, id == left, at)
		}
	}
	passes := 0
	for _, q := range f.queries {
		if strings.Contains(q.Get("$filter"), " le ") && !q.Has("$skip") {
			passes++
		}
	}
	if passes != 2 {
		t.Errorf("bounded window read %d times from its start, want 2", passes)
	}
}

// TestFetchAlertsNarrowsDeepWindow: a window whose $count says paging
// would go deeper than the documented $top+$skip limit is narrowed with
// "le" until it fits; the poll still delivers every alert once and no
// request pages past the limit.
func TestFetchAlertsNarrowsDeepWindow(t *testing.T) {
	t.Parallel()
	e := setup(t, 40, map[string]any{"page_size": 3})
	e.conn.maxSkipDepth = 12
	got, cursor := pollWindow(t, e.conn.core, "", nil)
	seen := map[string]int{}
	for _, d := range got {
		seen[d.id]++
	}
	for _, a := range e.emu.Alerts() {
		if seen[a.ID] != 1 {
			t.Errorf("alert %s delivered %d times, want once", a.ID, seen[a.ID])
		}
	}
	narrowed := 0
	for _, r := range e.requests(http.MethodGet, "security/alerts_v2") {
		skip, _ := strconv.Atoi(r.Query.Get("$skip"))
		top, _ := strconv.Atoi(r.Query.Get("$top"))
		if skip+top > e.conn.maxSkipDepth {
			t.Errorf("request pages to %d, past the limit %d: %v", skip+top, e.conn.maxSkipDepth, r.Query)
		}
		if strings.Contains(r.Query.Get("$filter"), "lastUpdateDateTime le ") {
			narrowed++
		}
	}
	if narrowed == 0 {
		t.Error("no window was narrowed")
	}
	if again, _ := pollWindow(t, e.conn.core, cursor, nil); len(again) != 0 {
		t.Errorf("second poll re-delivered %v", again)
	}
}

// TestFetchAlertsUpdatedDuringRead runs against the emulator (which lists
// newest first): alerts updated while a window is read over several calls,
// one already delivered and one not, both arrive in their new version.
func TestFetchAlertsUpdatedDuringRead(t *testing.T) {
	t.Parallel()
	e := setup(t, 12, map[string]any{"page_size": 2})
	e.conn.pagesPerCall = 1
	alerts := e.emu.Alerts() // oldest first: the emulator lists the newest first
	var changed []string
	first, cursor := pollWindow(t, e.conn.core, "", func(call int) {
		if call != 0 {
			return
		}
		e.clock.Advance(time.Minute)
		for _, id := range []string{alerts[len(alerts)-1].ID, alerts[0].ID} {
			if err := e.emu.SetAlertStatus(id, "inProgress"); err != nil {
				t.Fatal(err)
			}
			changed = append(changed, id)
		}
	})
	second, _ := pollWindow(t, e.conn.core, cursor, nil)
	for _, id := range changed {
		a, _ := e.emu.Alert(id)
		want := delivery{id, a.LastUpdateDateTime.UTC().Format(time.RFC3339Nano)}
		n := 0
		for _, d := range append(first, second...) {
			if d == want {
				n++
			}
		}
		if n != 1 {
			t.Errorf("alert %s updated mid-read: new version delivered %d times, want once", id, n)
		}
	}
}

var _ connector.AlertSource = (*core)(nil)
