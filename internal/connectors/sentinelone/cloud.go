package sentinelone

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"

	"github.com/alertsync/alertsync/internal/connector"
)

// cloudReadMax is how many ids one read-back of cloud-detection alerts
// names: they go in the query string (?ids=a,b,...), which proxies cap
// at a few kilobytes.
const cloudReadMax = 100

// cloudState is a cloud-detection alert's status and verdict as write
// tokens.
type cloudState struct{ status, verdict string }

// writeCloud writes one group of cloud-detection alerts. Their endpoints
// answer only {"data":{"affected":N}}, with no per-alert result, so the
// connector reads the alerts first (an alert already holding the value is
// not written and counts as unchanged; one the service does not list is
// not found), writes verdict then status to the others, and when fewer
// were affected than sent reads those back: an alert still without the
// value failed on its own.
func (c *core) writeCloud(ctx context.Context, changes []connector.StateChange, g []int, w write, out []connector.ItemResult) error {
	ids := make([]string, len(g))
	for k, i := range g {
		ids[k] = strings.TrimPrefix(changes[i].VendorID, CloudPrefix)
	}
	cur, err := c.readCloud(ctx, ids)
	if err != nil {
		err = fmt.Errorf("read %d sentinelone cloud-detection alerts: %w", len(ids), err)
		fail(out, g, err)
		return err
	}
	failed := map[string]error{}
	for _, id := range ids {
		if _, ok := cur[id]; !ok {
			failed[id] = &connector.Error{Class: connector.ClassNotFound, Message: "sentinelone lists no cloud-detection alert " + id + " in the token's scope"}
		}
	}
	changedV, err := c.cloudSet(ctx, "cloud-detection/alerts/analyst-verdict", "analyst verdict", ids, cur, failed,
		func(s cloudState) string { return s.verdict }, w.verdict, verdictData{w.verdict})
	var changedS map[string]bool
	if err == nil {
		changedS, err = c.cloudSet(ctx, "cloud-detection/alerts/incident", "incident status", ids, cur, failed,
			func(s cloudState) string { return s.status }, w.status, incidentData{w.status})
	}
	if err != nil {
		fail(out, g, err)
		return err
	}
	for k, i := range g {
		if e := failed[ids[k]]; e != nil {
			out[i] = connector.ItemResult{Err: e}
			continue
		}
		out[i] = connector.ItemResult{State: connector.RemoteState{RemoteStatus: w.status, Unchanged: !changedV[ids[k]] && !changedS[ids[k]]}}
	}
	return nil
}

// cloudSet writes want (nothing when empty) to the alerts of ids not yet
// failed whose field differs, and returns those it changed; alerts the
// service did not change join failed.
func (c *core) cloudSet(ctx context.Context, path, what string, ids []string, cur map[string]cloudState, failed map[string]error,
	field func(cloudState) string, want string, data any) (map[string]bool, error) {
	changed := map[string]bool{}
	if want == "" {
		return changed, nil
	}
	var todo []string
	for _, id := range ids {
		if failed[id] == nil && field(cur[id]) != want {
			todo = append(todo, id)
		}
	}
	if len(todo) == 0 {
		return changed, nil
	}
	ans, err := c.post(ctx, path, todo, data)
	if err != nil {
		return nil, fmt.Errorf("set %s of %d sentinelone cloud-detection alerts: %w", what, len(todo), err)
	}
	after := cur
	if ans.Data.Affected < len(todo) {
		if after, err = c.readCloud(ctx, todo); err != nil {
			return nil, fmt.Errorf("read back %d sentinelone cloud-detection alerts: %w", len(todo), err)
		}
	}
	for _, id := range todo {
		if s, ok := after[id]; ans.Data.Affected < len(todo) && (!ok || field(s) != want) {
			failed[id] = &connector.Error{Class: connector.ClassConflict,
				Message: fmt.Sprintf("sentinelone did not change the %s of cloud-detection alert %s (the endpoint reports no reason)", what, id)}
			continue
		}
		changed[id] = true
	}
	return changed, nil
}

// readCloud lists the cloud-detection alerts of ids, by id.
func (c *core) readCloud(ctx context.Context, ids []string) (map[string]cloudState, error) {
	out := make(map[string]cloudState, len(ids))
	for start := 0; start < len(ids); start += cloudReadMax {
		part := ids[start:min(start+cloudReadMax, len(ids))]
		env, err := c.list(ctx, "cloud-detection/alerts", c.scope(url.Values{"ids": {strings.Join(part, ",")}, "limit": {limit(len(part))}}))
		if err != nil {
			return nil, err
		}
		for _, raw := range env.Data {
			var w cloudWire
			if json.Unmarshal(raw, &w) != nil || w.AlertInfo.AlertID == "" {
				continue
			}
			out[w.AlertInfo.AlertID] = cloudState{statusToken(w.AlertInfo.IncidentStatus), statusToken(w.AlertInfo.AnalystVerdict)}
		}
	}
	return out, nil
}
