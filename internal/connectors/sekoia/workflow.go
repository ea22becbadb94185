package sekoia

import (
	"fmt"
	"strings"

	"github.com/alertsync/alertsync/internal/connector"
)

// action is one action of Sekoia's alert workflow, with the id and name
// the documentation gives ("How to update an alert status") and the
// status it leads to.
type action struct {
	id, name string
	to       legacyStatus
}

var (
	actAcknowledge = action{"937bdabf-6a08-434b-b6d3-d7447e4e452a", "Acknowledge", stAcknowledged}
	actValidate    = action{"c39a0a95-aa2c-4d0d-8d2e-d3decf426eea", "Validate", stOngoing}
	actReject      = action{"ade85d7b-7507-4026-bfc6-cc006d10ddac", "Reject", stRejected}
	actClose       = action{"1390be4e-ced8-4dd6-9bed-573471b235ab", "Close", stClosed}
)

var actions = []action{actAcknowledge, actValidate, actReject, actClose}

// graph is the workflow the documentation's status table draws: Pending
// can be acknowledged, validated or rejected; Acknowledged validated or
// rejected; Ongoing closed or rejected; Rejected and Closed take no
// action. Nothing leads back to Pending, so alertsync cannot reopen an
// alert.
var graph = map[string][]action{
	stPending.uuid:      {actAcknowledge, actValidate, actReject},
	stAcknowledged.uuid: {actValidate, actReject},
	stOngoing.uuid:      {actClose, actReject},
}

// direct is the action that takes from to to in one step.
func direct(from, to legacyStatus) (action, bool) {
	for _, a := range graph[from.uuid] {
		if a.to == to {
			return a, true
		}
	}
	return action{}, false
}

// known maps the actions the service lists (GET .../workflow) to the
// actions alertsync knows, by id and else by name; an action it does not
// know (a custom workflow's) is left out, since where it leads is
// unknown.
func known(listed []actionWire) []action {
	var out []action
	for _, l := range listed {
		for _, a := range actions {
			if l.ID == a.id || l.ID == "" && strings.EqualFold(l.Name, a.name) {
				out = append(out, a)
				break
			}
		}
	}
	return out
}

// plan is the shortest path of actions to target whose first action is
// one of first (what the service allows now) and whose later ones follow
// graph. It reports false when no such path exists.
func plan(first []action, target legacyStatus) ([]action, bool) {
	type node struct {
		at   legacyStatus
		path []action
	}
	var queue []node
	visited := map[string]bool{}
	for _, a := range first {
		if !visited[a.to.uuid] {
			visited[a.to.uuid] = true
			queue = append(queue, node{a.to, []action{a}})
		}
	}
	for len(queue) > 0 {
		n := queue[0]
		queue = queue[1:]
		if n.at == target {
			return n.path, true
		}
		for _, a := range graph[n.at.uuid] {
			if !visited[a.to.uuid] {
				visited[a.to.uuid] = true
				queue = append(queue, node{a.to, append(append([]action{}, n.path...), a)})
			}
		}
	}
	return nil, false
}

// unreachable is the error for a target no path of actions leads to:
// permanent, since the workflow will not change its mind, and worded
// for the person reading the dead letter.
func unreachable(id, current string, listed []actionWire, target legacyStatus) error {
	offers := "no action (the status is final)"
	if len(listed) > 0 {
		names := make([]string, len(listed))
		for i, l := range listed {
			names[i] = l.Name
		}
		offers = "only " + strings.Join(names, ", ")
	}
	msg := fmt.Sprintf("sekoia alert %s is %s and its workflow offers %s: no path of actions leads to %s",
		id, current, offers, target.name)
	if target == stPending {
		msg += " (Sekoia's workflow has no way back to Pending, so alertsync cannot reopen the alert)"
	}
	return &connector.Error{Class: connector.ClassPermanent, Code: "unreachable_status", Message: msg}
}
