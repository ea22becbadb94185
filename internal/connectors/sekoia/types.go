package sekoia

import "encoding/json"

// Wire types of the SIC Alert API and the HTTP intake, holding only what
// alertsync reads or writes (swagger AlertsSchema, AlertDetailSchema,
// AlertStatusWorkflowSchema, AlertCommentSchema; the intake's documented
// JSON forms).

// alertWire is an alert as GET /v1/sic/alerts lists it and GET
// /v1/sic/alerts/{uuid} returns it.
type alertWire struct {
	UUID          string `json:"uuid"`
	ShortID       string `json:"short_id"`
	Title         string `json:"title"`
	CreatedAt     int64  `json:"created_at"`
	UpdatedAt     int64  `json:"updated_at"`
	CommunityUUID string `json:"community_uuid"`
	Entity        *struct {
		UUID string `json:"uuid"`
		Name string `json:"name"`
	} `json:"entity"`
	Urgency *urgencyWire `json:"urgency"`
	Status  statusWire   `json:"status"`
	Rule    *struct {
		Name string `json:"name"`
	} `json:"rule"`
	Source  string `json:"source"`
	Target  string `json:"target"`
	Details string `json:"details"`
}

// urgencyWire is an alert's urgency: 0-100 and its display word.
type urgencyWire struct {
	CurrentValue *int   `json:"current_value"`
	Value        *int   `json:"value"`
	Display      string `json:"display"`
}

// statusWire is an alert's status.
type statusWire struct {
	UUID string `json:"uuid"`
	Name string `json:"name"`
}

// listReply is the answer of GET /v1/sic/alerts. Items stay raw so each
// alert's Raw is the vendor's JSON verbatim.
type listReply struct {
	Items   []json.RawMessage `json:"items"`
	Total   *int              `json:"total"`
	HasMore bool              `json:"has_more"`
}

// actionWire is one action GET .../workflow lists.
type actionWire struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// workflowReply is AlertStatusWorkflowSchema: the actions the alert's
// status allows (after a PATCH: the new status's).
type workflowReply struct {
	Actions []actionWire `json:"actions"`
}

// workflowBody is the PATCH .../workflow (and bulk) body; a nil Comment
// is sent as null, as Sekoia's own client does.
type workflowBody struct {
	ActionUUID string  `json:"action_uuid"`
	Comment    *string `json:"comment"`
}

// commentBody is the POST .../comments body.
type commentBody struct {
	Content string `json:"content"`
	Author  string `json:"author"`
}

// commentWire is one comment as GET .../comments lists it.
type commentWire struct {
	Content string `json:"content"`
}

// commentsReply is AlertCommentsSchema.
type commentsReply struct {
	Items []commentWire `json:"items"`
	Total int           `json:"total"`
}

// intakeBatch is POST {intake}/batch; intakeOne is POST {intake}/.
type intakeBatch struct {
	IntakeKey string   `json:"intake_key"`
	JSONs     []string `json:"jsons"`
}

type intakeOne struct {
	IntakeKey string `json:"intake_key"`
	JSON      string `json:"json"`
}

// intakeReply holds both intake answers: {"event_id"} and {"event_ids"}.
type intakeReply struct {
	EventID  string   `json:"event_id"`
	EventIDs []string `json:"event_ids"`
}
