package sentinelone

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/alertsync/alertsync/internal/connector"
	"github.com/alertsync/alertsync/internal/connector/watermark"
)

// position is the poll cursor: one watermark per kind of record and the
// phase of the current round. A round reads the threats window to its
// end, then (when enabled) the cloud-detection window, then reports no
// more; the next round starts again with threats.
type position struct {
	Threats watermark.Cursor `json:"threats"`
	Cloud   watermark.Cursor `json:"cloud"`
	Phase   string           `json:"phase,omitempty"`
}

const phaseCloud = "cloud"

func parsePosition(raw string) (position, error) {
	var p position
	if raw == "" {
		return p, nil
	}
	if err := json.Unmarshal([]byte(raw), &p); err != nil {
		return p, connector.Permanent("decode cursor: %v", err)
	}
	return p, nil
}

func (p position) String() string {
	b, _ := json.Marshal(p) // times, ints and strings always encode
	return string(b)
}

// FetchAlerts returns one page of threats or of cloud-detection alerts
// changed since the cursor, at most page_size items.
//
// Threats are listed with updatedAt__gte (the watermark minus the
// overlap), sortBy=updatedAt, sortOrder=asc, following the service's
// nextCursor with the same filter until it runs out; re-read threats are
// dropped by the watermark's dedupe set.
//
// The cloud-detection list has no updatedAt filter (its swagger entry
// filters on createdAt and reportedAt only), so a round re-reads the
// alerts created within cloud_detection_window before the newest change
// seen, oldest first, and delivers those whose updatedAt is new to the
// dedupe set: new alerts and state changes of recent ones.
func (c *core) FetchAlerts(ctx context.Context, raw string) (connector.Page, error) {
	pos, err := parsePosition(raw)
	if err != nil {
		return connector.Page{}, err
	}
	if pos.Phase == phaseCloud && c.cfg.IncludeCloudDetections {
		return c.fetchCloud(ctx, pos)
	}
	pos.Phase = ""
	return c.fetchThreats(ctx, pos)
}

func (c *core) fetchThreats(ctx context.Context, pos position) (connector.Page, error) {
	cur := &pos.Threats
	items, done, err := c.readWindow(ctx, cur, "threats", "updatedAt", "updatedAt", c.s.overlap, readThreatStamp, mapThreat)
	if err != nil {
		return connector.Page{}, fmt.Errorf("list sentinelone threats: %w", err)
	}
	more := !done
	if done {
		c.prune(ctx, cur, c.s.overlap, "threats")
		if c.cfg.IncludeCloudDetections {
			pos.Phase, more = phaseCloud, true
		}
	}
	c.log.DebugContext(ctx, "sentinelone threats fetched", "items", len(items), "more", more)
	return connector.Page{Items: items, Cursor: pos.String(), More: more}, nil
}

func (c *core) fetchCloud(ctx context.Context, pos position) (connector.Page, error) {
	cur := &pos.Cloud
	items, done, err := c.readWindow(ctx, cur, "cloud-detection/alerts", "createdAt", "alertInfoCreatedAt", c.s.window, readCloudStamp, mapCloudAlert)
	if err != nil {
		return connector.Page{}, fmt.Errorf("list sentinelone cloud-detection alerts: %w", err)
	}
	if done {
		c.prune(ctx, cur, c.s.window, "cloud-detection alerts")
		pos.Phase = ""
	}
	c.log.DebugContext(ctx, "sentinelone cloud-detection alerts fetched", "items", len(items), "more", !done)
	return connector.Page{Items: items, Cursor: pos.String(), More: !done}, nil
}

// stampFn reads a record's id and change time for the cursor; mapFn maps
// it.
type (
	stampFn func(json.RawMessage) (string, time.Time, bool)
	mapFn   func(integration string, raw []byte) connector.Item
)

// readWindow reads one page of the window cur is scanning (opening one
// from the watermark minus back when none is open), filtered on
// timeField__gte and sorted by sortBy ascending, and reports whether the
// window is done (no nextCursor).
func (c *core) readWindow(ctx context.Context, cur *watermark.Cursor, path, timeField, sortBy string, back time.Duration,
	stamp stampFn, mapper mapFn) ([]connector.Item, bool, error) {
	cur.OpenScan()
	q := c.scope(url.Values{"limit": {limit(c.cfg.PageSize)}, "sortBy": {sortBy}, "sortOrder": {"asc"}})
	if from := cur.From(back); !from.IsZero() {
		q.Set(timeField+"__gte", from.UTC().Format(time.RFC3339Nano))
	}
	env, err := c.page(ctx, cur, path, q)
	if err != nil {
		return nil, false, err
	}
	var items []connector.Item
	for _, r := range env.Data {
		id, ts, placed := stamp(r)
		if placed && cur.Has(id, ts) {
			continue
		}
		if placed {
			cur.Add(id, ts)
		}
		items = append(items, mapper(c.id, r))
	}
	if next := env.next(); next != "" {
		cur.Scan.Next = next
		return items, false, nil
	}
	cur.Scan = nil // Since already holds the newest change read
	return items, true, nil
}

// page reads the window's next page. A service cursor the service no
// longer takes (400: SentinelOne does not say how long its cursors live)
// starts the window over from its first page rather than failing every
// poll; the dedupe set drops what was delivered already.
func (c *core) page(ctx context.Context, cur *watermark.Cursor, path string, q url.Values) (listEnvelope, error) {
	if cur.Scan.Next == "" {
		return c.list(ctx, path, q)
	}
	withCursor := url.Values{"cursor": {cur.Scan.Next}}
	for k, v := range q {
		withCursor[k] = v
	}
	env, err := c.list(ctx, path, withCursor)
	var ce *connector.Error
	if err == nil || !errors.As(err, &ce) || ce.Status != http.StatusBadRequest {
		return env, err
	}
	c.log.WarnContext(ctx, "sentinelone refused its own page cursor; reading the window again from its start", "path", path, "err", err)
	cur.Scan.Next = ""
	return c.list(ctx, path, q)
}

func (c *core) prune(ctx context.Context, cur *watermark.Cursor, back time.Duration, what string) {
	if dropped := cur.Prune(back); dropped > 0 {
		c.log.WarnContext(ctx, "sentinelone dedupe set full: records changed late at or before the floor will be skipped",
			"records", what, "dropped", dropped, "floor", cur.Floor, "max", watermark.MaxSeen)
	}
}

// readThreatStamp returns a threat's id and updatedAt; ok is false when
// the threat cannot be placed (no id or no usable time).
func readThreatStamp(raw json.RawMessage) (string, time.Time, bool) {
	var s struct {
		ID         string `json:"id"`
		ThreatInfo struct {
			CreatedAt string `json:"createdAt"`
			UpdatedAt string `json:"updatedAt"`
		} `json:"threatInfo"`
	}
	if json.Unmarshal(raw, &s) != nil {
		return "", time.Time{}, false
	}
	return placed(s.ID, s.ThreatInfo.UpdatedAt, s.ThreatInfo.CreatedAt)
}

// readCloudStamp returns a cloud-detection alert's id and updatedAt
// (createdAt when it has none).
func readCloudStamp(raw json.RawMessage) (string, time.Time, bool) {
	var s struct {
		AlertInfo struct {
			AlertID   string `json:"alertId"`
			CreatedAt string `json:"createdAt"`
			UpdatedAt string `json:"updatedAt"`
		} `json:"alertInfo"`
	}
	if json.Unmarshal(raw, &s) != nil {
		return "", time.Time{}, false
	}
	return placed(s.AlertInfo.AlertID, s.AlertInfo.UpdatedAt, s.AlertInfo.CreatedAt)
}

func placed(id, updated, created string) (string, time.Time, bool) {
	if id == "" {
		return "", time.Time{}, false
	}
	if updated == "" {
		updated = created
	}
	ts, err := time.Parse(time.RFC3339Nano, updated)
	if err != nil || connector.CheckTime("updatedAt", ts) != nil {
		return "", time.Time{}, false
	}
	return id, ts.UTC(), true
}
