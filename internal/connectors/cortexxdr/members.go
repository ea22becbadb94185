package cortexxdr

import (
	"context"
	"encoding/json"

	"github.com/alertsync/alertsync/internal/connector/httpkit"
)

// maxMembers is the most alerts get_incident_extra_data returns for one
// incident.
const maxMembers = 1000

// members returns the member alert ids of the incidents recs, by incident
// id, and how many of recs (in order) it could complete. One
// get_multiple_incidents_extra_data call covers the page, with up to 50
// alerts per incident; an incident with more is read again with
// get_incident_extra_data (up to 1,000 alerts), which Cortex XDR allows 10
// times a minute. When that budget runs out, members stops at the
// incident that needed it, returns what it completed before it and the
// error, and the caller delivers those and leaves the rest for its next
// call. The list must be whole: the engine ends memberships the list no
// longer names.
func (c *core) members(ctx context.Context, recs []json.RawMessage) (map[string][]string, int, error) {
	if len(recs) == 0 {
		return nil, 0, nil
	}
	ids := make([]string, 0, len(recs))
	for _, r := range recs {
		if id, _, ok := incidentStamp(r); ok {
			ids = append(ids, id)
		}
	}
	out := map[string][]string{}
	partial := map[string]bool{}
	if len(ids) > 0 {
		var r multiExtraReply
		req := searchRequest{Filters: []filter{{Field: "incident_id_list", Operator: "in", Value: ids}}, SearchTo: len(ids)}
		if err := c.call(ctx, pathMultiExtraData, req, &r); err != nil {
			return nil, 0, err
		}
		for _, x := range r.Incidents {
			id := string(x.Incident.IncidentID)
			out[id] = alertIDs(x)
			partial[id] = len(out[id]) < max(x.Alerts.TotalCount, x.Incident.AlertCount)
		}
	}
	for n, r := range recs {
		id, _, _ := incidentStamp(r)
		if !partial[id] {
			continue
		}
		all, err := c.allMembers(ctx, id)
		if err != nil {
			return out, n, err
		}
		out[id] = all
	}
	return out, len(recs), nil
}

// allMembers reads one incident's alerts with get_incident_extra_data.
func (c *core) allMembers(ctx context.Context, id string) ([]string, error) {
	if err := httpkit.Spend(ctx, "local get_incident_extra_data budget", c.extra); err != nil {
		return nil, err
	}
	var x extraData
	req := map[string]any{"incident_id": id, "alerts_limit": maxMembers}
	if err := c.call(ctx, pathExtraData, req, &x); err != nil {
		return nil, err
	}
	ids := alertIDs(x)
	if n := max(x.Alerts.TotalCount, x.Incident.AlertCount); len(ids) < n {
		c.log.WarnContext(ctx, "cortex xdr incident has more alerts than the API returns; its member list is partial",
			"incident", id, "alerts", n, "read", len(ids))
	}
	return ids, nil
}

func alertIDs(x extraData) []string {
	out := make([]string, 0, len(x.Alerts.Data))
	for _, a := range x.Alerts.Data {
		if a.AlertID != "" {
			out = append(out, string(a.AlertID))
		}
	}
	return out
}
