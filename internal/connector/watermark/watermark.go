// Package watermark is the poll position of connectors whose vendor lists
// records by a last-update time: a time watermark plus the records already
// delivered inside the overlap window before it. Each poll re-reads from
// the watermark minus the overlap, so a record the service indexes late
// (stamped earlier than records already seen) is still picked up, while
// the remembered records keep the re-read ones from being delivered twice.
// The graph and mde connectors share it; it travels as a JSON string in the
// engine's cursor column.
//
// Neither vendor documents an order for its alert list (Graph's List
// alerts_v2 takes $count, $filter, $skip and $top only), so a window is
// read to its end (Scan) before the watermark moves: the newest time read
// says nothing about what later pages hold.
package watermark

import (
	"cmp"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"hash/fnv"
	"maps"
	"math"
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
// documented order (MDE, Graph alerts_v2): the window is read to its end
// before its lower bound moves, whatever order the service returns. MDE
// walks it with $skip (Skip); Graph follows the service's next links
// (Next) and bounds the window above (Until).
type Scan struct {
	// Base is Since when the window was opened; the window starts at
	// Base minus the overlap (everything when Base is zero).
	Base time.Time `json:"base,omitzero"`
	// Skip is how many records of the window were read already.
	Skip int `json:"skip"`
	// Until, when set, is the window's upper bound, taken from the hub's
	// clock when the window opened; closing the window moves Since to it
	// (see CloseScan). A record changed while the window is read is
	// stamped after Until, so the next window, which starts an overlap
	// before Until, holds it whatever order the service listed in and
	// however long the read took.
	Until time.Time `json:"until,omitzero"`
	// Bounded says Until is also in the query: the window was narrowed to
	// stay within the service's paging depth. Otherwise the query is open
	// above, so records only ever join the window while it is read.
	Bounded bool `json:"bounded,omitempty"`
	// Next is the service's link to the window's next page; empty before
	// the first page of a pass.
	Next string `json:"next,omitempty"`
	// Count is the window's size as the service last reported it; Shrunk
	// says it went down while the window was read; Pass counts the reads
	// after the first (see Observe and Reread).
	Count  int  `json:"count,omitempty"`
	Shrunk bool `json:"shrunk,omitempty"`
	Pass   int  `json:"pass,omitempty"`
}

// Observe notes the window's size as a page reports it. A smaller size
// than the page before means records left the window while it was read
// (updated past a bounded window's Until, or deleted); with offset paging
// the records listed after them moved back onto pages already read, so
// some may have been passed over and the window should be read again.
func (s *Scan) Observe(count int) {
	if s.Count > 0 && count < s.Count {
		s.Shrunk = true
	}
	s.Count = count
}

// Reread starts the window over from its first page when it shrank while
// it was read, unless it was read maxPasses times already; it reports
// whether it did. Records delivered in the earlier passes are still
// remembered, so a second pass delivers only what the first passed over.
func (s *Scan) Reread(maxPasses int) bool {
	if !s.Shrunk || s.Pass+1 >= maxPasses {
		return false
	}
	s.Pass++
	s.Skip, s.Next, s.Count, s.Shrunk = 0, "", 0, false
	return true
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

// OpenWindow is OpenScan with an upper bound: a new window ends at until
// (see Scan.Until). A window already being read keeps its own bound.
func (c *Cursor) OpenWindow(until time.Time) {
	c.OpenScan()
	if c.Scan.Until.IsZero() {
		c.Scan.Until = until.UTC()
	}
}

// CloseScan ends the window being read. A window with an upper bound
// moves Since to that bound, never before the window's own start: back
// from newer records delivered from an open query (they are remembered
// and skipped when the next window re-reads them), and forward when the
// window delivered nothing, so an empty window still moves on.
func (c *Cursor) CloseScan() {
	if s := c.Scan; s != nil && !s.Until.IsZero() {
		c.Since = s.Until.UTC()
		if s.Base.After(c.Since) {
			c.Since = s.Base
		}
	}
	c.Scan = nil
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
	keep := c.keeper(overlap)
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

// keeper says which remembered versions a later query of this window or
// the next can still return.
func (c *Cursor) keeper(overlap time.Duration) func(ns int64) bool {
	next := c.Since.Add(-overlap).UnixNano()
	s := c.Scan
	if s == nil {
		return func(ns int64) bool { return ns >= next }
	}
	if !s.Until.IsZero() {
		// A window with an upper bound remembers everything it delivered:
		// its offset pages re-list records when others join it, and
		// CloseScan moves Since back to Until, from where the next window
		// re-reads. Past MaxSeen that gives way to the usual rule below
		// (re-deliveries, which the engine drops, rather than a raised
		// Floor skipping records still to be read).
		start := int64(math.MinInt64)
		if !s.Base.IsZero() {
			start = s.Base.Add(-overlap).UnixNano()
		}
		n := 0
		for _, ns := range c.seen {
			if ns >= start {
				n++
			}
		}
		if n <= MaxSeen {
			return func(ns int64) bool { return ns >= start }
		}
		if s.Until.Before(c.Since) {
			next = s.Until.Add(-overlap).UnixNano()
		}
	}
	if s.Base.IsZero() {
		return func(ns int64) bool { return ns >= next }
	}
	// The open window re-reads what the previous one delivered
	// (Base-overlap to Base) in no particular order; keep that too.
	lo, hi := s.Base.Add(-overlap).UnixNano(), s.Base.UnixNano()
	return func(ns int64) bool { return ns >= next || (ns >= lo && ns <= hi) }
}

// hashID is the 64-bit FNV-1a hash of a vendor id. A collision would need
// two ids among at most MaxSeen to share 64 bits: about one in 10^11.
func hashID(id string) uint64 {
	h := fnv.New64a()
	_, _ = h.Write([]byte(id))
	return h.Sum64()
}
