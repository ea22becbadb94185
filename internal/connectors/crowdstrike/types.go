package crowdstrike

import "encoding/json"

// Wire types of the Alerts API, holding only what alertsync reads or
// writes (gofalcon's detects.Alert, msa.MetaInfo, msa.APIError,
// msaspec.ActionParameter).

// alertWire is an alert as POST /alerts/combined/alerts/v1 returns it.
type alertWire struct {
	CompositeID    string      `json:"composite_id"`
	Name           string      `json:"name"`
	DisplayName    string      `json:"display_name"`
	Description    string      `json:"description"`
	Severity       *float64    `json:"severity"`
	SeverityName   string      `json:"severity_name"`
	Status         string      `json:"status"`
	Tags           []string    `json:"tags"`
	Resolution     *string     `json:"resolution"`
	Product        string      `json:"product"`
	SourceProducts []string    `json:"source_products"`
	Created        string      `json:"created_timestamp"`
	Updated        string      `json:"updated_timestamp"`
	UserName       string      `json:"user_name"`
	Filename       string      `json:"filename"`
	SHA256         string      `json:"sha256"`
	Device         *deviceWire `json:"device"`
	Incident       *struct {
		ID string `json:"id"`
	} `json:"incident"`
}

// deviceWire is the sensor host of an endpoint alert.
type deviceWire struct {
	Hostname      string `json:"hostname"`
	MachineDomain string `json:"machine_domain"`
	LocalIP       string `json:"local_ip"`
	ExternalIP    string `json:"external_ip"`
}

// meta is msa.MetaInfo as far as alertsync reads it.
type meta struct {
	Pagination struct {
		After string `json:"after"`
	} `json:"pagination"`
	Writes *struct {
		ResourcesAffected int `json:"resources_affected"`
	} `json:"writes"`
}

// apiError is msa.APIError; ID names the object an error is about.
type apiError struct {
	Code    int    `json:"code"`
	ID      string `json:"id"`
	Message string `json:"message"`
}

// combinedBody is the POST /alerts/combined/alerts/v1 request.
type combinedBody struct {
	After  string `json:"after,omitempty"`
	Filter string `json:"filter,omitempty"`
	Limit  int    `json:"limit"`
	Sort   string `json:"sort"`
}

// combinedReply is its answer.
type combinedReply struct {
	Meta      meta              `json:"meta"`
	Resources []json.RawMessage `json:"resources"`
	Errors    []apiError        `json:"errors"`
}

// action is one action parameter; values are always strings.
type action struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// patchBody is the PATCH /alerts/entities/alerts/v3 request.
type patchBody struct {
	CompositeIDs     []string `json:"composite_ids"`
	ActionParameters []action `json:"action_parameters"`
}

// patchReply is its answer: meta and errors, no resources.
type patchReply struct {
	Meta   meta       `json:"meta"`
	Errors []apiError `json:"errors"`
}
