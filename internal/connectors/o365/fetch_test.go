package o365

import (
	"strings"
	"testing"
	"time"

	"github.com/alertsync/alertsync/internal/connector/connectortest"
	o365emu "github.com/alertsync/alertsync/internal/emulators/o365"
)

// listing is one recorded content listing's window.
type listing struct {
	ct         string
	start, end time.Time
}

func (e *env) listings(t *testing.T) []listing {
	t.Helper()
	var out []listing
	for _, r := range e.apiRequests() {
		if !strings.HasSuffix(r.Path, "/subscriptions/content") || r.Query.Has("nextPage") {
			continue
		}
		start, err1 := time.Parse(apiTime, r.Query.Get("startTime"))
		end, err2 := time.Parse(apiTime, r.Query.Get("endTime"))
		if err1 != nil || err2 != nil {
			t.Fatalf("listing window %v", r.Query)
		}
		out = append(out, listing{r.Query.Get("contentType"), start, end})
	}
	return out
}

// After three days down, the backlog is read in windows of at most the
// configured length (24 hours at most) that leave no hole, and every
// record made meanwhile is read once.
func TestWindowsAfterDowntime(t *testing.T) {
	t.Parallel()
	for _, window := range []string{"24h", "1h"} {
		e := setup(t, testOptions(), map[string]any{"window": window})
		w, _ := time.ParseDuration(window)
		cursor := e.enable(t)
		var seeded []string
		for range 3 {
			e.clock.Advance(20 * time.Hour)
			seeded = append(seeded, e.seed(8)...)
		}
		e.clock.Advance(12 * time.Hour)
		got := ids(mustDrain(t, e, cursor))
		for _, id := range seeded {
			if got[id] != 1 {
				t.Errorf("window %s: record %s read %d times", window, id, got[id])
			}
		}
		reached := t0
		for _, l := range e.listings(t) {
			if l.ct != "Audit.Exchange" {
				continue
			}
			if d := l.end.Sub(l.start); d <= 0 || d > w {
				t.Errorf("window %s: listing [%v, %v) is %v long", window, l.start, l.end, d)
			}
			if l.start.After(reached) {
				t.Errorf("window %s: hole from %v to %v", window, reached, l.start)
			}
			reached = maxTime(reached, l.end)
		}
		if !reached.Equal(e.clock.Now()) {
			t.Errorf("window %s: listings reached %v, now is %v", window, reached, e.clock.Now())
		}
	}
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// Down longer than the 7 days the API keeps: the expired stretch is
// noted on every feed as a gap, no window starts beyond the limit, and
// the note stays while later polls succeed.
func TestGapAfterSevenDays(t *testing.T) {
	t.Parallel()
	e := setup(t, testOptions(), nil)
	cursor := e.enable(t)
	e.seed(5)
	e.clock.Advance(9 * 24 * time.Hour)
	e.emu.Issuer().ExpireAll()
	fresh := e.seed(5)
	items, cursor := e.drain(t, cursor)
	if got := ids(items); len(got) != len(fresh) {
		t.Errorf("read %d records, want the %d still kept", len(got), len(fresh))
	}
	oldest := e.clock.Now().Add(-retention)
	for _, l := range e.listings(t) {
		if l.start.Before(oldest) {
			t.Errorf("listing starts %v, more than 7 days ago", l.start)
		}
	}
	e.clock.Advance(time.Hour)
	mustDrain(t, e, cursor)
	feeds, _ := e.conn.Feeds(t.Context())
	for _, f := range feeds {
		if !strings.HasPrefix(f.LastError, "gap: content made available from 2026-03-01T09:00:00Z") || f.Status != "enabled" {
			t.Errorf("feed %s: status %q, last error %q", f.Name, f.Status, f.LastError)
		}
	}
}

// A blob listed only after its contentCreated has passed (30 minutes
// here; hours at the real service) is still read, thanks to the overlap;
// without one it would be missed.
func TestLateBlobIsRead(t *testing.T) {
	t.Parallel()
	opts := testOptions()
	opts.PublishDelay = 30 * time.Minute
	e := setup(t, opts, nil)
	noOverlap := e.build(t, nil, map[string]any{"overlap": "0s"})
	cursor := e.enable(t)
	cursor0 := firstPageOf(t, noOverlap, "")
	late := e.seed(6)
	e.clock.Advance(8 * time.Minute)
	items, cursor := e.drain(t, cursor)
	if len(items) != 0 {
		t.Fatalf("read %d records before they were listed", len(items))
	}
	cursor0 = firstPageOf(t, noOverlap, cursor0)
	e.clock.Advance(30 * time.Minute)
	got := ids(mustDrain(t, e, cursor))
	for _, id := range late {
		if got[id] != 1 {
			t.Errorf("late record %s read %d times", id, got[id])
		}
	}
	if p, err := noOverlap.FetchEvidence(t.Context(), cursor0); err != nil || len(p.Items) != 0 {
		t.Errorf("without overlap: %d items, %v; the late blob should be missed, or the test no longer shows why the overlap is there", len(p.Items), err)
	}
}

func firstPageOf(t *testing.T, c *Connector, cursor string) string {
	t.Helper()
	p, err := c.FetchEvidence(t.Context(), cursor)
	if err != nil {
		t.Fatal(err)
	}
	return p.Cursor
}

// A record that comes in two blobs is delivered once; re-listing the
// overlap fetches no blob twice.
func TestDedupeByID(t *testing.T) {
	t.Parallel()
	opts := testOptions()
	opts.Subscribed = o365emu.ContentTypes
	e := setup(t, opts, nil)
	cursor := e.enable(t)
	e.clock.Advance(time.Minute)
	rec := connectortest.Golden(t, "record_sharepoint_filedownloaded.json")
	e.emu.Publish(o365emu.SharePoint, rec)
	e.emu.Publish(o365emu.SharePoint, rec, connectortest.Golden(t, "record_factsheet.json"))
	e.clock.Advance(time.Minute)
	items, cursor := e.drain(t, cursor)
	if got := ids(items); len(items) != 2 || got["c4a9e2f7-8d31-4b6a-a0f2-08dc3c2a9d54"] != 1 {
		t.Fatalf("items %v", got)
	}
	e.clock.Advance(5 * time.Minute)
	again, _ := e.drain(t, cursor)
	if len(again) != 0 {
		t.Errorf("%d items again from the overlap", len(again))
	}
	blobs := 0
	for _, r := range e.apiRequests() {
		if strings.Contains(r.Path, "/audit/") {
			blobs++
		}
	}
	if blobs != 2 {
		t.Errorf("%d blob retrievals, want 2", blobs)
	}
}

// A call reads at most its blob budget; the rest comes with More.
func TestBlobBudgetPerCall(t *testing.T) {
	t.Parallel()
	e := setup(t, testOptions(), nil)
	e.conn.blobsPerCall = 2
	cursor := e.enable(t)
	seeded := e.seed(40)
	calls, total := 0, map[string]int{}
	for more := true; more; calls++ {
		p, err := e.conn.FetchEvidence(t.Context(), cursor)
		if err != nil {
			t.Fatal(err)
		}
		for id, n := range ids(p.Items) {
			total[id] += n
		}
		cursor, more = p.Cursor, p.More
	}
	if calls < 5 || len(total) != len(seeded) {
		t.Errorf("%d calls read %d records of %d", calls, len(total), len(seeded))
	}
}
