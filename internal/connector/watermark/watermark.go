// Package watermark is the poll position of connectors whose vendor lists
// records by a last-update time: a time watermark plus the (id, time) pairs
// already delivered inside the overlap window before it. Each poll re-reads
// from the watermark minus the overlap, so a record the service indexes
// late (stamped earlier than records already seen) is still picked up,
// while the remembered pairs keep the re-read ones from being delivered
// twice. The graph and mde connectors share it; it travels as a small
// JSON string in the engine's cursor column.
package watermark

import (
	"encoding/json"
	"maps"
	"slices"
	"time"

	"github.com/alertsync/alertsync/internal/connector"
)

// MaxSeen caps the dedupe set so the cursor stays small. When more records
// than this changed within one overlap window, the oldest entries are
// dropped and Floor moves up: the overlap shrinks to what fits instead of
// the cursor growing without bound.
const MaxSeen = 500

// Cursor is where a poll resumes: the newest record time delivered
// (Since), the (id, time) pairs delivered within the overlap window before
// it (Seen), and the time at or below which everything counts as
// delivered because Seen overflowed (Floor).
type Cursor struct {
	Since time.Time         `json:"since,omitzero"`
	Floor time.Time         `json:"floor,omitzero"`
	Seen  map[string]string `json:"seen,omitempty"` // id -> record time, RFC3339Nano
}

// Parse decodes a cursor; "" is the zero cursor of a first poll. A cursor
// that does not decode is a permanent error: retrying cannot fix it.
func Parse(s string) (Cursor, error) {
	var c Cursor
	if s == "" {
		return c, nil
	}
	if err := json.Unmarshal([]byte(s), &c); err != nil {
		return Cursor{}, connector.Permanent("decode cursor: %v", err)
	}
	return c, nil
}

// String encodes the cursor; the zero cursor is "".
func (c Cursor) String() string {
	if c.Since.IsZero() && len(c.Seen) == 0 {
		return ""
	}
	b, _ := json.Marshal(c) // a struct of strings and times always encodes
	return string(b)
}

// From is the lower bound of the next query, zero for a first poll.
func (c Cursor) From(overlap time.Duration) time.Time {
	if c.Since.IsZero() {
		return time.Time{}
	}
	return c.Since.Add(-overlap)
}

// Has reports whether this version of the record was delivered already.
func (c Cursor) Has(id string, ts time.Time) bool {
	if !c.Floor.IsZero() && !ts.After(c.Floor) {
		return true
	}
	prev, ok := c.Seen[id]
	if !ok {
		return false
	}
	p, err := time.Parse(time.RFC3339Nano, prev)
	return err == nil && !p.Before(ts)
}

// Add records a delivered record.
func (c *Cursor) Add(id string, ts time.Time) {
	if c.Seen == nil {
		c.Seen = map[string]string{}
	}
	c.Seen[id] = ts.UTC().Format(time.RFC3339Nano)
	c.Advance(ts)
}

// Advance moves Since without recording an id, for records read but
// deliberately not delivered (filtered out), so the window keeps moving.
func (c *Cursor) Advance(ts time.Time) {
	if ts.After(c.Since) {
		c.Since = ts.UTC()
	}
}

// Prune forgets what the next query cannot return any more and enforces
// MaxSeen.
func (c *Cursor) Prune(overlap time.Duration) {
	low := c.From(overlap)
	for id, v := range c.Seen {
		if t, err := time.Parse(time.RFC3339Nano, v); err != nil || t.Before(low) {
			delete(c.Seen, id)
		}
	}
	if !c.Floor.IsZero() && c.Floor.Before(low) {
		c.Floor = time.Time{}
	}
	if len(c.Seen) <= MaxSeen {
		return
	}
	ids := slices.Collect(maps.Keys(c.Seen))
	slices.SortFunc(ids, func(a, b string) int { return compareStamp(c.Seen[a], c.Seen[b]) })
	for _, id := range ids[:len(ids)-MaxSeen] {
		if t, err := time.Parse(time.RFC3339Nano, c.Seen[id]); err == nil && t.After(c.Floor) {
			c.Floor = t
		}
		delete(c.Seen, id)
	}
}

func compareStamp(a, b string) int {
	ta, _ := time.Parse(time.RFC3339Nano, a)
	tb, _ := time.Parse(time.RFC3339Nano, b)
	return ta.Compare(tb)
}
