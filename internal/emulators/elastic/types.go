package elastic

import (
	"slices"
	"time"

	"github.com/alertsync/alertsync/internal/emulators/emukit"
)

// Field names of the security alerts index that the emulator reads or
// writes (kibana rule_registry technical fields).
const (
	fieldTimestamp     = "@timestamp"
	fieldUUID          = "kibana.alert.uuid"
	fieldStatus        = "kibana.alert.workflow_status"
	fieldStatusAt      = "kibana.alert.workflow_status_updated_at"
	fieldUser          = "kibana.alert.workflow_user"
	fieldReason        = "kibana.alert.workflow_reason"
	fieldTags          = "kibana.alert.workflow_tags"
	fieldBuildingBlock = "kibana.alert.building_block_type"
	fieldRuleName      = "kibana.alert.rule.name"
	fieldSeverity      = "kibana.alert.severity"
)

// timeLayout is how Kibana writes times: UTC with milliseconds.
const timeLayout = "2006-01-02T15:04:05.000Z"

func stamp(t time.Time) string { return t.UTC().Format(timeLayout) }

// doc is one alert document as the alerts index stores it.
type doc struct {
	id, index, space string
	seq              int   // insertion order, the scroll order of update_by_query
	seqNo            int64 // bumped on every reindex, as Elasticsearch's _seq_no
	source           map[string]any
}

// Alert is a read-only view of one alert for tests and the console.
type Alert struct {
	ID    string
	Index string
	Space string
	// Status is kibana.alert.workflow_status; Reason its close reason
	// (kibana.alert.workflow_reason), empty when there is none.
	Status    string
	Reason    string
	StatusAt  string // kibana.alert.workflow_status_updated_at, "" when never changed
	User      string // kibana.alert.workflow_user
	Tags      []string
	RuleName  string
	Severity  string
	Timestamp string
	// BuildingBlock alerts are hidden from the Alerts page by default.
	BuildingBlock bool
	// Source is a deep copy of the whole document.
	Source map[string]any
}

func (d *doc) view() Alert {
	a := d.summary()
	a.Source = emukit.DeepCopy(d.source)
	return a
}

// summary is view without the source document, whose deep copy is most
// of a view's cost: what a console listing needs.
func (d *doc) summary() Alert {
	src := d.source
	a := Alert{
		ID: d.id, Index: d.index, Space: d.space,
		Status: first(src, fieldStatus), Reason: first(src, fieldReason), StatusAt: first(src, fieldStatusAt),
		User: first(src, fieldUser), RuleName: first(src, fieldRuleName), Severity: first(src, fieldSeverity),
		Timestamp: first(src, fieldTimestamp), BuildingBlock: len(values(src, fieldBuildingBlock)) > 0,
	}
	for _, v := range values(src, fieldTags) {
		if s, ok := v.(string); ok {
			a.Tags = append(a.Tags, s)
		}
	}
	return a
}

// Note is a note on an alert, a saved object of type "siem-ui-timeline-note".
type Note struct {
	NoteID     string  `json:"noteId"`
	Version    string  `json:"version"`
	EventID    *string `json:"eventId"`
	Note       *string `json:"note"`
	TimelineID string  `json:"timelineId"`
	Created    *int64  `json:"created"`
	CreatedBy  *string `json:"createdBy"`
	Updated    *int64  `json:"updated"`
	UpdatedBy  *string `json:"updatedBy"`

	space string
	seq   int
}

func (n Note) clone() Note {
	return n // pointers are never written through once stored
}

// Text is the note's text, "" when null.
func (n Note) Text() string {
	if n.Note == nil {
		return ""
	}
	return *n.Note
}

// statuses are the values of AlertStatus (alert.schema.yaml); in-progress
// is legacy and the UI offers the other three.
var statuses = []string{"open", "closed", "acknowledged", "in-progress"}

// defaultReasons is DefaultClosingReasonSchema, the close reasons every
// space accepts; a space may add its own (Options.CustomReasons).
var defaultReasons = []string{"false_positive", "duplicate", "true_positive", "benign_positive", "automated_closure", "other"}

func validStatus(s string) bool { return slices.Contains(statuses, s) }
