package sentinel

import "encoding/json"

// APIVersion is the Microsoft.SecurityInsights api-version this connector
// speaks.
const APIVersion = "2025-09-01"

// Incident statuses, as Sentinel spells them.
const (
	StatusNew    = "New"
	StatusActive = "Active"
	StatusClosed = "Closed"
)

// Classifications and reasons used when alertsync closes an incident.
const (
	ClassUndetermined   = "Undetermined"
	ClassTruePositive   = "TruePositive"
	ClassBenignPositive = "BenignPositive"
	ClassFalsePositive  = "FalsePositive"

	ReasonSuspiciousActivity    = "SuspiciousActivity"
	ReasonSuspiciousButExpected = "SuspiciousButExpected"
	ReasonIncorrectAlertLogic   = "IncorrectAlertLogic"
	ReasonInaccurateData        = "InaccurateData"
)

// incident is the part of a Microsoft.SecurityInsights/incidents resource
// the connector reads.
type incident struct {
	ID         string             `json:"id"`
	Name       string             `json:"name"`
	Etag       string             `json:"etag"`
	Properties incidentProperties `json:"properties"`
}

type incidentProperties struct {
	Title               string `json:"title"`
	Description         string `json:"description"`
	Severity            string `json:"severity"`
	Status              string `json:"status"`
	Classification      string `json:"classification"`
	CreatedTimeUtc      string `json:"createdTimeUtc"`
	LastModifiedTimeUtc string `json:"lastModifiedTimeUtc"`
}

// rawIncident keeps a listed incident's bytes next to its decoded form.
type rawIncident struct {
	raw json.RawMessage
	inc incident
	err error
}

// UnmarshalJSON keeps the raw bytes; a decode failure is kept, not
// returned, so one odd incident does not fail the whole page.
func (r *rawIncident) UnmarshalJSON(b []byte) error {
	r.raw = append(json.RawMessage(nil), b...)
	r.err = json.Unmarshal(b, &r.inc)
	return nil
}

// incidentAlert is one SecurityAlert entity of Incidents_ListAlerts.
type incidentAlert struct {
	Name       string `json:"name"`
	Properties struct {
		SystemAlertID string `json:"systemAlertId"`
	} `json:"properties"`
}

// alertList is the Incidents_ListAlerts answer (not paged).
type alertList struct {
	Value []incidentAlert `json:"value"`
}

// readOnlyProperties are the incident properties the server owns; a PUT
// must not send them back (the spec marks them readOnly).
var readOnlyProperties = []string{
	"additionalData", "createdTimeUtc", "incidentUrl", "incidentNumber", "lastModifiedTimeUtc",
	"providerName", "providerIncidentId", "relatedAnalyticRuleIds", "teamInformation",
}
