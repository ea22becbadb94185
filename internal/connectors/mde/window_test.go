package mde

import (
	"cmp"
	"encoding/json"
	"hash/fnv"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/alertsync/alertsync/internal/connector/watermark"
)

// listed is what reorder needs of a listed alert.
type listed struct {
	raw        json.RawMessage
	id         string
	lastUpdate time.Time
}

// reorder puts a service in front of the emulator that answers the alerts
// list in order instead of the emulator's own (still stable, so $skip pages
// fit together): it reads the whole filtered list and serves the requested
// $top/$skip slice of it sorted by order.
func reorder(order func(a, b listed) int) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method != http.MethodGet || r.URL.Path != "/api/alerts" {
				next.ServeHTTP(w, r)
				return
			}
			q := r.URL.Query()
			top, _ := strconv.Atoi(q.Get("$top"))
			skip, _ := strconv.Atoi(q.Get("$skip"))
			q.Del("$skip")
			q.Set("$top", "10000")
			inner := r.Clone(r.Context())
			inner.URL.RawQuery = q.Encode()
			rec := httptest.NewRecorder()
			next.ServeHTTP(rec, inner)
			var body struct {
				Context string            `json:"@odata.context"`
				Value   []json.RawMessage `json:"value"`
			}
			if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &body) != nil {
				w.WriteHeader(rec.Code)
				_, _ = w.Write(rec.Body.Bytes())
				return
			}
			all := make([]listed, len(body.Value))
			for i, v := range body.Value {
				st, ts, _ := readStamp(v)
				all[i] = listed{raw: v, id: st.ID, lastUpdate: ts}
			}
			slices.SortStableFunc(all, order)
			lo := min(skip, len(all))
			hi := min(lo+top, len(all))
			body.Value = body.Value[:0]
			for _, a := range all[lo:hi] {
				body.Value = append(body.Value, a.raw)
			}
			w.Header().Set("Content-Type", "application/json")
			_ = json.NewEncoder(w).Encode(body)
		})
	}
}

func hashOf(id string) uint64 {
	h := fnv.New64a()
	_, _ = h.Write([]byte(id))
	return h.Sum64()
}

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

// TestUnorderedWindow is the regression for relying on $orderby, which the
// alerts list does not document: whatever order the service answers in,
// every alert is delivered exactly once across polls, including changes
// spread over more than the overlap, and the connector sends no $orderby.
func TestUnorderedWindow(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		order func(a, b listed) int // nil: the emulator's own (newest created first)
	}{
		{"emulator default", nil},
		{"lastUpdateTime desc", func(a, b listed) int { return b.lastUpdate.Compare(a.lastUpdate) }},
		{"lastUpdateTime asc", func(a, b listed) int { return a.lastUpdate.Compare(b.lastUpdate) }},
		{"shuffled", func(a, b listed) int { return cmp.Compare(hashOf(a.id), hashOf(b.id)) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var wrap func(http.Handler) http.Handler
			if tt.order != nil {
				wrap = reorder(tt.order)
			}
			e := setupWith(t, 23, nil, wrap)
			all := alertIDs(e)
			got, cursor := drain(t, e.conn, "")
			checkOnce(t, "first poll", got, all)

			// Twelve changes a minute apart: more than the 5m overlap.
			changed := all[3:15]
			for i, id := range changed {
				e.clock.Advance(time.Minute)
				if err := e.emu.SetAlertStatus(id, []string{"InProgress", "Resolved"}[i%2]); err != nil {
					t.Fatal(err)
				}
			}
			got, cursor = drain(t, e.conn, cursor)
			checkOnce(t, "after changes", got, changed)
			got, _ = drain(t, e.conn, cursor)
			checkOnce(t, "nothing changed", got, nil)
			for _, r := range e.emu.Recorder().Filter(http.MethodGet, "/api/alerts") {
				if r.Query.Has("$orderby") {
					t.Fatalf("connector sent $orderby: %v", r.Query)
				}
			}
		})
	}
}

// TestSkipPaging makes the overlap window hold more already-delivered
// alerts than one call may read: the call stops after pagesPerCall pages
// with More and the $skip offset in the cursor, and the next call goes on
// from there, so the new change at the end is reached instead of every
// poll re-reading the same first pages.
func TestSkipPaging(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name         string
		pagesPerCall int
		wantSkips    []string // $skip of each list request, per call
	}{
		{"window fits one call", 10, []string{",5,10"}},
		{"window spans calls", 2, []string{",5", "10"}},
		{"one page a call", 1, []string{"", "5", "10"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := setup(t, 12, map[string]any{"overlap": "720h"})
			_, cursor := drain(t, e.conn, "")
			e.conn.pagesPerCall = tt.pagesPerCall
			e.emu.Recorder().Reset()
			id := alertIDs(e)[3]
			if err := e.emu.SetAlertStatus(id, "InProgress"); err != nil {
				t.Fatal(err)
			}
			var got []string
			var skips []string
			for call := range len(tt.wantSkips) {
				e.emu.Recorder().Reset()
				p, err := e.conn.FetchAlerts(t.Context(), cursor)
				if err != nil {
					t.Fatal(err)
				}
				var s []string
				for _, r := range e.emu.Recorder().Filter(http.MethodGet, "/api/alerts") {
					s = append(s, r.Query.Get("$skip"))
				}
				skips = append(skips, strings.Join(s, ","))
				for _, it := range p.Items {
					got = append(got, it.VendorID)
				}
				if last := call == len(tt.wantSkips)-1; p.More == last {
					t.Fatalf("call %d: More %v", call, p.More)
				}
				cursor = p.Cursor
			}
			if !slices.Equal(got, []string{id}) {
				t.Errorf("delivered %v, want only %s", got, id)
			}
			if !slices.Equal(skips, tt.wantSkips) {
				t.Errorf("$skip per call %q, want %q", skips, tt.wantSkips)
			}
		})
	}
}

// TestSkipPagingQuery checks the list request itself: the window filter,
// $top, $expand, and no $orderby.
func TestSkipPagingQuery(t *testing.T) {
	t.Parallel()
	e := setup(t, 3, nil)
	p, err := e.conn.FetchAlerts(t.Context(), "")
	if err != nil || p.More {
		t.Fatalf("first poll: more %v, err %v", p.More, err)
	}
	cur, err := watermark.Parse(p.Cursor)
	if err != nil || cur.Scan != nil {
		t.Fatalf("cursor %s: err %v; want a closed window", p.Cursor, err)
	}
	e.emu.Recorder().Reset()
	if _, err := e.conn.FetchAlerts(t.Context(), p.Cursor); err != nil {
		t.Fatal(err)
	}
	reqs := e.emu.Recorder().Filter(http.MethodGet, "/api/alerts")
	if len(reqs) != 1 {
		t.Fatalf("%d list requests, want 1", len(reqs))
	}
	q := reqs[0].Query
	want := "lastUpdateTime ge " + cur.Since.Add(-5*time.Minute).Format(time.RFC3339Nano)
	if q.Get("$filter") != want || q.Get("$top") != "5" || q.Get("$expand") != "evidence" || q.Has("$orderby") || q.Has("$skip") {
		t.Errorf("query %v, want $filter %q", q, want)
	}
}
