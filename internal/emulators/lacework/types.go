package lacework

import (
	"strconv"
	"time"
)

// Alert is one alert as the emulator keeps it: what the listing shows,
// plus what each scope of GET /api/v2/Alerts/{id} adds. Field names of
// the wire types follow the Go SDK (api/alerts*.go) and the sample
// assembled alert Red Canary publishes.
type Alert struct {
	ID               int        `json:"alertId"`
	Name             string     `json:"alertName"`
	Type             string     `json:"alertType"`
	Severity         string     `json:"severity"`
	Status           string     `json:"status"`
	Start            time.Time  `json:"startTime"`
	End              time.Time  `json:"endTime"`
	UserUpdated      time.Time  `json:"userUpdated,omitzero"`
	Subject          string     `json:"subject"`
	Description      string     `json:"description"`
	Category         string     `json:"category"`
	SubCategory      string     `json:"subCategory"`
	Source           string     `json:"source"`
	PolicyID         string     `json:"policyId"`
	AlertSource      string     `json:"alertSource"`
	Reachability     string     `json:"reachability"`
	InternetExposure string     `json:"internetExposure"`
	CloseReason      *int       `json:"closeReason,omitempty"`
	Entities         EntityMap  `json:"entityMap"`
	Investigation    []QA       `json:"investigation"`
	Events           []Event    `json:"events"`
	Related          []Related  `json:"related"`
	Integrations     []Channel  `json:"integrations"`
	Timeline         []Timeline `json:"timeline"`
}

// EntityMap is the Details scope's entityMap: entity type to entities,
// each a KEY and its PROPS (the SDK's fixture; the entity types are those
// of Lacework's event details).
type EntityMap map[string][]Entity

// Entity is one entity of an entityMap.
type Entity struct {
	Key   map[string]any `json:"KEY"`
	Props map[string]any `json:"PROPS,omitempty"`
}

// QA is one question of the Investigation scope.
type QA struct {
	Question string `json:"question"`
	Answer   string `json:"answer"`
}

// Event is one row of the Events scope: the raw activity record, whose
// fields depend on the source (CloudTrail, agent).
type Event map[string]any

// Related is one row of the RelatedAlerts scope.
type Related struct {
	EventType string `json:"eventType"`
	EventID   string `json:"eventId"`
	Severity  string `json:"severity"`
	StartTime string `json:"startTime"`
	EndTime   string `json:"endTime"`
	Rank      int    `json:"rank"`
	EventInfo info   `json:"eventInfo"`
	EventName string `json:"eventName"`
}

// Channel is one row of the Integrations scope: an alert channel the
// alert was sent to.
type Channel struct {
	AlertChannel       map[string]any `json:"alertChannel"`
	AlertIntegrationID string         `json:"alertIntegrationId"`
	AlertID            int            `json:"alertId"`
	IntegrationType    string         `json:"integrationType"`
	IntegrationContext map[string]any `json:"integrationContext"`
	IntgGUID           string         `json:"intgGuid"`
	LastSyncTime       string         `json:"lastSyncTime"`
	Status             string         `json:"status"`
	IsBidirectional    bool           `json:"isBidirectional"`
}

// Timeline is one row of the Timeline scope (the SDK's AlertTimeline),
// and what POST .../comment answers with.
type Timeline struct {
	ID              int            `json:"id"`
	AlertID         int            `json:"alertId"`
	EntryType       string         `json:"entryType"`
	EntryAuthorType string         `json:"entryAuthorType"`
	Message         value          `json:"message"`
	ExternalTime    string         `json:"externalTime"`
	User            user           `json:"user"`
	UpdateContext   map[string]any `json:"updateContext"`
}

type value struct {
	Value string `json:"value"`
}

type user struct {
	UserGUID string `json:"userGuid"`
	Username string `json:"username"`
}

type info struct {
	Subject     string `json:"subject"`
	Description string `json:"description"`
}

type derived struct {
	Category    string `json:"category"`
	SubCategory string `json:"sub_category"`
	Source      string `json:"source"`
}

// item is an alert as GET /api/v2/Alerts lists it, in the order of the
// fact sheet's example.
type item struct {
	AlertID             int     `json:"alertId"`
	StartTime           string  `json:"startTime"`
	AlertType           string  `json:"alertType"`
	Severity            string  `json:"severity"`
	InternetExposure    string  `json:"internetExposure,omitempty"`
	Reachability        string  `json:"reachability"`
	DerivedFields       derived `json:"derivedFields"`
	EndTime             string  `json:"endTime"`
	LastUserUpdatedTime string  `json:"lastUserUpdatedTime"`
	Status              string  `json:"status"`
	AlertName           string  `json:"alertName"`
	AlertInfo           info    `json:"alertInfo"`
	PolicyID            string  `json:"policyId"`
	AlertSource         string  `json:"alertSource"`
	EvolvingAlert       bool    `json:"evolvingAlert"`
}

// details is the Details scope: the listed alert and its entityMap.
type details struct {
	item
	EntityMap EntityMap `json:"entityMap"`
}

// wireTime is the API's time format (the SDK's lwtime.RFC3339Milli).
func wireTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

func (a *Alert) item() item {
	updated := "0"
	if !a.UserUpdated.IsZero() {
		updated = strconv.FormatInt(a.UserUpdated.UnixMilli(), 10)
	}
	return item{
		AlertID: a.ID, StartTime: wireTime(a.Start), AlertType: a.Type, Severity: a.Severity,
		InternetExposure: a.InternetExposure, Reachability: a.Reachability,
		DerivedFields: derived{a.Category, a.SubCategory, a.Source}, EndTime: wireTime(a.End),
		LastUserUpdatedTime: updated, Status: a.Status, AlertName: a.Name,
		AlertInfo: info{a.Subject, a.Description}, PolicyID: a.PolicyID, AlertSource: a.AlertSource,
	}
}
