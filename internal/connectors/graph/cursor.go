package graph

import (
	"encoding/json"
	"maps"
	"slices"
	"time"

	"github.com/alertsync/alertsync/internal/connector"
)

// maxSeen caps the cursor's dedupe set so the cursor stays small. When
// more records than this changed within one overlap window, the oldest
// entries are dropped and Floor moves up: the overlap shrinks to what fits
// instead of the cursor growing without bound.
const maxSeen = 500

// cursor is where a poll resumes: the newest lastUpdateDateTime delivered,
// and the (id, lastUpdateDateTime) pairs delivered within the overlap
// window before it. Each poll re-reads from Since minus the overlap, so a
// record the service indexes late (stamped earlier than records already
// seen) is still picked up, and Seen keeps the re-read ones from being
// delivered twice. It travels as a small JSON string.
type cursor struct {
	Since time.Time         `json:"since,omitzero"`
	Floor time.Time         `json:"floor,omitzero"`
	Seen  map[string]string `json:"seen,omitempty"` // id -> lastUpdateDateTime, RFC3339Nano
}

func parseCursor(s string) (cursor, error) {
	var c cursor
	if s == "" {
		return c, nil
	}
	if err := json.Unmarshal([]byte(s), &c); err != nil {
		return cursor{}, connector.Permanent("decode cursor: %v", err)
	}
	return c, nil
}

// String encodes the cursor; the zero cursor is "".
func (c cursor) String() string {
	if c.Since.IsZero() && len(c.Seen) == 0 {
		return ""
	}
	b, _ := json.Marshal(c) // a struct of strings and times always encodes
	return string(b)
}

// from is the lower bound of the next query, zero for a first poll.
func (c cursor) from(overlap time.Duration) time.Time {
	if c.Since.IsZero() {
		return time.Time{}
	}
	return c.Since.Add(-overlap)
}

// has reports whether this version of the record was delivered already.
func (c cursor) has(id string, ts time.Time) bool {
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

// add records a delivered record.
func (c *cursor) add(id string, ts time.Time) {
	if c.Seen == nil {
		c.Seen = map[string]string{}
	}
	c.Seen[id] = ts.UTC().Format(time.RFC3339Nano)
	c.advance(ts)
}

// advance moves Since without recording an id, for records read but
// deliberately not delivered (filtered out), so the window keeps moving.
func (c *cursor) advance(ts time.Time) {
	if ts.After(c.Since) {
		c.Since = ts.UTC()
	}
}

// prune forgets what the next query cannot return any more and enforces
// maxSeen.
func (c *cursor) prune(overlap time.Duration) {
	low := c.from(overlap)
	for id, v := range c.Seen {
		if t, err := time.Parse(time.RFC3339Nano, v); err != nil || t.Before(low) {
			delete(c.Seen, id)
		}
	}
	if !c.Floor.IsZero() && c.Floor.Before(low) {
		c.Floor = time.Time{}
	}
	if len(c.Seen) <= maxSeen {
		return
	}
	ids := slices.Collect(maps.Keys(c.Seen))
	slices.SortFunc(ids, func(a, b string) int { return compareStamp(c.Seen[a], c.Seen[b]) })
	for _, id := range ids[:len(ids)-maxSeen] {
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

// stamp is what the cursor needs of a record, read separately from the
// mapping so a record that does not map still moves the cursor.
type stamp struct {
	ID            string `json:"id"`
	LastUpdate    string `json:"lastUpdateDateTime"`
	ServiceSource string `json:"serviceSource"`
}

// readStamp returns the record's id, last update and service source; ok
// is false when the record cannot be placed (no id or no usable time).
func readStamp(raw json.RawMessage) (stamp, time.Time, bool) {
	var s stamp
	if json.Unmarshal(raw, &s) != nil || s.ID == "" {
		return s, time.Time{}, false
	}
	ts, err := time.Parse(time.RFC3339Nano, s.LastUpdate)
	if err != nil {
		return s, time.Time{}, false
	}
	return s, ts.UTC(), true
}
