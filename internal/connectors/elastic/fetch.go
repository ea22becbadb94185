package elastic

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/alertsync/alertsync/internal/connector"
)

// maxPagesPerCall bounds the pages one FetchAlerts reads when the
// overlap window holds more already-delivered alerts than a page: the
// call then returns More with the keyset in the cursor.
const maxPagesPerCall = 10

// stream is one of the two sorted reads (see cursor.go).
type stream struct {
	name  string
	field string
	pos   func(c *cursor) *streamPos
}

var (
	newAlerts     = stream{"new", fieldTimestamp, func(c *cursor) *streamPos { return &c.New }}
	changedAlerts = stream{"changed", fieldStatusAt, func(c *cursor) *streamPos { return &c.Changed }}
)

// FetchAlerts returns alerts created or changed since the cursor, at most
// page_size of them, building blocks excluded (Kibana's Alerts page hides
// them too). It reads the two streams in alternating order; More says a
// stream was left mid-read or not reached.
func (c *core) FetchAlerts(ctx context.Context, raw string) (connector.Page, error) {
	cur, err := parseCursor(raw)
	if err != nil {
		return connector.Page{}, err
	}
	if !cur.Started {
		if err := c.startChanges(ctx, &cur); err != nil {
			return connector.Page{}, fmt.Errorf("place elastic change stream: %w", err)
		}
	}
	order := []stream{newAlerts, changedAlerts}
	if cur.Turn == 1 {
		order[0], order[1] = order[1], order[0]
	}
	var items []connector.Item
	more := false
	for _, s := range order {
		if len(items) >= c.cfg.PageSize {
			more = true
			break
		}
		got, left, err := c.readStream(ctx, &cur, s, c.cfg.PageSize-len(items))
		if err != nil {
			return connector.Page{}, fmt.Errorf("search elastic %s alerts: %w", s.name, err)
		}
		items, more = append(items, got...), more || left
	}
	cur.Turn ^= 1
	if dropped := cur.prune(c.s.overlap); dropped > 0 {
		c.log.WarnContext(ctx, "elastic dedupe set full: some alerts may be delivered twice", "dropped", dropped, "max", maxSeen)
	}
	c.log.DebugContext(ctx, "elastic alerts fetched", "items", len(items), "more", more)
	return connector.Page{Items: items, Cursor: cur.String(), More: more}, nil
}

// startChanges places the changed stream at the newest status change
// there is, once: older changes are already in the state the new stream
// delivers.
func (c *core) startChanges(ctx context.Context, cur *cursor) error {
	hits, err := c.search(ctx, searchBody{
		Query: filtered(exists(fieldStatusAt)), Size: 1, Source: []string{fieldStatusAt},
		Sort: []any{map[string]any{fieldStatusAt: map[string]string{"order": "desc"}}},
	})
	if err != nil {
		return err
	}
	if len(hits) > 0 {
		h, err := decodeHit(hits[0])
		if err != nil {
			return err
		}
		cur.Changed.Since = time.UnixMilli(h.key.At).UTC()
	}
	cur.Started = true
	return nil
}

// readStream reads pages of one stream, delivering at most budget alerts
// not delivered before. left says the read stopped before the stream's
// end.
func (c *core) readStream(ctx context.Context, cur *cursor, s stream, budget int) (items []connector.Item, left bool, err error) {
	pos := s.pos(cur)
	for range c.pagesPerCall {
		hits, err := c.search(ctx, c.streamQuery(s, pos))
		if err != nil {
			return nil, false, err
		}
		for _, raw := range hits {
			if len(items) >= budget {
				return items, true, nil
			}
			h, err := decodeHit(raw)
			if err != nil {
				return nil, false, err
			}
			if !cur.has(h.id, h.version) {
				items = append(items, mapAlert(c.id, raw))
				cur.add(h.id, h.version)
				if t := time.UnixMilli(h.key.At).UTC(); t.After(pos.Since) && connector.CheckTime("sort", t) == nil {
					pos.Since = t
				}
			}
			pos.After = &h.key
		}
		if len(hits) < c.cfg.PageSize {
			pos.After = nil
			return items, false, nil
		}
	}
	return items, true, nil
}

// streamQuery is the search for a stream's next page: from the keyset
// when a read is under way, else from Since minus the overlap (the
// whole stream on a first poll), building blocks left out, sorted on the
// stream's time then kibana.alert.uuid.
func (c *core) streamQuery(s stream, pos *streamPos) searchBody {
	var window any
	switch {
	case pos.After != nil:
		at := esTime(time.UnixMilli(pos.After.At))
		window = map[string]any{"bool": map[string]any{
			"should": []any{
				rangeOf(s.field, "gt", at),
				map[string]any{"bool": map[string]any{"filter": []any{
					map[string]any{"term": map[string]any{s.field: at}},
					rangeOf(fieldUUID, "gt", pos.After.UUID),
				}}},
			},
			"minimum_should_match": 1,
		}}
	case !pos.Since.IsZero():
		window = rangeOf(s.field, "gte", esTime(pos.Since.Add(-c.s.overlap)))
	default:
		window = exists(s.field)
	}
	return searchBody{
		Query: filtered(window), Size: c.cfg.PageSize,
		Sort: []any{
			map[string]any{s.field: map[string]string{"order": "asc"}},
			map[string]any{fieldUUID: map[string]string{"order": "asc"}},
		},
	}
}

// filtered is a bool query of one filter clause that leaves building
// block alerts out.
func filtered(clause any) map[string]any {
	return map[string]any{"bool": map[string]any{
		"filter":   []any{clause},
		"must_not": []any{exists(fieldBuildingBlock)},
	}}
}

func exists(field string) map[string]any {
	return map[string]any{"exists": map[string]string{"field": field}}
}

func rangeOf(field, op, v string) map[string]any {
	return map[string]any{"range": map[string]any{field: map[string]string{op: v}}}
}

// esTime formats a time as Kibana stores them: UTC, milliseconds.
func esTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// placedHit is what paging and dedupe need of a hit, read apart from the
// mapping so a hit that does not map still moves the cursor.
type placedHit struct {
	id      string
	key     keyset
	version version
}

// decodeHit reads a hit's _id, its sort values (time in epoch
// milliseconds, then kibana.alert.uuid) and its version. A hit without
// sort values means the search was not the one the connector sent.
func decodeHit(raw json.RawMessage) (placedHit, error) {
	var h hitWire
	if err := json.Unmarshal(raw, &h); err != nil {
		return placedHit{}, &connector.Error{Class: connector.ClassRetryable, Message: "decode search hit", Err: err}
	}
	p := placedHit{id: h.ID}
	if len(h.Sort) < 1 || json.Unmarshal(h.Sort[0], &p.key.At) != nil {
		return p, &connector.Error{Class: connector.ClassRetryable, Message: "search hit " + h.ID + " has no time sort value"}
	}
	if len(h.Sort) > 1 {
		_ = json.Unmarshal(h.Sort[1], &p.key.UUID) // null when the alert has no uuid
	}
	src := source(h.Source)
	for _, f := range []struct {
		field string
		dst   *int64
	}{{fieldTimestamp, &p.version.created}, {fieldStatusAt, &p.version.changed}} {
		if t, err := time.Parse(time.RFC3339Nano, src.str(f.field)); err == nil {
			*f.dst = t.UnixMilli()
		}
	}
	return p, nil
}
