package sekoia

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"time"

	"github.com/alertsync/alertsync/internal/connector"
)

// maxPagesPerCall bounds the pages one FetchAlerts reads when they hold
// only alerts already delivered; the call then returns More and the next
// one goes on from the cursor's offset.
const maxPagesPerCall = 10

// FetchAlerts returns alerts changed since the cursor, at most page_size
// of them, from GET /v1/sic/alerts sorted by updated_at ascending within
// a window of updated_at (see cursor). Every list item carries what
// alertsync maps, so no alert is fetched on its own: the detail adds
// comments, history and countermeasures, which ingest does not use, at
// one more request per alert on a budget Sekoia does not publish.
func (c *core) FetchAlerts(ctx context.Context, raw string) (connector.Page, error) {
	cur, err := parseCursor(raw)
	if err != nil {
		return connector.Page{}, err
	}
	cur.open(c.now(), c.s.lookback, c.s.overlap)
	var items []connector.Item
	done := false
	for n := 0; n < c.pagesPerCall && !done && len(items) < c.cfg.PageSize; n++ {
		rep, err := c.listWindow(ctx, cur.Window, c.cfg.PageSize-len(items))
		if err != nil {
			return connector.Page{}, fmt.Errorf("list sekoia alerts: %w", err)
		}
		for _, r := range rep.Items {
			if it, ok := c.admit(ctx, &cur, r); ok {
				items = append(items, it)
			}
		}
		done = cur.Window.advance(len(rep.Items), rep.Total, rep.HasMore)
	}
	if done {
		cur.close(c.s.overlap)
	}
	if dropped := cur.prune(c.maxSeen); dropped > 0 {
		c.log.WarnContext(ctx, "sekoia dedupe set full: the oldest re-read alerts will be delivered again",
			"dropped", dropped, "max", c.maxSeen)
	}
	c.log.DebugContext(ctx, "sekoia alerts fetched", "items", len(items), "more", !done)
	return connector.Page{Items: items, Cursor: cur.String(), More: !done}, nil
}

// listWindow reads one page of the window.
func (c *core) listWindow(ctx context.Context, w *window, limit int) (listReply, error) {
	q := c.scope(url.Values{
		"limit": {strconv.Itoa(limit)}, "offset": {strconv.Itoa(w.Offset)},
		"sort": {"updated_at"}, "direction": {"asc"},
		"date[updated_at]": {rfc3339(w.From) + "," + rfc3339(w.Until)},
	})
	var rep listReply
	err := c.get(ctx, "alerts", q, permView, &rep)
	return rep, err
}

func rfc3339(epoch int64) string { return time.Unix(epoch, 0).UTC().Format(time.RFC3339) }

// stamp is what the cursor and the community check need of a listed
// alert, read apart from the mapping so an alert that does not map still
// moves the cursor.
type stamp struct {
	UUID      string `json:"uuid"`
	Updated   int64  `json:"updated_at"`
	Community string `json:"community_uuid"`
}

// admit maps a listed alert unless this version was delivered before or
// it belongs to another community (the filter should have kept it out;
// it is never ingested).
func (c *core) admit(ctx context.Context, cur *cursor, raw json.RawMessage) (connector.Item, bool) {
	var s stamp
	if json.Unmarshal(raw, &s) != nil || s.UUID == "" {
		return mapAlert(c.id, raw), true
	}
	if c.cfg.CommunityUUID != "" && s.Community != c.cfg.CommunityUUID {
		c.log.WarnContext(ctx, "sekoia listed an alert of another community; skipped", "vendor_id", s.UUID)
		return connector.Item{}, false
	}
	h := hashOf(raw)
	if cur.has(s.UUID, s.Updated, h) {
		return connector.Item{}, false
	}
	cur.add(s.UUID, s.Updated, h)
	return mapAlert(c.id, raw), true
}
