package defendercloud

import "encoding/json"

// APIVersion is the Microsoft.Security/alerts api-version this connector
// speaks; it is the latest stable one.
const APIVersion = "2022-01-01"

// Alert statuses, as Defender for Cloud spells them.
const (
	StatusActive     = "Active"
	StatusInProgress = "InProgress"
	StatusResolved   = "Resolved"
	StatusDismissed  = "Dismissed"
)

// alert is the part of a Microsoft.Security/Locations/alerts resource the
// connector reads. The verbatim JSON travels separately as Item.Raw.
type alert struct {
	ID         string          `json:"id"`
	Name       string          `json:"name"`
	Properties alertProperties `json:"properties"`
}

type alertProperties struct {
	AlertType            string               `json:"alertType"`
	SystemAlertID        string               `json:"systemAlertId"`
	ProductComponentName string               `json:"productComponentName"`
	ProductName          string               `json:"productName"`
	AlertDisplayName     string               `json:"alertDisplayName"`
	Description          string               `json:"description"`
	Severity             string               `json:"severity"`
	Status               string               `json:"status"`
	StartTimeUtc         string               `json:"startTimeUtc"`
	EndTimeUtc           string               `json:"endTimeUtc"`
	TimeGeneratedUtc     string               `json:"timeGeneratedUtc"`
	ProcessingEndTimeUtc string               `json:"processingEndTimeUtc"`
	CompromisedEntity    string               `json:"compromisedEntity"`
	ResourceIdentifiers  []resourceIdentifier `json:"resourceIdentifiers"`
	Entities             []map[string]any     `json:"entities"`
}

// resourceIdentifier is the discriminated union of AzureResource and
// LogAnalytics identifiers.
type resourceIdentifier struct {
	Type            string `json:"type"`
	AzureResourceID string `json:"azureResourceId"`
	WorkspaceID     string `json:"workspaceId"`
	AgentID         string `json:"agentId"`
}

// rawAlert keeps a listed alert's bytes next to its decoded form.
type rawAlert struct {
	raw json.RawMessage
	a   alert
	err error
}

// UnmarshalJSON keeps the raw bytes; a decode failure is kept, not
// returned, so one odd alert does not fail the whole page.
func (r *rawAlert) UnmarshalJSON(b []byte) error {
	r.raw = append(json.RawMessage(nil), b...)
	r.err = json.Unmarshal(b, &r.a)
	return nil
}
