package lacework

import (
	"cmp"
	"encoding/json"
	"maps"
	"slices"
	"time"

	"github.com/alertsync/alertsync/internal/connector"
)

// maxSeen caps the cursor's dedupe set. A Lacework account raises tens to
// hundreds of alerts a day, so an overlap window holds far fewer; past
// the cap the entries that end earliest go first (their alerts, if
// listed again, are delivered again and the engine drops the repeat).
const maxSeen = 20000

// cursor is where a poll resumes. Since is the end of the last window
// read to its last page; the next window starts an overlap before it
// (the lookback before now on the first poll) and ends now, or seven days
// later when that is sooner (catching up). Win is the window being read:
// its bounds and the absolute URL of its next page, so a window larger
// than one call continues on the next. Seen holds the alerts delivered
// whose window could still be listed again, by id, with the version
// delivered, so a re-read alert is assembled again only when it changed.
type cursor struct {
	V     int             `json:"v"`
	Since time.Time       `json:"since,omitzero"`
	Win   *window         `json:"win,omitempty"`
	Seen  map[string]seen `json:"seen,omitempty"`
}

// window is one time window being read.
type window struct {
	From  time.Time `json:"from"`
	Until time.Time `json:"until"`
	// Next is the window's next page (paging.urls.nextPage), empty
	// before its first page.
	Next string `json:"next,omitempty"`
	// CatchUp says the window was cut to seven days short of now: once
	// read, the next one follows at once.
	CatchUp bool `json:"catch_up,omitempty"`
}

// seen is a delivered alert: the version delivered (its status and
// lastUserUpdatedTime) and when its own window ends, in Unix seconds, to
// forget it once no window can list it again.
type seen struct {
	V string `json:"v"`
	T int64  `json:"t"`
}

const cursorVersion = 1

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

func (c cursor) String() string {
	c.V = cursorVersion
	b, _ := json.Marshal(c) // times, strings and ints always encode
	return string(b)
}

// open starts the next window unless one is being read. Times are cut to
// milliseconds, the API's precision, so what Since says is what was asked.
func (c *cursor) open(now time.Time, s settings) {
	if c.Win != nil {
		return
	}
	now = now.UTC().Truncate(time.Millisecond)
	from := now.Add(-s.lookback)
	if !c.Since.IsZero() {
		from = c.Since.Add(-s.overlap)
	}
	if floor := now.Add(-maxHistory + time.Hour); from.Before(floor) {
		from = floor // the API reaches back 92 days; what is older is gone
	}
	if from.After(now) {
		from = now
	}
	w := &window{From: from, Until: now}
	if now.Sub(from) > maxWindow {
		w.Until, w.CatchUp = from.Add(maxWindow), true
	}
	c.Win = w
}

// close ends the window read to its last page and reports whether
// another should follow at once.
func (c *cursor) close() bool {
	more := c.Win.CatchUp
	c.Since, c.Win = c.Win.Until, nil
	return more
}

// has reports whether this version of alert id was delivered.
func (c cursor) has(id, version string) bool {
	s, ok := c.Seen[id]
	return ok && s.V == version
}

func (c *cursor) add(id, version string, ends time.Time) {
	if c.Seen == nil {
		c.Seen = map[string]seen{}
	}
	c.Seen[id] = seen{V: version, T: ends.Unix()}
}

// prune forgets the alerts no later window can list (their own window
// ended before the next query starts) and enforces maxSeen; it returns
// how many the cap dropped.
func (c *cursor) prune(overlap time.Duration) int {
	low := c.Since.Add(-overlap)
	if c.Win != nil {
		low = c.Win.From
	}
	maps.DeleteFunc(c.Seen, func(_ string, s seen) bool { return s.T < low.Unix() })
	over := len(c.Seen) - maxSeen
	if over <= 0 {
		return 0
	}
	ids := slices.Collect(maps.Keys(c.Seen))
	slices.SortFunc(ids, func(a, b string) int { return cmp.Or(cmp.Compare(c.Seen[a].T, c.Seen[b].T), cmp.Compare(a, b)) })
	for _, id := range ids[:over] {
		delete(c.Seen, id)
	}
	return over
}
