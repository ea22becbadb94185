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
// were delivered inside the overlap window before it. Pages are keyset
// pages: every call lists from the watermark again, ordered by
// lastModifiedTimeUtc, so no skip token is ever stored, and an incident
// changed while a backlog is read moves to the end of the order instead of
// shifting a stored offset.
type cursor struct {
	V     int               `json:"v"`
	Since time.Time         `json:"since,omitzero"`
	Seen  map[string]string `json:"seen,omitempty"`
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

// prune forgets incidents the next list cannot return any more.
func (c *cursor) prune() {
	lo := c.from()
	for name, v := range c.Seen {
		if t, err := time.Parse(time.RFC3339Nano, v); err != nil || !t.After(lo) {
			delete(c.Seen, name)
		}
	}
}
