package elastic

import "encoding/json"

// Wire types of the Kibana detections and timeline APIs, holding only
// what alertsync reads or writes.

// Field names of the security alerts index (rule_registry technical
// fields and ECS).
const (
	fieldTimestamp     = "@timestamp"
	fieldUUID          = "kibana.alert.uuid"
	fieldStatus        = "kibana.alert.workflow_status"
	fieldStatusAt      = "kibana.alert.workflow_status_updated_at"
	fieldReason        = "kibana.alert.workflow_reason"
	fieldBuildingBlock = "kibana.alert.building_block_type"
)

// searchBody is QueryAlertsBodyParams. Size is always sent: without it
// Elasticsearch returns 10 hits.
type searchBody struct {
	Query  any      `json:"query,omitempty"`
	Sort   []any    `json:"sort,omitempty"`
	Size   int      `json:"size"`
	Source []string `json:"_source,omitempty"`
}

// searchResponse is the raw Elasticsearch search answer.
type searchResponse struct {
	Hits struct {
		Hits []json.RawMessage `json:"hits"`
	} `json:"hits"`
}

// hitWire is what the connector reads of a hit besides its _source.
type hitWire struct {
	ID     string                     `json:"_id"`
	Index  string                     `json:"_index"`
	Source map[string]json.RawMessage `json:"_source"`
	Sort   []json.RawMessage          `json:"sort"`
}

// statusBody is SetAlertsStatusByIds; Reason only with status closed.
type statusBody struct {
	SignalIDs []string `json:"signal_ids"`
	Status    string   `json:"status"`
	Reason    string   `json:"reason,omitempty"`
}

// byQueryResponse is Elasticsearch's update_by_query answer.
type byQueryResponse struct {
	Total            int              `json:"total"`
	Updated          int              `json:"updated"`
	Noops            int              `json:"noops"`
	VersionConflicts int              `json:"version_conflicts"`
	Failures         []byQueryFailure `json:"failures"`
}

// byQueryFailure is one document's failure in an update_by_query answer.
type byQueryFailure struct {
	ID     string `json:"id"`
	Status int    `json:"status"`
	Cause  struct {
		Type   string `json:"type"`
		Reason string `json:"reason"`
	} `json:"cause"`
}

// noteBody is the PATCH /api/note body. An empty timelineId attaches the
// note to the alert alone, as the alert flyout's Notes tab does
// (unconfirmed beyond the flyout's behaviour).
type noteBody struct {
	Note struct {
		EventID    string `json:"eventId"`
		Note       string `json:"note"`
		TimelineID string `json:"timelineId"`
	} `json:"note"`
}

// notesResponse is GET /api/note's answer.
type notesResponse struct {
	TotalCount int `json:"totalCount"`
	Notes      []struct {
		NoteID  string  `json:"noteId"`
		EventID *string `json:"eventId"`
		Note    *string `json:"note"`
	} `json:"notes"`
}
