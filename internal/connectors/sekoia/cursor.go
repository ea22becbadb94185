package sekoia

import (
	"cmp"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/alertsync/alertsync/internal/connector"
)

// maxSeen caps the cursor's dedupe set. Past it the oldest entries go:
// an alert re-read from the overlap is then delivered again (the engine
// drops an unchanged one), never skipped.
const maxSeen = 10000

// maxPasses bounds how often one window is read again after it shrank.
const maxPasses = 3

// cursor is where a poll resumes. Alerts are read in windows of
// updated_at, [From, Until] in epoch seconds, sorted updated_at
// ascending and paged by offset; Until is the hub's clock when the
// window opened, so the window's content only changes when an alert is
// updated (it then leaves, to come back in the next window) or indexed
// late. Since is where the last complete window ended; the next one
// starts an overlap before it.
//
// updated_at has a resolution of one second, so two versions of an
// alert can share it: Seen keeps, for every alert delivered at or after
// the next window's start, the updated_at and a hash of the JSON
// delivered, and a re-read alert is skipped only when both match.
type cursor struct {
	V      int             `json:"v"`
	Since  int64           `json:"since,omitempty"`
	Window *window         `json:"window,omitempty"`
	Seen   map[string]seen `json:"seen,omitempty"`
}

// window is the window being read, over as many calls as it takes.
type window struct {
	From   int64 `json:"from"`
	Until  int64 `json:"until"`
	Offset int   `json:"offset"`
	// Total is the window's size as the last page reported it; Shrunk
	// says it went down while the window was read: with offset paging the
	// alerts after the one that left moved back onto pages already read,
	// so the window is read once more (Pass counts the rereads).
	Total  int  `json:"total,omitempty"`
	Shrunk bool `json:"shrunk,omitempty"`
	Pass   int  `json:"pass,omitempty"`
}

// seen is one delivered version: its updated_at and content hash.
type seen struct {
	Updated int64
	Hash    uint64
}

// MarshalJSON writes "updated:hash", short enough for thousands.
func (s seen) MarshalJSON() ([]byte, error) {
	return json.Marshal(strconv.FormatInt(s.Updated, 10) + ":" + strconv.FormatUint(s.Hash, 36))
}

// UnmarshalJSON reads what MarshalJSON wrote.
func (s *seen) UnmarshalJSON(b []byte) error {
	var str string
	if err := json.Unmarshal(b, &str); err != nil {
		return err
	}
	u, h, ok := strings.Cut(str, ":")
	var err1, err2 error
	s.Updated, err1 = strconv.ParseInt(u, 10, 64)
	s.Hash, err2 = strconv.ParseUint(h, 36, 64)
	if !ok || err1 != nil || err2 != nil {
		return fmt.Errorf("seen entry %q is not updated:hash", str)
	}
	return nil
}

// parseCursor decodes a cursor; "" is a first poll. A cursor that does
// not decode is permanent: retrying cannot fix it.
func parseCursor(raw string) (cursor, error) {
	c := cursor{V: 1}
	if raw == "" {
		return c, nil
	}
	if err := json.Unmarshal([]byte(raw), &c); err != nil {
		return cursor{}, connector.Permanent("decode sekoia cursor: %v", err)
	}
	return c, nil
}

func (c cursor) String() string {
	b, _ := json.Marshal(c) // ints, strings and maps of them always encode
	return string(b)
}

// open starts a window ending now: from an overlap before Since, or on
// the first poll lookback before now (everything when lookback is 0).
func (c *cursor) open(now time.Time, lookback, overlap time.Duration) {
	if c.Window != nil {
		return
	}
	until := now.Unix()
	from := int64(0)
	switch {
	case c.Since > 0:
		from = c.Since - int64(overlap/time.Second)
	case lookback > 0:
		from = now.Add(-lookback).Unix()
	}
	c.Window = &window{From: max(from, 0), Until: max(until, c.Since)}
}

// close ends the window: Since moves to its end and what no later window
// can re-read is forgotten.
func (c *cursor) close(overlap time.Duration) {
	c.Since, c.Window = c.Window.Until, nil
	next := c.Since - int64(overlap/time.Second)
	maps.DeleteFunc(c.Seen, func(_ string, s seen) bool { return s.Updated < next })
}

// advance notes a page of n items and reports whether the window is
// read to its end; a window that shrank is started over, up to
// maxPasses reads.
func (w *window) advance(n int, total *int, more bool) bool {
	w.Offset += n
	if total != nil {
		if w.Total > 0 && *total < w.Total {
			w.Shrunk = true
		}
		w.Total = *total
	}
	if more && n > 0 {
		return false
	}
	if w.Shrunk && w.Pass+1 < maxPasses {
		w.Pass++
		w.Offset, w.Total, w.Shrunk = 0, 0, false
		return false
	}
	return true
}

// has reports whether this version of the alert was delivered already,
// or a newer one was.
func (c cursor) has(id string, updated int64, hash uint64) bool {
	s, ok := c.Seen[id]
	return ok && (s.Updated > updated || s.Updated == updated && s.Hash == hash)
}

// add records a delivered version.
func (c *cursor) add(id string, updated int64, hash uint64) {
	if c.Seen == nil {
		c.Seen = map[string]seen{}
	}
	c.Seen[id] = seen{updated, hash}
}

// prune keeps at most limit entries, dropping the oldest; it returns how
// many went.
func (c *cursor) prune(limit int) int {
	over := len(c.Seen) - limit
	if over <= 0 {
		return 0
	}
	ids := slices.Collect(maps.Keys(c.Seen))
	slices.SortFunc(ids, func(a, b string) int {
		return cmp.Or(cmp.Compare(c.Seen[a].Updated, c.Seen[b].Updated), strings.Compare(a, b))
	})
	for _, id := range ids[:over] {
		delete(c.Seen, id)
	}
	return over
}

// hashOf is the FNV-1a hash of an alert's JSON as delivered.
func hashOf(raw []byte) uint64 {
	h := fnv.New64a()
	_, _ = h.Write(raw)
	return h.Sum64()
}
