package lacework

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"net/url"
	"strconv"
	"time"

	"github.com/alertsync/alertsync/internal/connector"
)

// apiTime is the API's time format (the Go SDK's lwtime.RFC3339Milli).
const apiTime = "2006-01-02T15:04:05.000Z"

// FetchAlerts reads one page of the current window and returns its alerts
// not delivered before (a new alert, or one whose status or
// lastUserUpdatedTime changed), each assembled from its six scopes, at
// most page_size of them. When a page holds more, the same page is read
// again on the next call and the delivered ones are skipped. A window is
// read to its last page (paging.urls.nextPage) before the next opens.
//
// An alert is never returned half assembled: when a scope keeps failing
// with a retryable error, or the vendor throttles, the call fails and the
// cursor stays where it was, so the next poll tries the page again. Only
// a scope Lacework refuses for good (404, another 4xx) is left out, and
// the alert carries a note saying so.
func (c *core) FetchAlerts(ctx context.Context, raw string) (connector.Page, error) {
	cur, err := parseCursor(raw)
	if err != nil {
		return connector.Page{}, err
	}
	cur.open(c.deps.Now(), c.s)
	page, err := c.listPage(ctx, cur.Win)
	if err != nil {
		return connector.Page{}, fmt.Errorf("list lacework alerts: %w", err)
	}
	picks, left := c.pick(&cur, page.Data)
	items, err := c.assemble(ctx, picks)
	if err != nil {
		return connector.Page{}, err
	}
	for _, p := range picks {
		cur.add(p.key, p.version, p.ends)
	}
	more := true
	switch next := page.Paging.URLs.NextPage; {
	case left: // the page is read again, from the alerts not yet delivered
	case next != nil && *next != "":
		cur.Win.Next = *next
	default:
		more = cur.close()
	}
	if dropped := cur.prune(c.s.overlap); dropped > 0 {
		c.log.WarnContext(ctx, "lacework dedupe set full: alerts listed again may be delivered twice", "dropped", dropped, "max", maxSeen)
	}
	c.log.DebugContext(ctx, "lacework alerts fetched", "items", len(items), "more", more)
	return connector.Page{Items: items, Cursor: cur.String(), More: more}, nil
}

// listPage reads the window's next page. A stored next link the service
// no longer takes (expired, say) starts the window over from its first
// page; the dedupe set skips what was delivered.
func (c *core) listPage(ctx context.Context, w *window) (listReply, error) {
	var out listReply
	first := "api/v2/Alerts?" + url.Values{
		"startTime": {w.From.UTC().Format(apiTime)}, "endTime": {w.Until.UTC().Format(apiTime)},
	}.Encode()
	if w.Next == "" {
		return out, c.client.GetJSON(ctx, first, &out)
	}
	err := c.client.GetJSON(ctx, w.Next, &out)
	if refusedByService(err) {
		c.log.WarnContext(ctx, "stored lacework next page refused; reading the window again", "err", err)
		w.Next, out = "", listReply{}
		err = c.client.GetJSON(ctx, first, &out)
	}
	return out, err
}

// refusedByService reports whether the service answered a next link
// with 404 or another 4xx. A link the HTTP kit refuses itself (another
// host) is not: reading the window again would meet it again, forever.
func refusedByService(err error) bool {
	var ce *connector.Error
	return errors.As(err, &ce) && ce.Status != 0 && (ce.Class == connector.ClassNotFound || ce.Class == connector.ClassPermanent)
}

// pick is a listed alert to deliver: its raw list item and what the
// cursor records of it. id is empty for an item that does not decode,
// which is delivered as it is, to be quarantined.
type pick struct {
	id, key, version string
	ends             time.Time
	raw              json.RawMessage
}

// pick chooses the page's alerts to deliver, at most page_size, and
// reports whether the page holds more beyond them.
func (c *core) pick(cur *cursor, data []json.RawMessage) ([]pick, bool) {
	var out []pick
	for _, raw := range data {
		p := stampOf(raw, cur.Win.Until)
		if cur.has(p.key, p.version) {
			continue
		}
		if len(out) == c.s.pageSize {
			return out, true
		}
		out = append(out, p)
	}
	return out, false
}

// stampOf reads what the cursor needs of a listed alert, apart from the
// mapping, so an alert that does not map still moves the cursor.
func stampOf(raw json.RawMessage, until time.Time) pick {
	p := pick{raw: raw, ends: until}
	var w alertWire
	if json.Unmarshal(raw, &w) != nil || w.AlertID == nil {
		h := fnv.New64a()
		_, _ = h.Write(raw)
		p.key, p.version = "raw:"+strconv.FormatUint(h.Sum64(), 16), "raw"
		return p
	}
	p.id = vendorID(w)
	p.key, p.version = p.id, w.Status+"|"+string(w.LastUserUpdatedTime)
	var ends time.Time
	for _, s := range []string{w.StartTime, w.EndTime} {
		if t, err := time.Parse(time.RFC3339Nano, s); err == nil && t.After(ends) {
			ends = t
		}
	}
	if !ends.IsZero() {
		p.ends = ends
	}
	return p
}
