package cortexxdr

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/alertsync/alertsync/internal/connector"
)

// alertStamp and incidentStamp read what the cursor needs of a record,
// apart from the mapping, so a record that does not map still moves it.
var (
	alertStamp    = modified("alert_id", "last_modified_ts")
	incidentStamp = modified("incident_id", "modification_time")
)

// FetchAlerts returns alerts changed since the cursor, oldest change
// first, at most page_size of them. The search is
// get_alerts_multi_events v2 filtered on last_modified_ts (v1 filters on
// creation time only, so it cannot see changes) and sorted by it; see
// position for how pages move.
func (c *core) FetchAlerts(ctx context.Context, cursor string) (connector.Page, error) {
	pos, err := parsePosition(cursor)
	if err != nil {
		return connector.Page{}, err
	}
	recs, more, err := c.next(ctx, &pos, c.alertsPage, alertStamp)
	if err != nil {
		return connector.Page{}, fmt.Errorf("list cortex xdr alerts: %w", err)
	}
	items := make([]connector.Item, 0, len(recs))
	for _, r := range recs {
		if id, at, ok := alertStamp(r); ok {
			pos.Mark.Add(id, at)
		}
		items = append(items, mapAlert(c.id, r))
	}
	pos.settle(ctx, c.log, c.s.overlap, "alerts")
	c.log.DebugContext(ctx, "cortex xdr alerts fetched", "items", len(items), "more", more)
	return connector.Page{Items: items, Cursor: pos.String(), More: more}, nil
}

func (c *core) alertsPage(ctx context.Context, from int64, skip int) ([]json.RawMessage, int, error) {
	req := searchRequest{
		Filters:    []filter{{Field: "last_modified_ts", Operator: "gte", Value: from}},
		SearchFrom: skip, SearchTo: skip + c.pageSize,
		Sort: &sortSpec{Field: "last_modified_ts", Keyword: "asc"},
	}
	var r searchReply
	err := c.call(ctx, pathAlerts, req, &r)
	return r.Alerts, r.TotalCount, err
}

// FetchIncidents returns incidents changed since the cursor, oldest
// change first, each with the ids of its member alerts (see members).
func (c *Incidents) FetchIncidents(ctx context.Context, cursor string) (connector.IncidentPage, error) {
	pos, err := parsePosition(cursor)
	if err != nil {
		return connector.IncidentPage{}, err
	}
	recs, more, err := c.next(ctx, &pos, c.incidentsPage, incidentStamp)
	if err != nil {
		return connector.IncidentPage{}, fmt.Errorf("list cortex xdr incidents: %w", err)
	}
	members, done, err := c.members(ctx, recs)
	if err != nil && done == 0 {
		return connector.IncidentPage{}, fmt.Errorf("read cortex xdr incident alerts: %w", err)
	}
	items := make([]connector.IncidentItem, 0, done)
	var last time.Time
	for _, r := range recs[:done] {
		id, at, ok := incidentStamp(r)
		if ok {
			pos.Mark.Add(id, at)
			last = at
		}
		items = append(items, mapIncident(c.id, r, members[id]))
	}
	if done < len(recs) { // the rest wait for the extra-data budget
		c.log.DebugContext(ctx, "cortex xdr incidents deferred", "delivered", done, "deferred", len(recs)-done, "err", err)
		pos.Walk = nil // without a delivered time, start over from the watermark
		if !last.IsZero() {
			pos.resumeAt(last.UnixMilli())
		}
		more = true
	}
	pos.settle(ctx, c.log, c.s.overlap, "incidents")
	return connector.IncidentPage{Items: items, Cursor: pos.String(), More: more}, nil
}

func (c *core) incidentsPage(ctx context.Context, from int64, skip int) ([]json.RawMessage, int, error) {
	req := searchRequest{
		Filters:    []filter{{Field: "modification_time", Operator: "gte", Value: from}},
		SearchFrom: skip, SearchTo: skip + c.pageSize,
		Sort: &sortSpec{Field: "modification_time", Keyword: "asc"},
	}
	var r searchReply
	err := c.call(ctx, pathIncidents, req, &r)
	return r.Incidents, r.TotalCount, err
}
