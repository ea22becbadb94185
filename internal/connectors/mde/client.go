package mde

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"golang.org/x/time/rate"

	"github.com/alertsync/alertsync/internal/connector"
	"github.com/alertsync/alertsync/internal/connector/httpkit"
	"github.com/alertsync/alertsync/internal/connector/httpkit/entra"
	"github.com/alertsync/alertsync/internal/connector/watermark"
)

// maxPagesPerCall bounds the $skip pages one FetchAlerts reads when the
// window holds more already-seen alerts than a page: the call then returns
// More with the offset in the cursor rather than spending the hourly
// budget (1,500 calls) in one go.
const maxPagesPerCall = 10

// batchMax is how many ids one batchUpdate carries. Microsoft documents a
// MaximumBatchSizeExceeded error but not the size; this is a guess on the
// safe side.
const batchMax = 100

// perHour returns a limiter that never lets a sliding hour see more than n
// requests while still allowing a burst of up to burst (half of n when
// burst is not positive): it refills n-burst an hour on top of the burst.
func perHour(n, burst int) *rate.Limiter {
	if n <= 0 {
		return nil
	}
	if burst <= 0 {
		burst = n / 2
	}
	burst = max(1, min(burst, n/2))
	return httpkit.Divisible(rate.NewLimiter(rate.Limit(float64(n-burst)/3600), burst))
}

// alertsRef is one $skip page of the window from "from" on. MDE sends no
// nextLink and documents no $orderby for this list, so no order is asked
// for or assumed: a poll reads the whole window through $skip to its short
// last page (see FetchAlerts).
func (c *core) alertsRef(from time.Time, skip int) string {
	q := url.Values{}
	if !from.IsZero() {
		q.Set("$filter", "lastUpdateTime ge "+from.UTC().Format(time.RFC3339Nano))
	}
	q.Set("$expand", "evidence")
	q.Set("$top", strconv.Itoa(c.cfg.PageSize))
	if skip > 0 {
		q.Set("$skip", strconv.Itoa(skip))
	}
	return "api/alerts?" + strings.ReplaceAll(strings.ReplaceAll(q.Encode(), "%24", "$"), "+", "%20")
}

// FetchAlerts returns alerts changed since the cursor, at most page_size
// of them, in the service's order. The window (lastUpdateTime from the
// watermark minus the overlap) is read through $skip to its end before its
// start moves: the list has no documented order, so the newest time read
// says nothing about what later pages hold. One call reads at most
// pagesPerCall pages; when it stops early, or the page is full, More is
// true and the cursor keeps the $skip offset, so the next call continues
// the same window and a huge window neither stalls nor starves the others.
func (c *core) FetchAlerts(ctx context.Context, raw string) (connector.Page, error) {
	cur, err := watermark.Parse(raw)
	if err != nil {
		return connector.Page{}, err
	}
	cur.OpenScan()
	from := cur.From(c.s.overlap) // one window for every page of the scan
	var items []connector.Item
	done := false
	for n := 0; n < c.pagesPerCall && !done && len(items) < c.cfg.PageSize; n++ {
		page, err := c.listPage(ctx, c.alertsRef(from, cur.Scan.Skip))
		if err != nil {
			return connector.Page{}, fmt.Errorf("list mde alerts: %w", err)
		}
		used := min(len(page), c.cfg.PageSize-len(items))
		for _, r := range page[:used] {
			if it, ok := admit(&cur, c.id, r); ok {
				items = append(items, it)
			}
		}
		cur.Scan.Skip += used
		done = used == len(page) && len(page) < c.cfg.PageSize // the short last page, all read
	}
	if done {
		cur.Scan = nil // Since already holds the newest time read
	}
	if dropped := cur.Prune(c.s.overlap); dropped > 0 {
		c.log.WarnContext(ctx, "mde dedupe set full: alerts indexed late at or before the floor will be skipped",
			"dropped", dropped, "floor", cur.Floor, "max", watermark.MaxSeen)
	}
	c.log.DebugContext(ctx, "mde alerts fetched", "items", len(items), "more", !done)
	return connector.Page{Items: items, Cursor: cur.String(), More: !done}, nil
}

// admit maps a listed alert unless this version was delivered before.
func admit(cur *watermark.Cursor, id string, r json.RawMessage) (connector.Item, bool) {
	st, ts, placed := readStamp(r)
	if placed && cur.Has(st.ID, ts) {
		return connector.Item{}, false
	}
	if placed {
		cur.Add(st.ID, ts)
	}
	return mapAlert(id, r), true
}

func (c *core) listPage(ctx context.Context, ref string) ([]json.RawMessage, error) {
	if err := httpkit.Spend(ctx, "local hourly rate budget", c.hourly); err != nil {
		return nil, err
	}
	items, _, err := httpkit.GetPage[json.RawMessage](ctx, c.client, ref, entra.ODataNextLink)
	return items, err
}

func alertRef(id string) string { return "api/alerts/" + url.PathEscape(id) }

// get reads one alert.
func (c *core) get(ctx context.Context, id string) (alertWire, error) {
	var a alertWire
	if err := httpkit.Spend(ctx, "local hourly rate budget", c.hourly); err != nil {
		return a, err
	}
	err := c.client.GetJSON(ctx, alertRef(id), &a)
	return a, err
}

// patch sends one update and returns the alert as the service stored it.
func (c *core) patch(ctx context.Context, id string, body updateBody) (alertWire, error) {
	var a alertWire
	if err := httpkit.Spend(ctx, "local hourly rate budget", c.hourly); err != nil {
		return a, err
	}
	err := c.client.SendJSON(ctx, http.MethodPatch, alertRef(id), body, &a)
	return a, err
}

// SetState PATCHes status, classification and determination, with the
// reason in the comment field, marked with the change's
// connector.CommentMarker, unless comment sync posts it separately
// (StateChange.CommentQueued). MDE has no comment ids at all; nothing is
// read first: the engine asks StateApplied before it sends again a write
// whose first answer was lost.
func (c *core) SetState(ctx context.Context, ch connector.StateChange) (connector.RemoteState, error) {
	if ch.VendorID == "" {
		return connector.RemoteState{}, connector.Permanent("set state needs a vendor id")
	}
	body, err := updateFor(ch)
	if err != nil {
		return connector.RemoteState{}, err
	}
	if strings.TrimSpace(ch.Reason) != "" && !ch.CommentQueued {
		body.Comment = connector.Marked(ch.Reason, ch.IdempotencyKey)
	}
	a, err := c.patch(ctx, ch.VendorID, body)
	if err != nil {
		return connector.RemoteState{}, fmt.Errorf("update mde alert %s: %w", ch.VendorID, err)
	}
	if a.Status == "" {
		a.Status = body.Status
	}
	return connector.RemoteState{RemoteStatus: a.Status}, nil
}

// AddComment writes a comment, marked with the action's
// connector.CommentMarker, through PATCH with only the comment field (MDE
// has no comment endpoint). The engine asks CommentApplied before it
// sends again a comment whose first answer was lost.
func (c *core) AddComment(ctx context.Context, a connector.CommentAction) error {
	if a.Kind != "" && a.Kind != "alert" {
		return connector.Unsupported
	}
	if a.VendorID == "" || a.IdempotencyKey == "" || strings.TrimSpace(a.Body) == "" {
		return connector.Permanent("add comment needs a vendor id, an idempotency key and a body")
	}
	if _, err := c.patch(ctx, a.VendorID, updateBody{Comment: connector.Marked(a.Body, a.IdempotencyKey)}); err != nil {
		return fmt.Errorf("comment on mde alert %s: %w", a.VendorID, err)
	}
	return nil
}

// BatchSetState applies one state change to many alerts with
// POST /api/alerts/batchUpdate (10 calls a minute, 500 an hour), in chunks
// of batchMax ids. ch.VendorID is ignored. The service answers 200 with no
// body, so there is no per-alert status to report: every alert takes the
// status written. A reason (unless ch.CommentQueued) goes in the comment
// field with the marker of ch.IdempotencyKey. Before a replay the engine
// checks each alert's state (StateApplied), so a batch that landed is
// not sent, nor commented, twice.
func (c *core) BatchSetState(ctx context.Context, ids []string, ch connector.StateChange) error {
	if len(ids) == 0 {
		return nil
	}
	body, err := batchUpdateFor(ch)
	if err != nil {
		return err
	}
	if strings.TrimSpace(ch.Reason) != "" && !ch.CommentQueued {
		body.Comment = connector.Marked(ch.Reason, ch.IdempotencyKey)
	}
	for start := 0; start < len(ids); start += batchMax {
		body.AlertIDs = ids[start:min(start+batchMax, len(ids))]
		if err := httpkit.Spend(ctx, "local batchUpdate budget", c.hourly, c.batchMinute, c.batchHourly); err != nil {
			return err
		}
		if err := c.client.SendJSON(ctx, http.MethodPost, "api/alerts/batchUpdate", body, nil); err != nil {
			return fmt.Errorf("batch update %d mde alerts: %w", len(body.AlertIDs), err)
		}
	}
	return nil
}

// SetStates writes changes that agree in everything but the alert through
// batchUpdate (see BatchSetState), batchMax alerts a call; every alert of
// an accepted call takes the status written, and the first change's
// idempotency key marks the call's shared comment. batchUpdate is all or
// nothing: one alert the app cannot reach (404) or that refuses the
// update (400) fails the call as a whole, so a call refused that way is
// split into single writes (SetState, with each change's own comment
// marker) and only the alerts refused alone fail. When a later call fails
// as a whole after earlier ones landed, its changes and the rest carry its
// error and are retried; the written ones are not.
func (c *core) SetStates(ctx context.Context, changes []connector.StateChange) ([]connector.ItemResult, error) {
	if len(changes) == 0 {
		return nil, nil
	}
	body, err := updateFor(changes[0])
	if err != nil {
		return nil, err
	}
	for _, ch := range changes {
		if ch.VendorID == "" {
			return nil, connector.Permanent("set state needs a vendor id")
		}
	}
	out := make([]connector.ItemResult, len(changes))
	for start := 0; start < len(changes); start += batchMax {
		part := changes[start:min(start+batchMax, len(changes))]
		res, err := c.setStates(ctx, part, body.Status)
		if err != nil {
			if start == 0 {
				return nil, err
			}
			for i := start; i < len(changes); i++ {
				out[i].Err = err
			}
			return out, nil
		}
		copy(out[start:], res)
	}
	return out, nil
}

// setStates writes at most batchMax changes with one batchUpdate, splitting
// them into single writes when the service refuses the call as a whole.
func (c *core) setStates(ctx context.Context, changes []connector.StateChange, status string) ([]connector.ItemResult, error) {
	ids := make([]string, len(changes))
	for i, ch := range changes {
		ids[i] = ch.VendorID
	}
	if err := c.BatchSetState(ctx, ids, changes[0]); err != nil {
		res, err := connector.SplitOnRefusal(ctx, changes, err, c.SetState)
		if res != nil {
			c.log.DebugContext(ctx, "mde batchUpdate refused as a whole; wrote its alerts one by one", "alerts", len(changes))
		}
		return res, err
	}
	out := make([]connector.ItemResult, len(changes))
	for i := range out {
		out[i] = connector.ItemResult{State: connector.RemoteState{RemoteStatus: status}}
	}
	return out, nil
}

// Health fetches a token (on first use) and reads one alert.
func (c *core) Health(ctx context.Context) error {
	if _, err := c.listPage(ctx, "api/alerts?$top=1"); err != nil {
		return fmt.Errorf("mde health: %w", err)
	}
	return nil
}

// MaxBatch is batchUpdate's documented cap, so the outbox never groups
// more alerts than one call carries.
func (c *core) MaxBatch() int { return batchMax }
