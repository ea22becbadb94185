package graph

import (
	"fmt"
	"testing"
	"time"
)

func TestCursor(t *testing.T) {
	t.Parallel()
	base := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	overlap := 5 * time.Minute
	var c cursor
	if c.String() != "" || !c.from(overlap).IsZero() {
		t.Fatal("zero cursor must encode as \"\" and read everything")
	}
	c.add("a", base)
	c.add("b", base.Add(time.Minute))
	c.prune(overlap)
	back, err := parseCursor(c.String())
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
		if got := back.has(tt.id, tt.at); got != tt.has {
			t.Errorf("%s: has(%s, %v) = %v, want %v", tt.name, tt.id, tt.at, got, tt.has)
		}
	}
	if want := base.Add(time.Minute - overlap); !back.from(overlap).Equal(want) {
		t.Errorf("from = %v, want %v", back.from(overlap), want)
	}
	// Records older than the window are forgotten.
	back.add("e", base.Add(time.Hour))
	back.prune(overlap)
	if len(back.Seen) != 1 {
		t.Errorf("seen after the window moved: %v", back.Seen)
	}
	if _, err := parseCursor("not json"); err == nil {
		t.Error("corrupt cursor accepted")
	}
}

func TestCursorCap(t *testing.T) {
	t.Parallel()
	base := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	var c cursor
	for i := range maxSeen + 10 {
		c.add(fmt.Sprint(i), base.Add(time.Duration(i)*time.Millisecond))
	}
	c.prune(time.Hour)
	if len(c.Seen) != maxSeen {
		t.Fatalf("seen holds %d, want %d", len(c.Seen), maxSeen)
	}
	if !c.has("3", base.Add(3*time.Millisecond)) || !c.has("new", base.Add(9*time.Millisecond)) {
		t.Error("records below the floor must count as seen")
	}
	if c.has("new", base.Add(10*time.Millisecond)) {
		t.Error("a record above the floor and not seen must be delivered")
	}
}
