package sentinelone

import (
	"context"
	"fmt"
	"strings"

	"github.com/alertsync/alertsync/internal/connector"
)

// batchMax is how many ids one bulk write carries. SentinelOne documents
// no cap on filter.ids; 1,000 matches the largest list page, so a write
// never names more objects than one read returns.
const batchMax = maxLimit

// MaxBatch tells the outbox how many changes one SetStates may carry.
func (c *core) MaxBatch() int { return batchMax }

// SetState writes one change; see SetStates.
func (c *core) SetState(ctx context.Context, ch connector.StateChange) (connector.RemoteState, error) {
	res, err := c.SetStates(ctx, []connector.StateChange{ch})
	if err != nil {
		return connector.RemoteState{}, err
	}
	return res[0].State, res[0].Err
}

// SetStates writes changes that agree in everything but the target:
// threats through /threats/analyst-verdict and /threats/incident with all
// their ids in each call, cloud-detection alerts through their own pair
// of endpoints. The incident status and analyst verdict go in separate
// calls, verdict first, so that a threat is never resolved without the
// verdict that resolved it (a threat whose verdict is refused is left out
// of the status call and fails alone). The reason text is not written:
// neither call has a field for it; comment sync posts it as a note.
//
// Each threat is reported by the service item by item (updated,
// already_set, not_changed, conditions_not_met, missing_permissions) and
// so is each change here; a change is Unchanged when both of its writes
// found the values already set. A call that fails as a whole fails its
// group's changes; when every group failed, the error is returned for
// the call.
func (c *core) SetStates(ctx context.Context, changes []connector.StateChange) ([]connector.ItemResult, error) {
	if len(changes) == 0 {
		return nil, nil
	}
	w, err := writeFor(changes[0])
	if err != nil {
		return nil, err
	}
	threats, cloud, err := split(changes)
	if err != nil {
		return nil, err
	}
	out := make([]connector.ItemResult, len(changes))
	groups, failed := 0, []error{}
	run := func(idx []int, send func(context.Context, []connector.StateChange, []int, write, []connector.ItemResult) error) {
		for _, g := range chunks(idx, batchMax) {
			groups++
			if err := send(ctx, changes, g, w, out); err != nil {
				failed = append(failed, err)
			}
		}
	}
	run(threats, c.writeThreats)
	if c.cfg.IncludeCloudDetections {
		run(cloud, c.writeCloud)
	} else {
		fail(out, cloud, connector.Permanent("cloud-detection alerts are not enabled (include_cloud_detections)"))
	}
	// Every change failed with its call: report the call's error, so the
	// outbox retries the batch as a whole.
	if groups > 0 && len(failed) == groups && (c.cfg.IncludeCloudDetections || len(cloud) == 0) {
		return nil, failed[0]
	}
	return out, nil
}

// split sorts the changes' indexes into threats and cloud-detection
// alerts by VendorID.
func split(changes []connector.StateChange) (threats, cloud []int, err error) {
	for i, ch := range changes {
		switch id, isCloud := strings.CutPrefix(ch.VendorID, CloudPrefix); {
		case id == "":
			return nil, nil, connector.Permanent("set state needs a vendor id")
		case isCloud:
			cloud = append(cloud, i)
		default:
			threats = append(threats, i)
		}
	}
	return threats, cloud, nil
}

// chunks splits idx into runs of at most n.
func chunks(idx []int, n int) [][]int {
	var out [][]int
	for len(idx) > 0 {
		k := min(n, len(idx))
		out = append(out, idx[:k])
		idx = idx[k:]
	}
	return out
}

func fail(out []connector.ItemResult, idx []int, err error) {
	for _, i := range idx {
		out[i] = connector.ItemResult{Err: err}
	}
}

// writeThreats writes one group of threats: the verdict call (when the
// change sets a verdict) for all of them, then the status call for those
// whose verdict was not refused. A call failing as a whole fails the
// group (and is returned).
func (c *core) writeThreats(ctx context.Context, changes []connector.StateChange, g []int, w write, out []connector.ItemResult) error {
	ids := make([]string, len(g))
	for k, i := range g {
		ids[k] = changes[i].VendorID
	}
	verdicts := map[string]string{}
	statusIDs := ids
	if w.verdict != "" {
		ans, err := c.post(ctx, "threats/analyst-verdict", ids, verdictData{w.verdict})
		if err != nil {
			err = fmt.Errorf("set analyst verdict of %d sentinelone threats: %w", len(ids), err)
			fail(out, g, err)
			return err
		}
		verdicts = results(ans)
		statusIDs = nil
		for _, id := range ids {
			if r, ok := verdicts[id]; ok && itemErr(id, "analyst verdict", r) == nil {
				statusIDs = append(statusIDs, id)
			}
		}
	}
	statuses := map[string]string{}
	if len(statusIDs) > 0 {
		ans, err := c.post(ctx, "threats/incident", statusIDs, incidentData{w.status})
		if err != nil {
			err = fmt.Errorf("set incident status of %d sentinelone threats: %w", len(statusIDs), err)
			fail(out, g, err)
			return err
		}
		statuses = results(ans)
	}
	for k, i := range g {
		out[i] = threatOutcome(ids[k], w, verdicts, statuses)
	}
	return nil
}

// results indexes a bulk answer's details by threat id.
func results(ans writeAnswer) map[string]string {
	m := make(map[string]string, len(ans.Data.Details))
	for _, d := range ans.Data.Details {
		m[d.ThreatID] = d.Result
	}
	return m
}

// threatOutcome is one threat's result from its two writes' details.
func threatOutcome(id string, w write, verdicts, statuses map[string]string) connector.ItemResult {
	unchanged := true
	if w.verdict != "" {
		r, ok := verdicts[id]
		if !ok {
			return connector.ItemResult{Err: notInScope(id)}
		}
		if err := itemErr(id, "analyst verdict", r); err != nil {
			return connector.ItemResult{Err: err}
		}
		unchanged = r != resultUpdated
	}
	r, ok := statuses[id]
	if !ok {
		return connector.ItemResult{Err: notInScope(id)}
	}
	if err := itemErr(id, "incident status", r); err != nil {
		return connector.ItemResult{Err: err}
	}
	return connector.ItemResult{State: connector.RemoteState{RemoteStatus: w.status, Unchanged: unchanged && r != resultUpdated}}
}

// Per-item results of the threat bulk writes.
const (
	resultUpdated            = "updated"
	resultNotChanged         = "not_changed"
	resultAlreadySet         = "already_set"
	resultConditionsNotMet   = "conditions_not_met"
	resultMissingPermissions = "missing_permissions"
)

// itemErr classifies one threat's result. conditions_not_met is a
// conflict: the threat is not in a state that allows the change now (it
// may be once its mitigation completes), so it is retried with backoff.
// missing_permissions is permanent: the token's user may not change that
// threat, and waiting will not change that; a person must grant the role.
// A result this connector does not know is a conflict too, retried a few
// times rather than dropped or taken for success.
func itemErr(id, what, result string) error {
	switch result {
	case resultUpdated, resultAlreadySet, resultNotChanged:
		return nil
	case resultMissingPermissions:
		return &connector.Error{Class: connector.ClassPermanent, Code: result,
			Message: fmt.Sprintf("sentinelone refused the %s of threat %s: the token's user lacks the permission", what, id)}
	case resultConditionsNotMet:
		return &connector.Error{Class: connector.ClassConflict, Code: result,
			Message: fmt.Sprintf("sentinelone did not change the %s of threat %s: its conditions are not met", what, id)}
	}
	return &connector.Error{Class: connector.ClassConflict, Code: result,
		Message: fmt.Sprintf("sentinelone did not change the %s of threat %s: unknown result %q", what, id, result)}
}

func notInScope(id string) error {
	return &connector.Error{Class: connector.ClassNotFound,
		Message: fmt.Sprintf("sentinelone matched no threat %s in the token's scope", id)}
}
