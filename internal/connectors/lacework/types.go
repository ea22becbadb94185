package lacework

import "encoding/json"

// Wire types of the alerts API v2, holding only what alertsync reads or
// writes (the Go SDK's api/alerts*.go).

// alertWire is an alert as GET /api/v2/Alerts lists it (and as the
// Details scope repeats it).
type alertWire struct {
	AlertID   *int64 `json:"alertId"`
	AlertName string `json:"alertName"`
	AlertType string `json:"alertType"`
	Severity  string `json:"severity"`
	Status    string `json:"status"`
	StartTime string `json:"startTime"`
	EndTime   string `json:"endTime"`
	// LastUserUpdatedTime is "0" until a person changes the alert (the
	// SDK's struct tag says lastUserUpdateTime; the service and its
	// fixtures say lastUserUpdatedTime).
	LastUserUpdatedTime json.RawMessage `json:"lastUserUpdatedTime"`
	AlertInfo           struct {
		Subject     string `json:"subject"`
		Description string `json:"description"`
	} `json:"alertInfo"`
	DerivedFields struct {
		Category    string `json:"category"`
		SubCategory string `json:"sub_category"`
		Source      string `json:"source"`
	} `json:"derivedFields"`
	AlertSource string `json:"alertSource"`
	PolicyID    string `json:"policyId"`
}

// listReply is GET /api/v2/Alerts's answer (the SDK's AlertsResponse and
// V2Pagination).
type listReply struct {
	Paging struct {
		Rows      int `json:"rows"`
		TotalRows int `json:"totalRows"`
		URLs      struct {
			NextPage *string `json:"nextPage"`
		} `json:"urls"`
	} `json:"paging"`
	Data []json.RawMessage `json:"data"`
}

// scopeReply is GET /api/v2/Alerts/{id}?scope=X's answer: the scope's
// content under data (an object for Details, a list for the others).
type scopeReply struct {
	Data json.RawMessage `json:"data"`
}

// entityWire is one entity of the Details scope's entityMap.
type entityWire struct {
	Key   map[string]any `json:"KEY"`
	Props map[string]any `json:"PROPS"`
}

// detailsWire is what mapping reads of the Details scope.
type detailsWire struct {
	Status    string                  `json:"status"`
	EntityMap map[string][]entityWire `json:"entityMap"`
}

// timelineWire is one Timeline entry (the SDK's AlertTimeline).
type timelineWire struct {
	EntryType string `json:"entryType"`
	Message   struct {
		Value string `json:"value"`
	} `json:"message"`
}

// commentBody is POST /api/v2/Alerts/{id}/comment's body.
type commentBody struct {
	Comment string `json:"comment"`
}

// closeBody is POST /api/v2/Alerts/{id}/close's body (the SDK's
// AlertCloseRequest; comment is required with reason 0).
type closeBody struct {
	Reason  int    `json:"reason"`
	Comment string `json:"comment"`
}
