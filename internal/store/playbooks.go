package store

import (
	"context"
	"encoding/json"
	"strconv"
	"time"

	"github.com/alertsync/alertsync/internal/model"
)

// Playbooks is what the store keeps of playbooks: their definitions (those
// managed through the API; files are read at start-up) and their runs,
// each with one record per step.
type Playbooks interface {
	PlaybookList(ctx context.Context) ([]StoredPlaybook, error)
	PlaybookGet(ctx context.Context, id string) (StoredPlaybook, error)
	RunGet(ctx context.Context, id int64) (Run, error)
	// RunList pages runs newest first (id descending, before BeforeID).
	RunList(ctx context.Context, p RunListParams) ([]Run, error)
	// StepList lists a run's step records in step order.
	StepList(ctx context.Context, runID int64) ([]StepRecord, error)
}

// PlaybookTx is the playbook part of a write transaction.
type PlaybookTx interface {
	PlaybookUpsert(ctx context.Context, p StoredPlaybook) error
	// PlaybookDelete removes a definition; its runs stay as history.
	PlaybookDelete(ctx context.Context, id string) error
	// RunInsertBatch stores new runs and sets their IDs. A run whose
	// Dedupe key is taken already is not stored and keeps ID 0: one
	// trigger event starts one run however often it is delivered.
	RunInsertBatch(ctx context.Context, runs []*Run) error
	// RunUpdate overwrites a run's status, nodes, next step, finish time,
	// error and group fields.
	RunUpdate(ctx context.Context, r Run) error
	// RunUpdateBatch is RunUpdate for many runs, in few statements; of
	// two updates of one run, the later wins.
	RunUpdateBatch(ctx context.Context, runs []Run) error
	// RunOpenGroup returns the playbook's run still gathering triggers at
	// now (GroupUntil after now, GroupCount under max), or ErrNotFound.
	RunOpenGroup(ctx context.Context, playbookID string, now time.Time, max int) (Run, error)
	// StepUpsert creates or replaces the record of one step of a run.
	StepUpsert(ctx context.Context, s StepRecord) error
	// StepUpsertBatch is StepUpsert for many records, in few statements;
	// of two records of one step, the later wins.
	StepUpsertBatch(ctx context.Context, steps []StepRecord) error
	// RunPrune walks, in id order, up to p.Limit runs after p.AfterID
	// that finished before p.Before, and deletes them with their step
	// records and their steps' outbox items. It skips a run one of whose
	// steps' items is unfinished (pending, leased, or dead: a dead letter
	// stays visible, and never names a run that is gone), and the
	// tenant's newest run, so that no store gives its id to a new run.
	// It returns how many runs it deleted and the id to walk on after, 0
	// once the walk has reached the end.
	RunPrune(ctx context.Context, p RunPruneParams) (deleted int, next int64, err error)
}

// RunPruneParams bound one step of RunPrune's walk.
type RunPruneParams struct {
	Before  time.Time
	AfterID int64
	Limit   int
}

// RunLanePrefix begins the outbox lane of a playbook's steps: each
// playbook's steps queue on a lane of their own, RunLanePrefix and the
// playbook's id, and name their run as RunObjectRef does.
const RunLanePrefix = "playbook:"

// RunObjectRef is the outbox object reference of a run's steps.
func RunObjectRef(runID int64) string { return "run/" + strconv.FormatInt(runID, 10) }

// Playbook origins: managed through the API, or read from a file.
const (
	OriginAPI  = "api"
	OriginFile = "file"
)

// StoredPlaybook is one definition, as YAML.
type StoredPlaybook struct {
	ID         string    `json:"id"`
	Definition string    `json:"definition"`
	Origin     string    `json:"origin"` // "api" or "file"
	UpdatedAt  time.Time `json:"updated_at"`
}

// Run statuses.
const (
	RunRunning   = "running"
	RunSucceeded = "succeeded"
	RunFailed    = "failed"
)

// Run is one run of a playbook.
type Run struct {
	ID         int64      `json:"id"`
	PlaybookID string     `json:"playbook_id"`
	Trigger    string     `json:"trigger"`
	ObjectKind model.Kind `json:"object_kind,omitempty"`
	ObjectID   int64      `json:"object_id,omitempty"`
	Status     string     `json:"status"`
	// Nodes are node.0 (what the trigger gave) and the output of each
	// step done so far, as a JSON array.
	Nodes json.RawMessage `json:"nodes"`
	// NextStep is the index of the next step to run (1-based: node N is
	// step N's output).
	NextStep   int       `json:"next_step"`
	StartedAt  time.Time `json:"started_at"`
	FinishedAt time.Time `json:"finished_at,omitzero"`
	Error      string    `json:"error,omitempty"`
	// Dedupe, when set, is unique: the trigger event's key.
	Dedupe string `json:"-"`
	// GroupUntil is when a grouping run stops gathering triggers (zero:
	// the run does not group); GroupCount how many it holds.
	GroupUntil time.Time `json:"group_until,omitzero"`
	GroupCount int       `json:"group_count,omitempty"`
	// DryRun marks a preview: rendered, never sent.
	DryRun bool `json:"dry_run,omitempty"`
}

// RunListParams page RunList.
type RunListParams struct {
	PlaybookID string
	Status     string
	BeforeID   int64
	Limit      int
}

// Step record statuses; StepSending marks a step whose request went out
// and whose outcome is not known yet (a crash between sending and
// recording leaves it so).
const (
	StepSending   = "sending"
	StepSucceeded = "succeeded"
	StepFailed    = "failed"
)

// StepRecord is what the run history keeps of one step.
type StepRecord struct {
	RunID int64  `json:"run_id"`
	Index int    `json:"index"`
	Name  string `json:"name"`
	Type  string `json:"type"`
	// Status is StepSending, StepSucceeded or StepFailed.
	Status string `json:"status"`
	// Input is the rendered request, secrets masked.
	Input json.RawMessage `json:"input,omitempty"`
	// Output is what the step returned (status, headers, body truncated).
	Output     json.RawMessage `json:"output,omitempty"`
	Attempts   int             `json:"attempts"`
	Duration   time.Duration   `json:"duration_ns"`
	Error      string          `json:"error,omitempty"`
	StartedAt  time.Time       `json:"started_at"`
	FinishedAt time.Time       `json:"finished_at,omitzero"`
}
