package sekoia

import "slices"

// Wire types of the SIC Alert API as its swagger (AlertsSchema,
// AlertDetailSchema, AlertCommentSchema, AlertStatusWorkflowSchema)
// declares them. Alert is both the stored record and the list item; the
// fields tagged "-" are what the detail answer and the console add.

// Alert is one alert.
type Alert struct {
	UUID          string    `json:"uuid"`
	ShortID       string    `json:"short_id"`
	Title         string    `json:"title"`
	CreatedAt     int64     `json:"created_at"`
	CreatedBy     string    `json:"created_by"`
	CreatedByType string    `json:"created_by_type"`
	UpdatedAt     int64     `json:"updated_at"`
	UpdatedBy     string    `json:"updated_by"`
	UpdatedByType string    `json:"updated_by_type"`
	CommunityUUID string    `json:"community_uuid"`
	Entity        Entity    `json:"entity"`
	Urgency       Urgency   `json:"urgency"`
	AlertType     AlertType `json:"alert_type"`
	Status        Status    `json:"status"`
	Rule          Rule      `json:"rule"`
	DetectionType string    `json:"detection_type"`
	Source        string    `json:"source"`
	Target        string    `json:"target"`
	Similar       int       `json:"similar"`
	Details       string    `json:"details"`
	TTPs          []Ref     `json:"ttps"`
	Adversaries   []Ref     `json:"adversaries"`
	// KillChainShortID is null on real alerts although the swagger types
	// it as a plain string (vendor-specs README, known limits).
	KillChainShortID *string  `json:"kill_chain_short_id"`
	UnseenComments   int      `json:"number_of_unseen_comments"`
	TotalComments    int      `json:"number_of_total_comments"`
	FirstSeenAt      string   `json:"first_seen_at"`
	LastSeenAt       string   `json:"last_seen_at"`
	Assets           []string `json:"assets"`
	IntakeUUIDs      []string `json:"intake_uuids"`

	Comments []Comment     `json:"-"`
	History  []HistoryItem `json:"-"`
}

// Entity is the Sekoia entity (a perimeter of the community) the alert
// belongs to.
type Entity struct {
	UUID string `json:"uuid"`
	Name string `json:"name"`
}

// Urgency is the alert's 0-100 urgency and its display band.
type Urgency struct {
	CurrentValue int    `json:"current_value"`
	Value        int    `json:"value"`
	Severity     int    `json:"severity"`
	Criticity    int    `json:"criticity"`
	Display      string `json:"display"`
}

// AlertType is the alert's STIX-like category and value.
type AlertType struct {
	Category string `json:"category"`
	Value    string `json:"value"`
}

// Rule is the detection rule that raised the alert.
type Rule struct {
	UUID     string `json:"uuid"`
	Name     string `json:"name"`
	Severity int    `json:"severity"`
	Type     string `json:"type"`
	Pattern  string `json:"pattern"`
}

// Ref is a TTP or an adversary.
type Ref struct {
	ID   string `json:"id"`
	Type string `json:"type"`
	Name string `json:"name"`
}

// Comment is AlertCommentSchema.
type Comment struct {
	UUID          string `json:"uuid"`
	Content       string `json:"content"`
	Author        string `json:"author"`
	Date          int64  `json:"date"`
	CreatedBy     string `json:"created_by"`
	CreatedByType string `json:"created_by_type"`
	Unseen        bool   `json:"unseen"`
}

// HistoryItem is one entry of the alert's history; a workflow action
// writes one with its comment [U: the service's entry for a workflow
// comment is not documented beyond the schema's fields].
type HistoryItem struct {
	UUID          string          `json:"uuid"`
	CreatedAt     int64           `json:"created_at"`
	CreatedBy     string          `json:"created_by"`
	CreatedByType string          `json:"created_by_type"`
	EntryType     string          `json:"entry_type"`
	Alert         *HistoryStatus  `json:"alert,omitempty"`
	Comment       *HistoryComment `json:"comment,omitempty"`
}

// HistoryStatus is a status change in the history.
type HistoryStatus struct {
	Status         string `json:"status"`
	PreviousStatus string `json:"previous_status"`
}

// HistoryComment is the comment a workflow action carried.
type HistoryComment struct {
	Content string `json:"content"`
}

// detail is GET /alerts/{uuid}'s answer: the alert with its comments,
// history and countermeasures (none in the emulator).
type detail struct {
	Alert
	Comments        []Comment     `json:"comments"`
	History         []HistoryItem `json:"history"`
	Countermeasures []any         `json:"countermeasures"`
}

// listReply is AlertsSchema; Total is left out when with_count=false.
type listReply struct {
	Items   []Alert `json:"items"`
	Total   *int    `json:"total,omitempty"`
	HasMore bool    `json:"has_more"`
}

// commentsReply is AlertCommentsSchema.
type commentsReply struct {
	Items []Comment `json:"items"`
	Total int       `json:"total"`
}

// workflowReply is AlertStatusWorkflowSchema.
type workflowReply struct {
	Actions []Action `json:"actions"`
}

// workflowBody is the PATCH .../workflow body.
type workflowBody struct {
	ActionUUID string  `json:"action_uuid"`
	Comment    *string `json:"comment"`
}

// commentBody is the POST .../comments body.
type commentBody struct {
	Content string `json:"content"`
	Author  string `json:"author"`
}

// errorBody is the {"message": ...} the API answers refusals with [U:
// the swagger declares no error body; this is the Flask-RESTX shape the
// service's resource names suggest].
type errorBody struct {
	Message string `json:"message"`
}

func (a Alert) clone() Alert {
	a.TTPs = slices.Clone(a.TTPs)
	a.Adversaries = slices.Clone(a.Adversaries)
	a.Assets = slices.Clone(a.Assets)
	a.IntakeUUIDs = slices.Clone(a.IntakeUUIDs)
	a.Comments = slices.Clone(a.Comments)
	a.History = slices.Clone(a.History)
	return a
}
