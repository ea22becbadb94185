package cortexxdr

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
)

// Wire types of the Cortex XDR public API, holding only what alertsync
// reads or writes. Every call is a POST of {"request_data":{…}} answered
// with {"reply":…}.

// request is the envelope every call sends.
type request struct {
	RequestData any `json:"request_data"`
}

// reply is the envelope every call answers with.
type reply[T any] struct {
	Reply T `json:"reply"`
}

// searchRequest is a listing call's request_data.
type searchRequest struct {
	Filters    []filter  `json:"filters,omitempty"`
	SearchFrom int       `json:"search_from"`
	SearchTo   int       `json:"search_to"`
	Sort       *sortSpec `json:"sort,omitempty"`
}

// filter is one condition; conditions are ANDed.
type filter struct {
	Field    string `json:"field"`
	Operator string `json:"operator"`
	Value    any    `json:"value"`
}

type sortSpec struct {
	Field   string `json:"field"`
	Keyword string `json:"keyword"`
}

// searchReply is what get_alerts_multi_events and get_incidents answer;
// records stay raw so each keeps its verbatim payload.
type searchReply struct {
	TotalCount int               `json:"total_count"`
	Alerts     []json.RawMessage `json:"alerts"`
	Incidents  []json.RawMessage `json:"incidents"`
}

// flexID is an id the API sends as a number in some places (case_id) and
// as a string in others (alert_id, incident_id).
type flexID string

// UnmarshalJSON reads a string, an integer or null.
func (f *flexID) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if bytes.Equal(b, []byte("null")) {
		*f = ""
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		*f = flexID(s)
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return fmt.Errorf("id %s is neither a string nor a number", b)
	}
	if _, err := strconv.ParseInt(n.String(), 10, 64); err != nil {
		return fmt.Errorf("id %s is not a whole number", b)
	}
	*f = flexID(n.String())
	return nil
}

// alertWire is an alert as the searches and get_incident_extra_data
// return it.
type alertWire struct {
	AlertID            flexID  `json:"alert_id"`
	CaseID             flexID  `json:"case_id"`
	Name               string  `json:"name"`
	Description        string  `json:"description"`
	Category           string  `json:"category"`
	Severity           string  `json:"severity"`
	Source             string  `json:"source"`
	DetectionTimestamp int64   `json:"detection_timestamp"`
	LocalInsertTS      int64   `json:"local_insert_ts"`
	LastModifiedTS     int64   `json:"last_modified_ts"`
	HostName           string  `json:"host_name"`
	HostIP             string  `json:"host_ip"`
	UserName           string  `json:"user_name"`
	ResolutionStatus   string  `json:"resolution_status"`
	ResolutionComment  *string `json:"resolution_comment"`
	ActorImageName     *string `json:"actor_process_image_name"`
	ActorImageSHA256   *string `json:"actor_process_image_sha256"`
	ActionRemoteIP     *string `json:"action_remote_ip"`
	// MITRE fields are strings ("TA0004 - Privilege Escalation") in the
	// examples and lists in some tenants; both are read.
	MitreTactic    json.RawMessage `json:"mitre_tactic_id_and_name"`
	MitreTechnique json.RawMessage `json:"mitre_technique_id_and_name"`
}

// incidentWire is an incident as get_incidents and the extra-data calls
// return it.
type incidentWire struct {
	IncidentID       flexID   `json:"incident_id"`
	IncidentName     *string  `json:"incident_name"`
	Description      string   `json:"description"`
	Status           string   `json:"status"`
	Severity         string   `json:"severity"`
	ManualSeverity   *string  `json:"manual_severity"`
	CreationTime     int64    `json:"creation_time"`
	ModificationTime int64    `json:"modification_time"`
	AlertCount       int      `json:"alert_count"`
	Hosts            []string `json:"hosts"`
	Users            []string `json:"users"`
}

// extraData is one incident of get_incident_extra_data and
// get_multiple_incidents_extra_data, of which alertsync reads the member
// alert ids and how many there are.
type extraData struct {
	Incident struct {
		IncidentID flexID `json:"incident_id"`
		AlertCount int    `json:"alert_count"`
	} `json:"incident"`
	Alerts struct {
		TotalCount int `json:"total_count"`
		Data       []struct {
			AlertID flexID `json:"alert_id"`
		} `json:"data"`
	} `json:"alerts"`
}

type multiExtraReply struct {
	Incidents []extraData `json:"incidents"`
}

// updateAlertsRequest is update_alerts' request_data; empty fields are
// left out, so a write never clears what an analyst set.
type updateAlertsRequest struct {
	AlertIDList []string    `json:"alert_id_list"`
	UpdateData  alertUpdate `json:"update_data"`
}

type alertUpdate struct {
	Status  string `json:"status,omitempty"`
	Comment string `json:"comment,omitempty"`
}

type updateAlertsReply struct {
	AlertsIDs []flexID `json:"alerts_ids"`
}

// updateIncidentRequest is update_incident's request_data.
type updateIncidentRequest struct {
	IncidentID string         `json:"incident_id"`
	UpdateData incidentUpdate `json:"update_data"`
}

type incidentUpdate struct {
	Status         string         `json:"status,omitempty"`
	ResolveComment string         `json:"resolve_comment,omitempty"`
	Comment        *commentAction `json:"comment,omitempty"`
}

// commentAction adds one comment to an incident's thread.
type commentAction struct {
	Action string `json:"comment_action"`
	Value  string `json:"value"`
}
