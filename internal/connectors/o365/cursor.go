package o365

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"slices"
	"time"

	"github.com/alertsync/alertsync/internal/connector"
)

// The poll position, one per integration, saved by the engine after each
// page:
//
//   - Since is when the integration was enabled (its first poll). No
//     content made available before it is read: the API holds none from
//     before a subscription started, and an integration enabled on a
//     tenant someone else subscribed must not replay that tenant's week.
//   - Per content type, Next is where the next window starts: every blob
//     made available before it has been read. Each poll lists again from
//     min(Next, now - overlap), because the service can list a blob only
//     after its contentCreated has passed (it is built from events
//     gathered across datacenters, hours late at worst), so a window that
//     ended at "now" may gain a blob later; Blobs remembers the blobs read
//     in that stretch (hashed contentIds) so none is fetched twice.
//   - Records remembers the most recent record ids (hashed): a record can
//     come in two blobs. The store dedupes by (integration, vendor id)
//     anyway; this keeps a page from carrying the same record twice.
type cursor struct {
	V       int                    `json:"v"`
	Since   int64                  `json:"since"` // Unix seconds
	Turn    int                    `json:"turn,omitempty"`
	Feeds   map[string]*feedCursor `json:"feeds"`
	Records []string               `json:"records,omitempty"`

	records map[string]bool // Records as a set
}

type feedCursor struct {
	Next  int64      `json:"next"` // Unix seconds
	Blobs []seenBlob `json:"blobs,omitempty"`
}

// seenBlob is a blob read in the overlap: its hashed contentId and when
// it was made available, after which it can be forgotten.
type seenBlob struct {
	H string `json:"h"`
	C int64  `json:"c"`
}

// Bounds on what the cursor remembers.
const (
	maxSeenRecords = 1024
	maxSeenBlobs   = 10000
)

func parseCursor(raw string) (*cursor, error) {
	cur := &cursor{V: 1, Feeds: map[string]*feedCursor{}}
	if raw != "" {
		if err := json.Unmarshal([]byte(raw), cur); err != nil || cur.V != 1 {
			return nil, connector.Permanent("o365 cursor %q is not one alertsync wrote", truncate(raw, 64))
		}
	}
	if cur.Feeds == nil {
		cur.Feeds = map[string]*feedCursor{}
	}
	cur.records = make(map[string]bool, len(cur.Records))
	for _, h := range cur.Records {
		cur.records[h] = true
	}
	return cur, nil
}

func (cur *cursor) String() string {
	b, _ := json.Marshal(cur) // plain data always encodes
	return string(b)
}

// enabled reports whether the integration has had its first poll.
func (cur *cursor) enabled() bool { return cur.Since != 0 }

// feeds makes the cursor's feeds those of cts: a content type added to
// the configuration starts at now (no history for it either), a removed
// one is forgotten. It returns the added ones.
func (cur *cursor) feeds(cts []string, now time.Time) []string {
	var added []string
	for _, ct := range cts {
		if _, ok := cur.Feeds[ct]; !ok {
			cur.Feeds[ct] = &feedCursor{Next: now.Unix()}
			added = append(added, ct)
		}
	}
	for ct := range cur.Feeds {
		if !slices.Contains(cts, ct) {
			delete(cur.Feeds, ct)
		}
	}
	return added
}

// seenRecord reports whether record id was delivered recently, and
// remembers it when not.
func (cur *cursor) seenRecord(id string) bool {
	h := hash(id)
	if cur.records[h] {
		return true
	}
	cur.records[h] = true
	cur.Records = append(cur.Records, h)
	if n := len(cur.Records) - maxSeenRecords; n > 0 {
		for _, old := range cur.Records[:n] {
			delete(cur.records, old)
		}
		cur.Records = slices.Clone(cur.Records[n:])
	}
	return false
}

func (f *feedCursor) seenBlob(id string) bool {
	h := hash(id)
	return slices.ContainsFunc(f.Blobs, func(b seenBlob) bool { return b.H == h })
}

// addBlob remembers a blob read; it reports how many older ones it had
// to forget to stay within bounds.
func (f *feedCursor) addBlob(id string, created time.Time) int {
	f.Blobs = append(f.Blobs, seenBlob{H: hash(id), C: created.Unix()})
	n := len(f.Blobs) - maxSeenBlobs
	if n <= 0 {
		return 0
	}
	slices.SortStableFunc(f.Blobs, func(a, b seenBlob) int { return cmp.Compare(a.C, b.C) })
	f.Blobs = slices.Clone(f.Blobs[n:])
	return n
}

// prune forgets blobs made available before floor: no later window
// reaches back that far.
func (f *feedCursor) prune(floor time.Time) {
	f.Blobs = slices.DeleteFunc(f.Blobs, func(b seenBlob) bool { return b.C < floor.Unix() })
}

// hash shortens an id for the cursor: 16 hex digits of its SHA-256.
func hash(id string) string {
	sum := sha256.Sum256([]byte(id))
	return hex.EncodeToString(sum[:8])
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
