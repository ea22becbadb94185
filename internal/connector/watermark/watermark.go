// Package watermark is the poll position of connectors whose vendor lists
// records by a last-update time: a time watermark plus the records already
// delivered inside the overlap window before it. Each poll re-reads from
// the watermark minus the overlap, so a record the service indexes late
// (stamped earlier than records already seen) is still picked up, while
// the remembered records keep the re-read ones from being delivered twice.
// The graph and mde connectors share it; it travels as a JSON string in the
// engine's cursor column.
package watermark

import (
	"cmp"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"hash/fnv"
	"maps"
	"slices"
	"time"

	"github.com/alertsync/alertsync/internal/connector"
)

// MaxSeen caps the dedupe set so the cursor stays bounded. It sits well
// above the largest page a connector asks for (MDE 10,000, Graph 1,000) so
// one busy poll does not overflow it. When more records than this changed
// within one overlap window, the oldest entries are dropped and Floor moves
// up; Prune reports how many so the connector can warn, because alerts
// indexed late at or below Floor are then skipped.
const MaxSeen = 20000

// version is written into every cursor. Version 1 (no "v") kept "seen" as
// id -> RFC3339Nano; it is still read.
const version = 2

// Cursor is where a poll resumes: the newest record time delivered
// (Since), the records delivered within the overlap window before it, the
// time at or below which everything counts as delivered because the seen
// set overflowed (Floor), and a window being read across calls (Scan).
type Cursor struct {
	Since time.Time
	Floor time.Time
	// Scan is set while a window is read over several calls; see Scan.
	Scan *Scan
	// seen maps a 64-bit hash of the record id to the delivered version's
	// time in Unix nanoseconds: 16 hex characters and a number in JSON,
	// whatever the vendor's id looks like.
	seen map[uint64]int64
}

// Scan is a window read over several calls, for a vendor whose list has no
// documented order (MDE): the window is read through $skip to its end
// before its lower bound moves, whatever order the service returns.
type Scan struct {
	// Base is Since when the window was opened; the window starts at
	// Base minus the overlap (everything when Base is zero).
	Base time.Time `json:"base,omitzero"`
	// Skip is how many records of the window were read already.
	Skip int `json:"skip"`
	// Resume, for a vendor that returns the window in time order (Graph
	// with $orderby), is the keyset position reached: the next call asks
	// for records at or after it instead of re-reading from the window's
	// start, so a window larger than one call can read never stalls.
	Resume time.Time `json:"resume,omitzero"`
}

// wire is the JSON form. Seen is the version-1 map, read only; IDs the
// version-2 one.
type wire struct {
	V     int               `json:"v,omitempty"`
	Since time.Time         `json:"since,omitzero"`
	Floor time.Time         `json:"floor,omitzero"`
	Scan  *Scan             `json:"scan,omitempty"`
	IDs   map[string]int64  `json:"ids,omitempty"`
	Seen  map[string]string `json:"seen,omitempty"`
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

// UnmarshalJSON reads both cursor versions.
func (c *Cursor) UnmarshalJSON(b []byte) error {
	var w wire
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*c = Cursor{Since: w.Since, Floor: w.Floor, Scan: w.Scan}
	for id, v := range w.Seen {
		t, err := time.Parse(time.RFC3339Nano, v)
		if err != nil {
			continue // an unreadable entry is forgotten, as Prune would
		}
		c.put(hashID(id), t.UnixNano())
	}
	for k, ns := range w.IDs {
		h, err := hex.DecodeString(k)
		if err != nil || len(h) != 8 {
			continue
		}
		c.put(binary.BigEndian.Uint64(h), ns)
	}
	return nil
}

// MarshalJSON writes the current version.
func (c Cursor) MarshalJSON() ([]byte, error) {
	w := wire{V: version, Since: c.Since, Floor: c.Floor, Scan: c.Scan}
	if len(c.seen) > 0 {
		w.IDs = make(map[string]int64, len(c.seen))
		var b [8]byte
		for h, ns := range c.seen {
			binary.BigEndian.PutUint64(b[:], h)
			w.IDs[hex.EncodeToString(b[:])] = ns
		}
	}
	return json.Marshal(w)
}

// String encodes the cursor; the zero cursor is "".
func (c Cursor) String() string {
	if c.Since.IsZero() && len(c.seen) == 0 && c.Scan == nil {
		return ""
	}
	b, _ := json.Marshal(c) // times, ints and strings always encode
	return string(b)
}

// Len is how many delivered records the cursor remembers.
func (c Cursor) Len() int { return len(c.seen) }

// From is the lower bound of the next query, zero for a first poll. While
// a window is being read it is that window's start, so every page of the
// window uses the same filter.
func (c Cursor) From(overlap time.Duration) time.Time {
	base := c.Since
	if c.Scan != nil {
		base = c.Scan.Base
	}
	if base.IsZero() {
		return time.Time{}
	}
	return base.Add(-overlap)
}

// OpenScan starts reading a window from From(overlap) unless one is
// being read already.
func (c *Cursor) OpenScan() {
	if c.Scan == nil {
		c.Scan = &Scan{Base: c.Since}
	}
}

// Has reports whether this version of the record was delivered already.
func (c Cursor) Has(id string, ts time.Time) bool {
	if !c.Floor.IsZero() && !ts.After(c.Floor) {
		return true
	}
	prev, ok := c.seen[hashID(id)]
	return ok && prev >= ts.UnixNano()
}

// Add records a delivered record.
func (c *Cursor) Add(id string, ts time.Time) {
	c.put(hashID(id), ts.UnixNano())
	c.Advance(ts)
}

func (c *Cursor) put(h uint64, ns int64) {
	if c.seen == nil {
		c.seen = map[uint64]int64{}
	}
	if prev, ok := c.seen[h]; !ok || ns > prev {
		c.seen[h] = ns
	}
}

// Advance moves Since without recording an id, for records read but
// deliberately not delivered (filtered out), so the window keeps moving.
func (c *Cursor) Advance(ts time.Time) {
	if ts.After(c.Since) {
		c.Since = ts.UTC()
	}
}

// Prune forgets what no later query of this window or the next can return,
// enforces MaxSeen, and returns how many entries the cap dropped (raising
// Floor); a positive count means late-indexed records at or below Floor
// will be skipped, which the caller should log.
func (c *Cursor) Prune(overlap time.Duration) int {
	next := c.Since.Add(-overlap).UnixNano()
	keep := func(ns int64) bool { return ns >= next }
	if c.Scan != nil && !c.Scan.Base.IsZero() {
		// The open window re-reads what the previous one delivered
		// (Base-overlap to Base) in no particular order; keep that too.
		lo, hi := c.Scan.Base.Add(-overlap).UnixNano(), c.Scan.Base.UnixNano()
		keep = func(ns int64) bool { return ns >= next || (ns >= lo && ns <= hi) }
	}
	maps.DeleteFunc(c.seen, func(_ uint64, ns int64) bool { return !keep(ns) })
	if low := c.From(overlap); !c.Floor.IsZero() && c.Floor.Before(low) {
		c.Floor = time.Time{}
	}
	over := len(c.seen) - MaxSeen
	if over <= 0 {
		return 0
	}
	hs := slices.Collect(maps.Keys(c.seen))
	slices.SortFunc(hs, func(a, b uint64) int { return cmp.Or(cmp.Compare(c.seen[a], c.seen[b]), cmp.Compare(a, b)) })
	for _, h := range hs[:over] {
		if t := time.Unix(0, c.seen[h]).UTC(); t.After(c.Floor) {
			c.Floor = t
		}
		delete(c.seen, h)
	}
	return over
}

// hashID is the 64-bit FNV-1a hash of a vendor id. A collision would need
// two ids among at most MaxSeen to share 64 bits: about one in 10^11.
func hashID(id string) uint64 {
	h := fnv.New64a()
	_, _ = h.Write([]byte(id))
	return h.Sum64()
}
