package elastic

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/alertsync/alertsync/internal/connector"
	elasticemu "github.com/alertsync/alertsync/internal/emulators/elastic"
)

// drain polls from cursor until More is false and returns the delivered
// vendor ids and the last cursor.
func drain(t *testing.T, c *Connector, cursor string) ([]string, string) {
	t.Helper()
	var ids []string
	for range 200 {
		p, err := c.FetchAlerts(t.Context(), cursor)
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Items) > pageSize {
			t.Fatalf("page of %d items, page_size %d", len(p.Items), pageSize)
		}
		for _, it := range p.Items {
			if it.Err != nil {
				t.Errorf("item %s: %v", it.VendorID, it.Err)
			}
			ids = append(ids, it.VendorID)
		}
		cursor = p.Cursor
		if !p.More {
			return ids, cursor
		}
	}
	t.Fatal("FetchAlerts still reports More after 200 calls")
	return nil, ""
}

// checkOnce fails unless got holds every id of want exactly once and
// nothing else.
func checkOnce(t *testing.T, what string, got, want []string) {
	t.Helper()
	count := map[string]int{}
	for _, id := range got {
		count[id]++
	}
	for _, id := range want {
		if count[id] != 1 {
			t.Errorf("%s: alert %s delivered %d times, want once", what, id, count[id])
		}
		delete(count, id)
	}
	for id, n := range count {
		t.Errorf("%s: alert %s delivered %d times, want never", what, id, n)
	}
}

// visible are the seeded alerts the Alerts page shows: no building blocks.
func visible(e *env) []string {
	var ids []string
	for _, a := range e.emu.Alerts() {
		if !a.BuildingBlock {
			ids = append(ids, a.ID)
		}
	}
	return ids
}

// TestStreams: the first poll delivers every alert but building blocks
// once, whatever its status; later status changes, spread over more than
// the overlap, come back once each; nothing comes back when nothing
// changed.
func TestStreams(t *testing.T) {
	t.Parallel()
	e := setup(t, 40, nil)
	all := visible(e)
	if len(all) == len(e.emu.Alerts()) {
		t.Fatal("seed has no building block alerts to leave out")
	}
	got, cursor := drain(t, e.conn, "")
	checkOnce(t, "first poll", got, all)

	changed := all[3:15]
	for i, id := range changed {
		e.clock.Advance(time.Minute)
		st := []string{"acknowledged", "closed", "open"}[i%3]
		a, _ := e.emu.Alert(id)
		if a.Status == st {
			st = "acknowledged"
			if a.Status == st {
				st = "closed"
			}
		}
		if err := e.emu.SetAlertStatus(id, st, ""); err != nil {
			t.Fatal(err)
		}
	}
	fresh := e.seed(3)
	got, cursor = drain(t, e.conn, cursor)
	checkOnce(t, "after changes", got, append(append([]string{}, changed...), fresh...))
	got, _ = drain(t, e.conn, cursor)
	checkOnce(t, "nothing changed", got, nil)
}

// TestKeysetTies: more alerts than a page share one @timestamp; the
// keyset on kibana.alert.uuid pages through them without loss.
func TestKeysetTies(t *testing.T) {
	t.Parallel()
	e := setup(t, 0, nil)
	var want []string
	for i := range 3*pageSize + 1 {
		want = append(want, e.emu.AddAlert(elasticemu.DefaultSpace, map[string]any{
			"@timestamp": "2026-03-31T08:00:00.000Z", "kibana.alert.uuid": fmt.Sprintf("tie-%02d", i),
			"kibana.alert.workflow_status": "open", "kibana.alert.rule.name": "Whoami Process Activity", "kibana.alert.severity": "low",
		}))
	}
	got, _ := drain(t, e.conn, "")
	checkOnce(t, "ties", got, want)
	var keysets int
	for _, r := range e.requests(http.MethodPost, "/"+searchRef) {
		var b map[string]any
		if err := json.Unmarshal(r.Body, &b); err != nil {
			t.Fatal(err)
		}
		if _, ok := b["size"]; !ok {
			t.Errorf("search without size: %s", r.Body)
		}
		if strings.Contains(string(r.Body), `"term":{"@timestamp":"2026-03-31T08:00:00.000Z"}`) {
			keysets++
		}
	}
	if keysets < 3 {
		t.Errorf("%d keyset searches, want at least 3", keysets)
	}
}

// TestSearchBodies checks the searches themselves: size always sent,
// building blocks left out, sort on the stream's time then uuid, the
// window an overlap before the cursor, the change stream placed once at
// the newest status change; and, when the spec is there, each body
// against SearchAlerts.
func TestSearchBodies(t *testing.T) {
	t.Parallel()
	e := setup(t, 8, nil)
	_, cursor := drain(t, e.conn, "")
	cur, err := parseCursor(cursor)
	if err != nil || !cur.Started || cur.New.Since.IsZero() || cur.New.After != nil {
		t.Fatalf("cursor %s: %v", cursor, err)
	}
	e.emu.Recorder().Reset()
	if _, err := e.conn.FetchAlerts(t.Context(), cursor); err != nil {
		t.Fatal(err)
	}
	reqs := e.requests(http.MethodPost, "/"+searchRef)
	if len(reqs) != 2 {
		t.Fatalf("%d searches, want one per stream", len(reqs))
	}
	for _, r := range reqs {
		var b struct {
			Size  *int `json:"size"`
			Sort  []map[string]map[string]string
			Query struct {
				Bool struct {
					Filter  []map[string]map[string]map[string]string `json:"filter"`
					MustNot []map[string]map[string]string            `json:"must_not"`
				} `json:"bool"`
			}
		}
		if err := json.Unmarshal(r.Body, &b); err != nil {
			t.Fatalf("%s: %v", r.Body, err)
		}
		if b.Size == nil || *b.Size != pageSize || b.Query.Bool.MustNot[0]["exists"]["field"] != fieldBuildingBlock ||
			len(b.Sort) != 2 || b.Sort[1][fieldUUID]["order"] != "asc" {
			t.Errorf("search body %s", r.Body)
		}
		field := fieldTimestamp
		since := cur.New.Since
		if _, ok := b.Sort[0][fieldStatusAt]; ok {
			field, since = fieldStatusAt, cur.Changed.Since
		}
		if since.IsZero() {
			continue
		}
		if got := b.Query.Bool.Filter[0]["range"][field]["gte"]; got != esTime(since.Add(-5*time.Minute)) {
			t.Errorf("%s window starts %q, want %s", field, got, esTime(since.Add(-5*time.Minute)))
		}
	}
	if e.det.Active() && e.det.Count("SearchAlerts") == 0 {
		t.Error("no search was checked against the spec")
	}
}

// TestStartChanges: the change stream starts at the newest status change
// when polling begins, so history already delivered by the new stream is
// not read twice.
func TestStartChanges(t *testing.T) {
	t.Parallel()
	e := setup(t, 30, nil)
	var newest string
	for _, a := range e.emu.Alerts() {
		if !a.BuildingBlock && a.StatusAt > newest {
			newest = a.StatusAt
		}
	}
	if newest == "" {
		t.Fatal("seed has no changed alerts")
	}
	p, err := e.conn.FetchAlerts(t.Context(), "")
	if err != nil {
		t.Fatal(err)
	}
	cur, _ := parseCursor(p.Cursor)
	if esTime(cur.Changed.Since) != newest {
		t.Errorf("change stream placed at %s, want %s", esTime(cur.Changed.Since), newest)
	}
}

// TestCursorErrors: a cursor that does not decode is permanent.
func TestCursorErrors(t *testing.T) {
	t.Parallel()
	for _, bad := range []string{"{", `{"v":9}`, `"x"`} {
		if _, err := parseCursor(bad); connector.ClassOf(err) != connector.ClassPermanent {
			t.Errorf("cursor %q: %v", bad, err)
		}
	}
	c, _ := parseCursor("")
	c.add("a", version{1, 2})
	c.New.Since = time.UnixMilli(5).UTC()
	back, err := parseCursor(c.String())
	if err != nil || !back.has("a", version{1, 2}) || back.has("a", version{1, 3}) || !back.New.Since.Equal(c.New.Since) {
		t.Errorf("round trip: %+v %v", back, err)
	}
}

// TestQuarantine: an alert that does not map comes back as an item with
// its reason and the raw hit, once, and the cursor moves past it.
func TestQuarantine(t *testing.T) {
	t.Parallel()
	e := setup(t, 0, nil)
	bad := e.emu.AddAlert(elasticemu.DefaultSpace, map[string]any{"@timestamp": "2026-03-31T08:00:00.000Z", "kibana.alert.uuid": "no-rule",
		"kibana.alert.workflow_status": "open", "kibana.alert.severity": "low"})
	good := e.seed(1)
	p, err := e.conn.FetchAlerts(t.Context(), "")
	if err != nil || len(p.Items) != 2 || p.More {
		t.Fatalf("page %+v, %v", p, err)
	}
	if it := p.Items[0]; it.VendorID != bad || it.Err == nil || it.Alert != nil || !strings.Contains(string(it.Raw), `"no-rule"`) {
		t.Errorf("quarantined item %+v", it)
	}
	if p.Items[1].VendorID != good[0] || p.Items[1].Err != nil {
		t.Errorf("good item %+v", p.Items[1])
	}
	again, err := e.conn.FetchAlerts(t.Context(), p.Cursor)
	if err != nil || len(again.Items) != 0 {
		t.Errorf("second poll: %d items, %v", len(again.Items), err)
	}
}

// TestCursorPrune: an entry goes once neither stream can return it in the
// same version: its @timestamp is below the new stream's floor and its
// status change (if any) below the change stream's.
func TestCursorPrune(t *testing.T) {
	t.Parallel()
	ms := func(m int) int64 { return t0.Add(time.Duration(m) * time.Minute).UnixMilli() }
	c, _ := parseCursor("")
	c.New.Since, c.Changed.Since = t0.Add(60*time.Minute), t0.Add(30*time.Minute)
	c.add("old-open", version{ms(10), 0})
	c.add("recent-open", version{ms(58), 0})
	c.add("old-changed-long-ago", version{ms(10), ms(20)})
	c.add("old-changed-lately", version{ms(10), ms(27)})
	if n := c.prune(5 * time.Minute); n != 0 {
		t.Fatalf("cap dropped %d", n)
	}
	for id, keep := range map[string]bool{"old-open": false, "recent-open": true, "old-changed-long-ago": false, "old-changed-lately": true} {
		if got := c.has(id, c.seen[hashID(id)]); got != keep {
			t.Errorf("%s kept %v, want %v", id, got, keep)
		}
	}
}
