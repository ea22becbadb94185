package watermark

import (
	"fmt"
	"testing"
	"time"
)

func TestCursor(t *testing.T) {
	t.Parallel()
	base := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	overlap := 5 * time.Minute
	var c Cursor
	if c.String() != "" || !c.From(overlap).IsZero() {
		t.Fatal("zero cursor must encode as \"\" and read everything")
	}
	c.Add("a", base)
	c.Add("b", base.Add(time.Minute))
	c.Prune(overlap)
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
	if len(back.Seen) != 1 {
		t.Errorf("seen after the window moved: %v", back.Seen)
	}
	if _, err := Parse("not json"); err == nil {
		t.Error("corrupt cursor accepted")
	}
}

func TestCursorCap(t *testing.T) {
	t.Parallel()
	base := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	var c Cursor
	for i := range MaxSeen + 10 {
		c.Add(fmt.Sprint(i), base.Add(time.Duration(i)*time.Millisecond))
	}
	c.Prune(time.Hour)
	if len(c.Seen) != MaxSeen {
		t.Fatalf("seen holds %d, want %d", len(c.Seen), MaxSeen)
	}
	if !c.Has("3", base.Add(3*time.Millisecond)) || !c.Has("new", base.Add(9*time.Millisecond)) {
		t.Error("records below the floor must count as seen")
	}
	if c.Has("new", base.Add(10*time.Millisecond)) {
		t.Error("a record above the floor and not seen must be delivered")
	}
}
