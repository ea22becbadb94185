package cortexxdr

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/alertsync/alertsync/internal/connector"
	"github.com/alertsync/alertsync/internal/model"
)

// SetState writes one alert's or incident's status (see SetStates and
// setIncident).
func (c *core) SetState(ctx context.Context, ch connector.StateChange) (connector.RemoteState, error) {
	res, err := c.SetStates(ctx, []connector.StateChange{ch})
	if err != nil {
		return connector.RemoteState{}, err
	}
	return res[0].State, res[0].Err
}

// SetStates writes changes that agree in everything but the target. For
// alerts it reads their status first (one search for up to 100), leaves
// out those already in the state (reported Unchanged, with the status
// read), and writes the rest with update_alerts, 100 a call, with the
// reason as the resolution comment unless comment sync posts it
// (CommentQueued). An alert missing from the answer's alerts_ids failed
// on its own. If the first call fails the error is returned (nothing was
// written); a later chunk's failure is its items' own. Incidents have no
// bulk call: each is written with update_incident.
func (c *core) SetStates(ctx context.Context, changes []connector.StateChange) ([]connector.ItemResult, error) {
	if len(changes) == 0 {
		return nil, nil
	}
	if changes[0].Kind == model.KindIncident {
		out := make([]connector.ItemResult, len(changes))
		for i, ch := range changes {
			out[i].State, out[i].Err = c.setIncident(ctx, ch)
		}
		return out, nil
	}
	write, err := writeStatus(changes[0])
	if err != nil {
		return nil, err
	}
	out := make([]connector.ItemResult, len(changes))
	for start := 0; start < len(changes); start += maxPage {
		end := min(start+maxPage, len(changes))
		if err := c.setAlerts(ctx, changes[start:end], write, out[start:end]); err != nil {
			if start == 0 {
				return nil, err
			}
			for i := start; i < end; i++ {
				out[i].Err = err
			}
		}
	}
	return out, nil
}

// setAlerts writes one chunk of at most 100 alerts, filling res.
func (c *core) setAlerts(ctx context.Context, chunk []connector.StateChange, write string, res []connector.ItemResult) error {
	ids := make([]string, 0, len(chunk))
	for i, ch := range chunk {
		if _, err := strconv.ParseInt(ch.VendorID, 10, 64); err != nil {
			res[i].Err = connector.Permanent("cortex xdr alert id %q is not a number", ch.VendorID)
			continue
		}
		ids = append(ids, ch.VendorID)
	}
	current, err := c.alertStatuses(ctx, ids)
	if err != nil {
		return fmt.Errorf("read %d cortex xdr alerts: %w", len(ids), err)
	}
	var todo []string
	for i, ch := range chunk {
		cur, ok := current[ch.VendorID]
		switch {
		case res[i].Err != nil:
		case !ok:
			res[i].Err = &connector.Error{Class: connector.ClassNotFound, Message: "cortex xdr has no alert " + ch.VendorID}
		case alreadyIn(alertStatus(cur), write):
			res[i].State = connector.RemoteState{RemoteStatus: cur, Unchanged: true}
		default:
			todo = append(todo, ch.VendorID)
		}
	}
	if len(todo) == 0 {
		return nil
	}
	upd := alertUpdate{Status: write}
	if strings.TrimSpace(chunk[0].Reason) != "" && !chunk[0].CommentQueued {
		upd.Comment = chunk[0].Reason
	}
	done, err := c.updateAlerts(ctx, todo, upd)
	if err != nil {
		return fmt.Errorf("update %d cortex xdr alerts: %w", len(todo), err)
	}
	for i, ch := range chunk {
		if res[i].Err != nil || res[i].State.Unchanged {
			continue
		}
		if done[ch.VendorID] {
			res[i].State = connector.RemoteState{RemoteStatus: readStatusOf(write)}
		} else {
			res[i].Err = notConfirmed(ch.VendorID)
		}
	}
	return nil
}

// notConfirmed is the error of an alert update_alerts left out of its
// answer. Cortex XDR says nothing more, so it is retried.
func notConfirmed(id string) error {
	return &connector.Error{Class: connector.ClassRetryable, Message: "cortex xdr did not confirm the update of alert " + id}
}

// alertStatuses reads the resolution_status of up to 100 alerts.
func (c *core) alertStatuses(ctx context.Context, ids []string) (map[string]string, error) {
	out := make(map[string]string, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	nums := make([]int64, len(ids))
	for i, id := range ids {
		nums[i], _ = strconv.ParseInt(id, 10, 64) // checked by the caller
	}
	req := searchRequest{Filters: []filter{{Field: "alert_id_list", Operator: "in", Value: nums}}, SearchTo: len(ids)}
	var r struct {
		Alerts []alertWire `json:"alerts"`
	}
	if err := c.call(ctx, pathAlerts, req, &r); err != nil {
		return nil, err
	}
	for _, a := range r.Alerts {
		out[string(a.AlertID)] = a.ResolutionStatus
	}
	return out, nil
}

// updateAlerts sends one update_alerts and returns the ids it confirmed.
func (c *core) updateAlerts(ctx context.Context, ids []string, upd alertUpdate) (map[string]bool, error) {
	var r updateAlertsReply
	if err := c.call(ctx, pathUpdateAlerts, updateAlertsRequest{AlertIDList: ids, UpdateData: upd}, &r); err != nil {
		return nil, err
	}
	done := make(map[string]bool, len(r.AlertsIDs))
	for _, id := range r.AlertsIDs {
		done[string(id)] = true
	}
	return done, nil
}
