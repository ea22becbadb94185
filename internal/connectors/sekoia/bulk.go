package sekoia

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/alertsync/alertsync/internal/connector"
)

// maxBatch is how many alerts one bulk write carries: the most one list
// request reads back (limit 100), since the bulk answer says nothing per
// alert and alertsync reads the alerts before and after.
const maxBatch = maxLimit

// MaxBatch tells the outbox how many alerts one write may group.
func (c *core) MaxBatch() int { return maxBatch }

// SetStates writes changes that agree in everything but the alert.
// PATCH /v1/sic/alerts/bulk/workflow answers 204 with no result per
// alert, so alertsync uses it only where it is safe and checks after:
// it lists the alerts (one request, which also drops those of other
// communities), groups them by current status, and sends one bulk
// action per group of two or more alerts whose status the documented
// workflow lets go straight to the target. It then lists them again:
// an alert that did not move (the bulk skips an alert that cannot take
// the action, or refuses the group with 409) is written alone by
// SetState, as are alerts whose target is more than one step away. Each
// change gets its own result.
func (c *core) SetStates(ctx context.Context, changes []connector.StateChange) ([]connector.ItemResult, error) {
	if len(changes) == 0 {
		return nil, nil
	}
	target, err := checkChange(changes[0])
	if err != nil {
		return nil, err
	}
	for _, ch := range changes {
		if ch.VendorID == "" {
			return nil, connector.Permanent("set state needs a vendor id")
		}
	}
	if len(changes) == 1 {
		st, err := c.SetState(ctx, changes[0])
		if err != nil {
			return nil, err
		}
		return []connector.ItemResult{{State: st}}, nil
	}
	before, err := c.statuses(ctx, vendorIDs(changes))
	if err != nil {
		return nil, fmt.Errorf("read %d sekoia alerts: %w", len(changes), err)
	}
	out := make([]connector.ItemResult, len(changes))
	single := c.bulkGroups(ctx, changes, before, target, out)
	for _, i := range single {
		out[i].State, out[i].Err = c.SetState(ctx, changes[i])
	}
	return out, nil
}

// bulkGroups settles what it can in bulk and fills out for those; it
// returns the indexes of changes left for SetState.
func (c *core) bulkGroups(ctx context.Context, changes []connector.StateChange, before map[string]statusWire,
	target legacyStatus, out []connector.ItemResult) []int {
	groups := map[string][]int{} // action id -> change indexes
	var single []int
	for i, ch := range changes {
		st, found := before[ch.VendorID]
		cur, known := statusOf(st)
		switch {
		case !found:
			out[i].Err = fmt.Errorf("read sekoia alert %s: %w", ch.VendorID, otherCommunityOrGone(ch.VendorID))
		case remoteStatus(st) == target.name:
			out[i].State = connector.RemoteState{RemoteStatus: target.name, Unchanged: true}
		default:
			if a, ok := direct(cur, target); known && ok {
				groups[a.id] = append(groups[a.id], i)
			} else {
				single = append(single, i)
			}
		}
	}
	for id, idx := range groups {
		single = append(single, c.bulkOne(ctx, changes, idx, id, target, out)...)
	}
	return single
}

// bulkOne sends one bulk action for the changes at idx, then reads them
// back; it returns the indexes of those that did not reach target.
func (c *core) bulkOne(ctx context.Context, changes []connector.StateChange, idx []int, actionID string,
	target legacyStatus, out []connector.ItemResult) []int {
	if len(idx) < 2 {
		return idx
	}
	ids := make([]string, len(idx))
	for n, i := range idx {
		ids[n] = changes[i].VendorID
	}
	q := url.Values{"match[uuid]": {strings.Join(ids, ",")}}
	body := workflowBody{ActionUUID: actionID, Comment: reasonOf(changes[idx[0]])}
	if err := c.send(ctx, http.MethodPatch, "alerts/bulk/workflow?"+q.Encode(), permStatus, body, nil); err != nil {
		c.log.DebugContext(ctx, "sekoia bulk workflow refused; writing alone", "alerts", len(ids), "err", err)
		return idx
	}
	after, err := c.statuses(ctx, ids)
	if err != nil {
		c.log.DebugContext(ctx, "sekoia bulk workflow not read back; writing alone", "alerts", len(ids), "err", err)
		return idx
	}
	var left []int
	for _, i := range idx {
		if st, ok := after[changes[i].VendorID]; ok && remoteStatus(st) == target.name {
			out[i].State = connector.RemoteState{RemoteStatus: target.name}
			continue
		}
		left = append(left, i)
	}
	return left
}

// statuses lists the alerts with these uuids in the integration's
// community and returns their statuses by uuid.
func (c *core) statuses(ctx context.Context, ids []string) (map[string]statusWire, error) {
	q := c.scope(url.Values{"match[uuid]": {strings.Join(ids, ",")}, "limit": {strconv.Itoa(maxLimit)}})
	var rep listReply
	if err := c.get(ctx, "alerts", q, permView, &rep); err != nil {
		return nil, err
	}
	out := make(map[string]statusWire, len(rep.Items))
	for _, raw := range rep.Items {
		var a alertWire
		if json.Unmarshal(raw, &a) != nil {
			continue
		}
		if c.cfg.CommunityUUID == "" || a.CommunityUUID == c.cfg.CommunityUUID {
			out[a.UUID] = a.Status
		}
	}
	return out, nil
}

// otherCommunityOrGone is the error for an alert the community's list
// does not hold: deleted, unknown, or another community's.
func otherCommunityOrGone(id string) error {
	return &connector.Error{Class: connector.ClassNotFound,
		Message: fmt.Sprintf("sekoia lists no alert %s in the integration's community", id)}
}

func vendorIDs(changes []connector.StateChange) []string {
	out := make([]string, len(changes))
	for i, ch := range changes {
		out[i] = ch.VendorID
	}
	return out
}
