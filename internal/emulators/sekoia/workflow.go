package sekoia

import (
	"slices"
	"strings"
)

// Status is one of the five legacy alert statuses. The UUIDs are
// Sekoia's own (automation-library STATUS_UUIDS); the descriptions,
// except Ongoing's, are the emulator's wording of the documentation's
// status table [U].
type Status struct {
	UUID        string `json:"uuid"`
	Name        string `json:"name"`
	Description string `json:"description"`
}

// The legacy statuses.
var (
	Pending      = Status{"2efc4930-1442-4abb-acf2-58ba219a4fd0", "Pending", "The alert is waiting for action"}
	Acknowledged = Status{"8f206505-af6d-433e-93f4-775d46dc7d0f", "Acknowledged", "The alert is being analysed"}
	Ongoing      = Status{"1f2f88d5-ff5b-48bf-bbbc-00c2fff82d9f", "Ongoing", "Countermeasures will be applied"}
	Rejected     = Status{"4f68da89-38e0-4703-a6ab-652f02bdf24e", "Rejected", "The alert was a false positive"}
	Closed       = Status{"1738b1c1-767d-489e-bada-19176621a007", "Closed", "All necessary actions have been applied"}
)

// Statuses lists them in workflow order.
var Statuses = []Status{Pending, Acknowledged, Ongoing, Rejected, Closed}

// Action is one workflow action: GET .../workflow lists it as
// {"id","name","description"}; To is the status it leads to.
type Action struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Description string `json:"description"`
	To          string `json:"-"`
}

// The four workflow actions with Sekoia's ids and names (the
// documentation's "How to update an alert status" table).
var (
	Acknowledge = Action{"937bdabf-6a08-434b-b6d3-d7447e4e452a", "Acknowledge", "Acknowledge the alert", Acknowledged.UUID}
	Validate    = Action{"c39a0a95-aa2c-4d0d-8d2e-d3decf426eea", "Validate", "Validate the alert", Ongoing.UUID}
	Reject      = Action{"ade85d7b-7507-4026-bfc6-cc006d10ddac", "Reject", "Reject the alert", Rejected.UUID}
	Close       = Action{"1390be4e-ced8-4dd6-9bed-573471b235ab", "Close", "Close the alert", Closed.UUID}
)

// transitions is the legacy workflow as the documentation's status table
// gives it: Pending can be acknowledged, validated or rejected;
// Acknowledged validated or rejected; Ongoing closed or rejected; Closed
// and Rejected are final ("No action accepted"). Nothing leads back to
// Pending.
var transitions = map[string][]Action{
	Pending.UUID:      {Acknowledge, Validate, Reject},
	Acknowledged.UUID: {Validate, Reject},
	Ongoing.UUID:      {Close, Reject},
	Rejected.UUID:     {},
	Closed.UUID:       {},
}

// Allowed lists the actions the workflow offers from a status.
func Allowed(statusUUID string) []Action { return slices.Clone(transitions[statusUUID]) }

// resolve finds the action that action_uuid names from status: an
// action id, or, as the API also takes, the uuid of the status to set.
// A status is accepted only when one allowed action leads to it [U: the
// service's rule for a status given as action_uuid is not documented;
// this reading keeps the workflow's edges].
func resolve(statusUUID, actionUUID string) (Action, bool) {
	for _, a := range transitions[statusUUID] {
		if a.ID == actionUUID || a.To == actionUUID {
			return a, true
		}
	}
	return Action{}, false
}

// statusByUUID returns the status with this uuid.
func statusByUUID(id string) (Status, bool) {
	for _, s := range Statuses {
		if s.UUID == id {
			return s, true
		}
	}
	return Status{}, false
}

// StatusNamed returns the status with this name, ignoring case.
func StatusNamed(name string) (Status, bool) {
	for _, s := range Statuses {
		if strings.EqualFold(s.Name, name) {
			return s, true
		}
	}
	return Status{}, false
}
