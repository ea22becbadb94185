package defendercloud

import "github.com/alertsync/alertsync/internal/emulators/emukit"

// Alert statuses, as Defender for Cloud names them. An alert that does not
// say otherwise is Active.
const (
	StatusActive     = "Active"
	StatusInProgress = "InProgress"
	StatusResolved   = "Resolved"
	StatusDismissed  = "Dismissed"
)

// ProductName is what Defender for Cloud alerts still carry as their
// productName, and what Sentinel lists in alertProductNames.
const ProductName = "Azure Security Center"

// armTime is the timestamp layout of Microsoft.Security alerts: seven
// fractional digits and a literal Z.
const armTime = "2006-01-02T15:04:05.0000000Z"

// Alert is a Microsoft.Security/Locations/alerts resource on the wire.
type Alert struct {
	ID         string          `json:"id"`
	Name       string          `json:"name"`
	Type       string          `json:"type"`
	Properties AlertProperties `json:"properties"`
}

// AlertProperties are the alert's properties, in the order and spelling of
// api-version 2022-01-01.
type AlertProperties struct {
	Version              string              `json:"version"`
	AlertType            string              `json:"alertType"`
	SystemAlertID        string              `json:"systemAlertId"`
	ProductComponentName string              `json:"productComponentName,omitempty"`
	AlertDisplayName     string              `json:"alertDisplayName"`
	Description          string              `json:"description"`
	Severity             string              `json:"severity"`
	Intent               string              `json:"intent"`
	StartTimeUtc         string              `json:"startTimeUtc"`
	EndTimeUtc           string              `json:"endTimeUtc"`
	ResourceIdentifiers  []map[string]any    `json:"resourceIdentifiers"`
	RemediationSteps     []string            `json:"remediationSteps"`
	VendorName           string              `json:"vendorName"`
	Status               string              `json:"status"`
	ExtendedLinks        []map[string]string `json:"extendedLinks"`
	AlertURI             string              `json:"alertUri"`
	TimeGeneratedUtc     string              `json:"timeGeneratedUtc"`
	ProductName          string              `json:"productName"`
	ProcessingEndTimeUtc string              `json:"processingEndTimeUtc"`
	Entities             []map[string]any    `json:"entities"`
	IsIncident           bool                `json:"isIncident"`
	CorrelationKey       string              `json:"correlationKey,omitempty"`
	ExtendedProperties   map[string]string   `json:"extendedProperties"`
	CompromisedEntity    string              `json:"compromisedEntity"`
	Techniques           []string            `json:"techniques"`
	SubTechniques        []string            `json:"subTechniques"`
	SupportingEvidence   map[string]any      `json:"supportingEvidence,omitempty"`
}

// clone returns a deep copy, so callers never share maps with the store.
func (a Alert) clone() Alert { return emukit.DeepCopy(a) }

// validStatus reports whether s is one of the four alert statuses.
func validStatus(s string) bool {
	switch s {
	case StatusActive, StatusInProgress, StatusResolved, StatusDismissed:
		return true
	}
	return false
}

// actionStatus maps a state-change path segment to the status it sets.
// The segments are case-insensitive at ARM, but the documented spelling of
// the in-progress action is camelCase "inProgress".
var actionStatus = map[string]string{
	"activate":   StatusActive,
	"inProgress": StatusInProgress,
	"resolve":    StatusResolved,
	"dismiss":    StatusDismissed,
}
