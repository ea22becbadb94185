package crowdstrike

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/alertsync/alertsync/internal/connector"
	"github.com/alertsync/alertsync/internal/connector/watermark"
)

// maxPagesPerCall bounds the pages one FetchAlerts reads when they hold
// only alerts already delivered; the call then returns More with the
// `after` token in the cursor.
const maxPagesPerCall = 10

// sortOrder is the poll's order. CrowdStrike warns that paging on a field
// that changes is inconsistent; ascending updated_timestamp with its
// search-after token is the exception that helps here: an alert updated
// while a window is read moves behind the token and is read again later
// in the same window (and deduplicated), never skipped.
const sortOrder = "updated_timestamp|asc"

// FetchAlerts returns alerts changed since the cursor, at most page_size
// of them. A window (updated_timestamp from the watermark minus the
// overlap) is read with the service's `after` token to its last page
// before the watermark moves; the token travels in the cursor
// (watermark.Scan.Next), so a window larger than one call continues on
// the next.
func (c *core) FetchAlerts(ctx context.Context, raw string) (connector.Page, error) {
	cur, err := watermark.Parse(raw)
	if err != nil {
		return connector.Page{}, err
	}
	cur.OpenScan()
	body := combinedBody{Sort: sortOrder}
	if from := cur.From(c.s.overlap); !from.IsZero() {
		body.Filter = "updated_timestamp:>='" + from.UTC().Format(time.RFC3339Nano) + "'"
	}
	var items []connector.Item
	done := false
	for n := 0; n < c.pagesPerCall && !done && len(items) < c.cfg.PageSize; n++ {
		body.Limit, body.After = c.cfg.PageSize-len(items), cur.Scan.Next
		page, err := c.combined(ctx, body)
		if err != nil {
			return connector.Page{}, fmt.Errorf("list crowdstrike alerts: %w", err)
		}
		for _, r := range page.Resources {
			if it, ok := admit(&cur, c.id, r); ok {
				items = append(items, it)
			}
		}
		cur.Scan.Next = page.Meta.Pagination.After
		done = cur.Scan.Next == ""
	}
	if done {
		cur.Scan = nil // Since already holds the newest time delivered
	}
	if dropped := cur.Prune(c.s.overlap); dropped > 0 {
		c.log.WarnContext(ctx, "crowdstrike dedupe set full: alerts indexed late at or before the floor will be skipped",
			"dropped", dropped, "floor", cur.Floor, "max", watermark.MaxSeen)
	}
	c.log.DebugContext(ctx, "crowdstrike alerts fetched", "items", len(items), "more", !done)
	return connector.Page{Items: items, Cursor: cur.String(), More: !done}, nil
}

func (c *core) combined(ctx context.Context, body combinedBody) (combinedReply, error) {
	var out combinedReply
	cl, err := c.api(ctx)
	if err != nil {
		return out, err
	}
	err = cl.SendJSON(ctx, http.MethodPost, "alerts/combined/alerts/v1", body, &out)
	return out, err
}

// stamp is what the cursor needs of a record, read apart from the
// mapping so a record that does not map still moves the cursor.
type stamp struct {
	ID      string `json:"composite_id"`
	Updated string `json:"updated_timestamp"`
}

// admit maps a listed alert unless this version was delivered before.
func admit(cur *watermark.Cursor, id string, r json.RawMessage) (connector.Item, bool) {
	var s stamp
	var ts time.Time
	placed := json.Unmarshal(r, &s) == nil && s.ID != ""
	if placed {
		var err error
		ts, err = time.Parse(time.RFC3339Nano, s.Updated)
		placed = err == nil && connector.CheckTime("updated_timestamp", ts) == nil
	}
	if placed && cur.Has(s.ID, ts) {
		return connector.Item{}, false
	}
	if placed {
		cur.Add(s.ID, ts.UTC())
	}
	return mapAlert(id, r), true
}
