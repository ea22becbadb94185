package cortexxdr

import (
	"context"
	"fmt"
	"strings"

	"github.com/alertsync/alertsync/internal/connector"
	"github.com/alertsync/alertsync/internal/model"
)

// setIncident writes an incident's status with update_incident. It reads
// the incident first and leaves one already in the state alone (reported
// Unchanged, with the status read), so a replay adds no second comment.
// The reason, unless comment sync posts it (CommentQueued), is the
// resolve_comment when resolving (update_incident takes one only then)
// and a comment added to the thread otherwise.
func (c *core) setIncident(ctx context.Context, ch connector.StateChange) (connector.RemoteState, error) {
	if ch.VendorID == "" {
		return connector.RemoteState{}, connector.Permanent("set state needs a vendor id")
	}
	write, err := writeStatus(ch)
	if err != nil {
		return connector.RemoteState{}, err
	}
	cur, err := c.incidentStatus(ctx, ch.VendorID)
	if err != nil {
		return connector.RemoteState{}, fmt.Errorf("read cortex xdr incident %s: %w", ch.VendorID, err)
	}
	if alreadyIn(incidentStatus(cur), write) {
		return connector.RemoteState{RemoteStatus: cur, Unchanged: true}, nil
	}
	upd := incidentUpdate{Status: write}
	if reason := strings.TrimSpace(ch.Reason); reason != "" && !ch.CommentQueued {
		if incidentStatus(write) == model.StatusResolved {
			upd.ResolveComment = ch.Reason
		} else {
			upd.Comment = &commentAction{Action: "add", Value: ch.Reason}
		}
	}
	if err := c.call(ctx, pathUpdateIncident, updateIncidentRequest{IncidentID: ch.VendorID, UpdateData: upd}, nil); err != nil {
		return connector.RemoteState{}, fmt.Errorf("update cortex xdr incident %s: %w", ch.VendorID, err)
	}
	return connector.RemoteState{RemoteStatus: write}, nil
}

// incidentStatus reads one incident's status.
func (c *core) incidentStatus(ctx context.Context, id string) (string, error) {
	req := searchRequest{Filters: []filter{{Field: "incident_id_list", Operator: "in", Value: []string{id}}}, SearchTo: 1}
	var r struct {
		Incidents []incidentWire `json:"incidents"`
	}
	if err := c.call(ctx, pathIncidents, req, &r); err != nil {
		return "", err
	}
	if len(r.Incidents) == 0 {
		return "", &connector.Error{Class: connector.ClassNotFound, Message: "cortex xdr has no incident " + id}
	}
	return r.Incidents[0].Status, nil
}

// AddComment comments on an alert or an incident.
//
// A Cortex XDR alert holds one comment, its resolution comment, and
// update_alerts' comment replaces it: a comment on an alert overwrites
// the one before (alertsync's or an analyst's), so comment sync on alerts
// keeps one comment current rather than a history. Writing the same text
// again changes nothing, so a retried comment never appears twice.
//
// An incident has a comment thread; update_incident adds to it. The API
// cannot list the thread, so a retried comment whose first attempt
// landed may appear twice.
func (c *core) AddComment(ctx context.Context, a connector.CommentAction) error {
	if a.VendorID == "" || strings.TrimSpace(a.Body) == "" {
		return connector.Permanent("add comment needs a vendor id and a body")
	}
	if a.Kind == model.KindIncident {
		req := updateIncidentRequest{IncidentID: a.VendorID, UpdateData: incidentUpdate{Comment: &commentAction{Action: "add", Value: a.Body}}}
		if err := c.call(ctx, pathUpdateIncident, req, nil); err != nil {
			return fmt.Errorf("comment on cortex xdr incident %s: %w", a.VendorID, err)
		}
		return nil
	}
	done, err := c.updateAlerts(ctx, []string{a.VendorID}, alertUpdate{Comment: a.Body})
	if err != nil {
		return fmt.Errorf("comment on cortex xdr alert %s: %w", a.VendorID, err)
	}
	if !done[a.VendorID] {
		return notConfirmed(a.VendorID)
	}
	return nil
}
