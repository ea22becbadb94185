package elastic

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

// The poll position. Kibana alerts change after they are created (an
// analyst acknowledges or closes them), and signals/search strips
// search_after and from, so the connector reads two streams, each sorted
// on a time then kibana.alert.uuid and paged by moving a range filter
// past the last hit read (a keyset):
//
//   - new alerts by @timestamp, which never changes;
//   - changed alerts by kibana.alert.workflow_status_updated_at, which
//     Kibana stamps on every status change (one "should" of both ranges
//     could not be paged: a hit's place would depend on which range
//     matched it).
//
// Each stream keeps the newest time it delivered (Since); a new read of
// a stream starts an overlap before it, so alerts indexed late are still
// found, and the alerts already delivered (Seen, shared by both streams
// so an alert found in both is delivered once) are skipped.

// cursorVersion is written into every cursor.
const cursorVersion = 1

// maxSeen caps the dedupe set so the cursor stays bounded; when more
// alerts than this changed within one overlap window, the oldest are
// forgotten and may be delivered again (the engine then finds nothing
// changed).
const maxSeen = 20000

// keyset is the sort position of the last hit read: its time in epoch
// milliseconds (the sort value Elasticsearch returns for a date) and its
// kibana.alert.uuid.
type keyset struct {
	At   int64  `json:"at"`
	UUID string `json:"uuid"`
}

// streamPos is one stream's place.
type streamPos struct {
	Since time.Time `json:"since,omitzero"`
	// After is set while a read of the stream spans calls: the next page
	// starts after it.
	After *keyset `json:"after,omitempty"`
}

// version identifies one state of an alert: its @timestamp and its last
// status change (zero when never changed), in epoch milliseconds.
type version struct{ created, changed int64 }

func (v version) newest() int64 { return max(v.created, v.changed) }

type cursor struct {
	New     streamPos
	Changed streamPos
	// Started says the changed stream was placed at the newest status
	// change when polling began: the new stream delivers every older
	// alert in its current state already.
	Started bool
	// Turn says which stream is read first, alternating so neither
	// starves the other.
	Turn int
	seen map[uint64]version
}

type cursorWire struct {
	V       int                 `json:"v"`
	New     streamPos           `json:"new"`
	Changed streamPos           `json:"changed"`
	Started bool                `json:"started,omitempty"`
	Turn    int                 `json:"turn,omitempty"`
	Seen    map[string][2]int64 `json:"seen,omitempty"`
}

// parseCursor decodes a cursor; "" is a first poll's.
func parseCursor(s string) (cursor, error) {
	c := cursor{seen: map[uint64]version{}}
	if s == "" {
		return c, nil
	}
	var w cursorWire
	if err := json.Unmarshal([]byte(s), &w); err != nil || w.V != cursorVersion {
		return c, connector.Permanent("decode elastic cursor: not a version %d cursor", cursorVersion)
	}
	c.New, c.Changed, c.Started, c.Turn = w.New, w.Changed, w.Started, w.Turn
	for k, v := range w.Seen {
		b, err := hex.DecodeString(k)
		if err != nil || len(b) != 8 {
			continue
		}
		c.seen[binary.BigEndian.Uint64(b)] = version{v[0], v[1]}
	}
	return c, nil
}

func (c cursor) String() string {
	w := cursorWire{V: cursorVersion, New: c.New, Changed: c.Changed, Started: c.Started, Turn: c.Turn}
	if len(c.seen) > 0 {
		w.Seen = make(map[string][2]int64, len(c.seen))
		var b [8]byte
		for h, v := range c.seen {
			binary.BigEndian.PutUint64(b[:], h)
			w.Seen[hex.EncodeToString(b[:])] = [2]int64{v.created, v.changed}
		}
	}
	out, _ := json.Marshal(w) // times, ints and strings always encode
	return string(out)
}

func hashID(id string) uint64 {
	h := fnv.New64a()
	_, _ = h.Write([]byte(id))
	return h.Sum64()
}

// has reports whether this version of the alert was delivered already.
func (c *cursor) has(id string, v version) bool {
	prev, ok := c.seen[hashID(id)]
	return ok && prev.changed >= v.changed && prev.created >= v.created
}

func (c *cursor) add(id string, v version) {
	h := hashID(id)
	prev := c.seen[h]
	c.seen[h] = version{max(prev.created, v.created), max(prev.changed, v.changed)}
}

// prune forgets what neither stream can return again in the same
// version: the new stream reads from its Since minus the overlap, the
// changed stream from its own. It enforces maxSeen and returns how many
// entries the cap dropped.
func (c *cursor) prune(overlap time.Duration) int {
	newFloor := floor(c.New.Since, overlap)
	changedFloor := floor(c.Changed.Since, overlap)
	maps.DeleteFunc(c.seen, func(_ uint64, v version) bool {
		return v.created < newFloor && (v.changed == 0 || v.changed < changedFloor)
	})
	over := len(c.seen) - maxSeen
	if over <= 0 {
		return 0
	}
	hs := slices.Collect(maps.Keys(c.seen))
	slices.SortFunc(hs, func(a, b uint64) int {
		return cmp.Or(cmp.Compare(c.seen[a].newest(), c.seen[b].newest()), cmp.Compare(a, b))
	})
	for _, h := range hs[:over] {
		delete(c.seen, h)
	}
	return over
}

// floor is since minus the overlap in epoch milliseconds, or a time
// before any alert when the stream has delivered nothing (no floor).
func floor(since time.Time, overlap time.Duration) int64 {
	if since.IsZero() {
		return -1 << 62
	}
	return since.Add(-overlap).UnixMilli()
}
