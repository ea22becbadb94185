package watermark

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"
)

var base = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func TestCursor(t *testing.T) {
	t.Parallel()
	overlap := 5 * time.Minute
	var c Cursor
	if c.String() != "" || !c.From(overlap).IsZero() {
		t.Fatal("zero cursor must encode as \"\" and read everything")
	}
	c.Add("a", base)
	c.Add("b", base.Add(time.Minute))
	if n := c.Prune(overlap); n != 0 {
		t.Fatalf("Prune dropped %d under the cap", n)
	}
	back, err := Parse(c.String())
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		id   string
		at   time.Time
		has  bool
	}{
		{"same version re-read in the overlap", "a", base, true},
		{"boundary record re-read", "b", base.Add(time.Minute), true},
		{"newer version of a seen record", "a", base.Add(2 * time.Minute), false},
		{"late arrival stamped before the newest", "c", base.Add(30 * time.Second), false},
		{"new record at the boundary time", "d", base.Add(time.Minute), false},
	}
	for _, tt := range tests {
		if got := back.Has(tt.id, tt.at); got != tt.has {
			t.Errorf("%s: Has(%s, %v) = %v, want %v", tt.name, tt.id, tt.at, got, tt.has)
		}
	}
	if want := base.Add(time.Minute - overlap); !back.From(overlap).Equal(want) {
		t.Errorf("From = %v, want %v", back.From(overlap), want)
	}
	// Records older than the window are forgotten.
	back.Add("e", base.Add(time.Hour))
	back.Prune(overlap)
	if back.Len() != 1 {
		t.Errorf("seen %d after the window moved, want 1", back.Len())
	}
	if _, err := Parse("not json"); err == nil {
		t.Error("corrupt cursor accepted")
	}
}

// TestCursorVersions reads a version-1 cursor (ids and RFC 3339 times) and
// checks what is written back: version 2 with hashed ids only.
func TestCursorVersions(t *testing.T) {
	t.Parallel()
	longID := "da637472900382838869_1364969609"
	v1 := `{"since":"2026-03-01T12:01:00Z","seen":{"` + longID + `":"2026-03-01T12:00:00.1234567Z","b":"2026-03-01T12:01:00Z","bad":"x"}}`
	c, err := Parse(v1)
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 3, 1, 12, 0, 0, 123456700, time.UTC)
	if !c.Has(longID, at) || c.Has(longID, at.Add(100*time.Nanosecond)) || !c.Has("b", base.Add(time.Minute)) || c.Len() != 2 {
		t.Fatalf("v1 cursor read as %+v (len %d)", c, c.Len())
	}
	out := c.String()
	if strings.Contains(out, longID) || !strings.Contains(out, `"v":2`) {
		t.Errorf("re-encoded cursor %s: want version 2 without raw ids", out)
	}
	var w wire
	if err := json.Unmarshal([]byte(out), &w); err != nil || len(w.IDs) != 2 || w.Seen != nil {
		t.Fatalf("wire %+v, err %v", w, err)
	}
	for k := range w.IDs {
		if len(k) != 16 {
			t.Errorf("id key %q, want 16 hex characters", k)
		}
	}
	again, err := Parse(out)
	if err != nil || !again.Has(longID, at) || !again.Since.Equal(c.Since) || again.Len() != 2 {
		t.Errorf("v2 round trip: %+v, err %v", again, err)
	}
}

// TestCursorCapAboveLargestPage is the busy-poll case: one full MDE page
// (10,000) changed inside the overlap window must not overflow the seen
// set, so a late arrival stamped among them is still delivered.
func TestCursorCapAboveLargestPage(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		n         int
		wantDrops int
	}{
		{"one MDE page", 10000, 0},
		{"one Graph page", 1000, 0},
		{"at the cap", MaxSeen, 0},
		{"over the cap", MaxSeen + 10, 10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var c Cursor
			for i := range tt.n {
				c.Add(fmt.Sprint(i), base.Add(time.Duration(i)*time.Millisecond))
			}
			drops := c.Prune(time.Hour)
			if drops != tt.wantDrops || c.Len() != min(tt.n, MaxSeen) {
				t.Fatalf("Prune dropped %d (len %d), want %d (len %d)", drops, c.Len(), tt.wantDrops, min(tt.n, MaxSeen))
			}
			late := base.Add(5 * time.Millisecond)
			if got := c.Has("late", late); got != (drops > 0) {
				t.Errorf("late arrival below the newest: Has = %v, want %v (floor %v)", got, drops > 0, c.Floor)
			}
			if drops > 0 {
				if want := base.Add(time.Duration(drops-1) * time.Millisecond); !c.Floor.Equal(want) {
					t.Errorf("floor %v, want %v", c.Floor, want)
				}
				if !c.Has("3", base.Add(3*time.Millisecond)) || c.Has("new", base.Add(time.Duration(drops)*time.Millisecond)) {
					t.Error("records at or below the floor count as seen, above it not")
				}
			}
		})
	}
}

// TestScanKeepsWindow checks pruning while a window is read over several
// calls: what the previous window delivered stays remembered even after
// Since has moved past it, so a later page of the same window does not
// deliver it again; once the scan closes, normal pruning resumes.
func TestScanKeepsWindow(t *testing.T) {
	t.Parallel()
	overlap := 5 * time.Minute
	var c Cursor
	c.Add("old", base)
	c.Prune(overlap)
	c.OpenScan()
	if want := base.Add(-overlap); !c.From(overlap).Equal(want) {
		t.Fatalf("scan From %v, want %v", c.From(overlap), want)
	}
	c.Add("new", base.Add(time.Hour)) // read on the first page of the window
	c.Scan.Skip = 1
	c.Prune(overlap)
	back, err := Parse(c.String())
	if err != nil {
		t.Fatal(err)
	}
	if back.Scan == nil || back.Scan.Skip != 1 || !back.From(overlap).Equal(base.Add(-overlap)) {
		t.Fatalf("scan lost in the round trip: %+v", back.Scan)
	}
	if !back.Has("old", base) || !back.Has("new", base.Add(time.Hour)) {
		t.Error("scan forgot a delivered record of the window")
	}
	back.Scan = nil
	back.Prune(overlap)
	if back.Has("old", base) || back.Len() != 1 || !back.From(overlap).Equal(base.Add(time.Hour-overlap)) {
		t.Errorf("after the scan: len %d, From %v", back.Len(), back.From(overlap))
	}
	var first Cursor
	first.OpenScan()
	if first.String() == "" || !first.From(overlap).IsZero() {
		t.Error("a first poll's open scan must be kept and read everything")
	}
}

// TestWindowWithUpperBound checks a window bounded by the hub's clock:
// everything it delivers stays remembered while it is read, even records
// newer than the bound from an open query; closing it moves Since to the
// bound (back from newer records, forward over an empty window, never
// before the window's start); and the bound survives the round trip.
func TestWindowWithUpperBound(t *testing.T) {
	t.Parallel()
	overlap := 5 * time.Minute
	until := base.Add(time.Hour)
	tests := []struct {
		name      string
		since     time.Time
		until     time.Time
		delivered []time.Duration // after base
		wantSince time.Time
	}{
		{"newer records than the bound", base, until, []time.Duration{time.Minute, 2 * time.Hour}, until},
		{"empty window moves on", base, until, nil, until},
		{"bound behind the window start", base, base.Add(-time.Hour), nil, base},
		{"first poll", time.Time{}, until, []time.Duration{-24 * time.Hour, time.Minute}, until},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := Cursor{Since: tt.since}
			c.OpenWindow(tt.until)
			c.OpenWindow(tt.until.Add(time.Hour)) // a window being read keeps its bound
			for i, d := range tt.delivered {
				c.Add(fmt.Sprint(i), base.Add(d))
			}
			c.Prune(overlap)
			back, err := Parse(c.String())
			if err != nil {
				t.Fatal(err)
			}
			if !back.Scan.Until.Equal(tt.until) || back.Len() != len(tt.delivered) {
				t.Fatalf("open window: until %v, %d remembered; want %v and %d", back.Scan.Until, back.Len(), tt.until, len(tt.delivered))
			}
			back.CloseScan()
			back.Prune(overlap)
			if back.Scan != nil || !back.Since.Equal(tt.wantSince) {
				t.Errorf("closed: since %v scan %+v, want since %v", back.Since, back.Scan, tt.wantSince)
			}
			for i, d := range tt.delivered {
				at := base.Add(d)
				if want := !at.Before(tt.wantSince.Add(-overlap)); back.Has(fmt.Sprint(i), at) != want {
					t.Errorf("record at %v remembered = %v, want %v (the next window re-reads from %v)", at, !want, want, tt.wantSince.Add(-overlap))
				}
			}
		})
	}
}

// TestScanReread checks the shrink guard: a window whose reported size
// drops while it is read is read again, at most maxPasses times in all.
func TestScanReread(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		counts []int
		passes int // passes already made
		reread bool
	}{
		{"steady", []int{8, 8, 8}, 0, false},
		{"grew", []int{8, 9, 10}, 0, false},
		{"shrank", []int{8, 8, 7}, 0, true},
		{"shrank on the last allowed pass", []int{8, 7}, 2, false},
		{"empty then filled", []int{0, 3}, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := Scan{Next: "page-3", Skip: 4, Pass: tt.passes}
			for _, n := range tt.counts {
				s.Observe(n)
			}
			if got := s.Reread(3); got != tt.reread {
				t.Fatalf("Reread = %v, want %v", got, tt.reread)
			}
			if tt.reread && (s.Next != "" || s.Skip != 0 || s.Count != 0 || s.Shrunk || s.Pass != tt.passes+1) {
				t.Errorf("after Reread: %+v, want the window's first page of pass %d", s, tt.passes+1)
			}
		})
	}
}
