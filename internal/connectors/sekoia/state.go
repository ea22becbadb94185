package sekoia

import (
	"context"
	"fmt"
	"net/http"
	"net/url"

	"github.com/alertsync/alertsync/internal/connector"
	"github.com/alertsync/alertsync/internal/model"
)

// maxReplans bounds how often one write re-reads the workflow after a
// 409 and tries another path: each 409 means the alert moved under us or
// the service refused a step the documentation allows.
const maxReplans = 2

// SetState moves one alert to the status ch maps to (see targetOf). It
// reads the alert first, to check its community and to report an alert
// already there as unchanged, then asks for the target status directly
// (the API takes a status uuid as action_uuid). When the workflow
// refuses that (409 "Invalid action given current status"), it reads
// the actions the workflow allows now and walks the shortest path of
// actions to the target, e.g. Pending -> Validate -> Ongoing -> Close ->
// Closed, the reason going with the last step; a target no path reaches
// is a permanent error saying why.
func (c *core) SetState(ctx context.Context, ch connector.StateChange) (connector.RemoteState, error) {
	target, err := checkChange(ch)
	if err != nil {
		return connector.RemoteState{}, err
	}
	cur, err := c.status(ctx, ch.VendorID)
	if err != nil {
		return connector.RemoteState{}, fmt.Errorf("read sekoia alert %s: %w", ch.VendorID, err)
	}
	if remoteStatus(cur) == target.name {
		return connector.RemoteState{RemoteStatus: target.name, Unchanged: true}, nil
	}
	if err := c.drive(ctx, ch.VendorID, target, reasonOf(ch)); err != nil {
		return connector.RemoteState{}, fmt.Errorf("move sekoia alert %s to %s: %w", ch.VendorID, target.name, err)
	}
	return connector.RemoteState{RemoteStatus: target.name}, nil
}

// checkChange validates what every write needs and returns its target.
func checkChange(ch connector.StateChange) (legacyStatus, error) {
	if ch.Kind != "" && ch.Kind != model.KindAlert {
		return legacyStatus{}, connector.Unsupported
	}
	if ch.VendorID == "" {
		return legacyStatus{}, connector.Permanent("set state needs a vendor id")
	}
	return targetOf(ch)
}

// status reads an alert's status, refusing an alert of another
// community as not found: the integration never writes to it.
func (c *core) status(ctx context.Context, id string) (statusWire, error) {
	var a alertWire
	q := url.Values{"comments": {"false"}, "history": {"false"}, "countermeasures": {"false"}}
	if err := c.get(ctx, "alerts/"+url.PathEscape(id), q, permView, &a); err != nil {
		return statusWire{}, err
	}
	if c.cfg.CommunityUUID != "" && a.CommunityUUID != c.cfg.CommunityUUID {
		return statusWire{}, otherCommunity(id)
	}
	return a.Status, nil
}

func otherCommunity(id string) error {
	return &connector.Error{Class: connector.ClassNotFound,
		Message: fmt.Sprintf("sekoia alert %s is not in the integration's community", id)}
}

// drive takes the alert to target: directly, else along a planned path.
func (c *core) drive(ctx context.Context, id string, target legacyStatus, comment *string) error {
	err := c.act(ctx, id, target.uuid, comment)
	for replan := 0; connector.ClassOf(err) == connector.ClassConflict; replan++ {
		if replan == maxReplans {
			return fmt.Errorf("the workflow refused every path %d times: %w", maxReplans, err)
		}
		c.log.DebugContext(ctx, "sekoia workflow refused the action; planning a path", "vendor_id", id, "target", target.name)
		var steps []action
		if steps, err = c.replan(ctx, id, target); err != nil || len(steps) == 0 {
			return err
		}
		err = c.walk(ctx, id, steps, comment)
	}
	return err
}

// replan reads the actions the workflow allows now and plans a path to
// target. No steps and no error means the alert is at target already
// (someone else moved it there).
func (c *core) replan(ctx context.Context, id string, target legacyStatus) ([]action, error) {
	var wf workflowReply
	if err := c.get(ctx, "alerts/"+url.PathEscape(id)+"/workflow", nil, permView, &wf); err != nil {
		return nil, err
	}
	if steps, ok := plan(known(wf.Actions), target); ok {
		return steps, nil
	}
	cur, err := c.status(ctx, id)
	if err != nil {
		return nil, err
	}
	if remoteStatus(cur) == target.name {
		return nil, nil
	}
	return nil, unreachable(id, remoteStatus(cur), wf.Actions, target)
}

// walk triggers each action in turn; the comment goes with the last.
func (c *core) walk(ctx context.Context, id string, steps []action, comment *string) error {
	for i, a := range steps {
		var note *string
		if i == len(steps)-1 {
			note = comment
		}
		if err := c.act(ctx, id, a.id, note); err != nil {
			return err
		}
		c.log.DebugContext(ctx, "sekoia workflow step", "vendor_id", id, "action", a.name, "status", a.to.name)
	}
	return nil
}

// act sends one PATCH .../workflow.
func (c *core) act(ctx context.Context, id, actionUUID string, comment *string) error {
	ref := "alerts/" + url.PathEscape(id) + "/workflow"
	return c.send(ctx, http.MethodPatch, ref, permStatus, workflowBody{ActionUUID: actionUUID, Comment: comment}, nil)
}
