package sentinel

import (
	"encoding/json"
	"fmt"
	"time"
)

// overlap is how far before the watermark each poll looks again. Sentinel
// stamps lastModifiedTimeUtc when it writes, but a write may become
// visible to the list a little after a later-stamped one; re-reading a
// window catches it. Incidents seen in the window are skipped by name and
// lastModifiedTimeUtc, so the overlap costs one list request, not
// duplicates or extra alert lookups.
const overlap = 5 * time.Minute

// cursor is the incident poll position: the greatest lastModifiedTimeUtc
// delivered, and which incidents (by name, at which lastModifiedTimeUtc)
// were delivered inside the overlap window before it. On the fast path
// pages are keyset pages: every call lists from the watermark again,
// ordered by lastModifiedTimeUtc, so no skip token is stored, and an
// incident changed while a backlog is read moves to the end of the order
// instead of shifting a stored offset. Scan is set only while the
// unordered fallback (see fallback.go) walks the whole incident list over
// several calls; it keeps the walk's next link.
type cursor struct {
	V     int               `json:"v"`
	Since time.Time         `json:"since,omitzero"`
	Seen  map[string]string `json:"seen,omitempty"`
	Scan  *scan             `json:"scan,omitempty"`
}

// scan is one walk of the unfiltered incident list: its next page, the
// lower bound its incidents are filtered against on our side (fixed for the
// walk), and the hub's time when it began.
type scan struct {
	Next   string    `json:"next,omitempty"`
	From   time.Time `json:"from,omitzero"`
	Opened time.Time `json:"opened"`
}

const cursorVersion = 1

func parseCursor(s string) (cursor, error) {
	c := cursor{V: cursorVersion, Seen: map[string]string{}}
	if s == "" {
		return c, nil
	}
	if err := json.Unmarshal([]byte(s), &c); err != nil || c.V != cursorVersion {
		return cursor{V: cursorVersion, Seen: map[string]string{}}, fmt.Errorf("decode cursor: not a version %d sentinel cursor", cursorVersion)
	}
	if c.Seen == nil {
		c.Seen = map[string]string{}
	}
	return c, nil
}

func (c cursor) String() string {
	b, _ := json.Marshal(c) // strings and a time always marshal
	return string(b)
}

// from is the lower bound of the next list, zero before the first poll.
func (c cursor) from() time.Time {
	if c.Since.IsZero() {
		return time.Time{}
	}
	return c.Since.Add(-overlap)
}

// delivered reports whether the incident was already delivered at this
// version.
func (c cursor) delivered(name, lastModified string) bool {
	v, ok := c.Seen[name]
	return ok && v == lastModified
}

// record notes a delivered incident and moves the watermark.
func (c *cursor) record(name, lastModified string, at time.Time) {
	c.Seen[name] = lastModified
	if at.After(c.Since) {
		c.Since = at
	}
}

// endScan closes a finished walk. The watermark goes no further than the
// walk's start: an incident changed during a long walk, on a page already
// read, is stamped after it, so the next walk, an overlap before it, still
// delivers the change although newer ones were read later in this walk.
func (c *cursor) endScan() {
	if c.Scan != nil && c.Since.After(c.Scan.Opened) {
		c.Since = c.Scan.Opened
	}
	c.Scan = nil
}

// prune forgets incidents the next list cannot return any more. During a
// walk that means what passes the walk's own filter (its pages may list an
// incident again), and what the next walk re-reads from the walk's start,
// where endScan may move the watermark back to. A first walk, which
// filters nothing, keeps only the latter rather than every incident of the
// workspace: an incident listed twice in it is delivered twice, which the
// engine drops as a repeat.
func (c *cursor) prune() {
	lo := c.from()
	if s := c.Scan; s != nil {
		if at := s.Opened.Add(-overlap); at.Before(lo) {
			lo = at
		}
		if !s.From.IsZero() && s.From.Before(lo) {
			lo = s.From
		}
	}
	for name, v := range c.Seen {
		if t, err := time.Parse(time.RFC3339Nano, v); err != nil || !t.After(lo) {
			delete(c.Seen, name)
		}
	}
}
