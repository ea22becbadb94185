// Package playbook runs playbooks: a trigger (an alert created, a verdict
// set, a schedule...), an optional condition, and ordered steps (get the
// alert, call a URL with a templated body, set a verdict, comment, push
// to an intake, call another playbook), each step's output available to
// the later ones as node.N, as in Sekoia.io's playbooks. Definitions are
// YAML; runs are durable: every step with an effect is an outbox action,
// so a crash resumes a run and a step that is not idempotent is never
// sent twice.
package playbook

import (
	"bytes"
	"fmt"
	"time"

	"gopkg.in/yaml.v3"
)

// Trigger types.
const (
	TriggerAlertCreated    = "alert_created"
	TriggerAlertUpdated    = "alert_updated"
	TriggerVerdictSet      = "verdict_set"
	TriggerIncidentCreated = "incident_created"
	TriggerIncidentClosed  = "incident_closed"
	TriggerValidationPass  = "validation_pass"
	TriggerSchedule        = "schedule"
	TriggerManual          = "manual"
)

// Step types.
const (
	StepGetAlert     = "get_alert"
	StepGetIncident  = "get_incident"
	StepHTTP         = "http"
	StepSetVerdict   = "set_verdict"
	StepAddComment   = "add_comment"
	StepPush         = "push"
	StepCallPlaybook = "call_playbook"
)

// Definition is one playbook as written in YAML.
type Definition struct {
	ID          string  `yaml:"id" json:"id"`
	Name        string  `yaml:"name" json:"name"`
	Description string  `yaml:"description,omitempty" json:"description,omitempty"`
	Enabled     *bool   `yaml:"enabled,omitempty" json:"enabled,omitempty"`
	Trigger     Trigger `yaml:"trigger" json:"trigger"`
	// Condition is an expression over alert / incident that must hold
	// for a run to start, e.g. `alert.severity >= 70`.
	Condition string `yaml:"condition,omitempty" json:"condition,omitempty"`
	// Missing says what a template does with a field that is not there:
	// "error" (the default: the step fails naming it) or "empty".
	Missing string `yaml:"missing,omitempty" json:"missing,omitempty"`
	// Allow lists the hosts, host:ports, IPs or CIDRs the playbook may
	// reach although they are loopback, private or link-local.
	Allow []string `yaml:"allow,omitempty" json:"allow,omitempty"`
	// Concurrency bounds the playbook's steps in flight; RatePerMinute
	// its runs started a minute. Zero: the defaults.
	Concurrency   int `yaml:"concurrency,omitempty" json:"concurrency,omitempty"`
	RatePerMinute int `yaml:"rate_per_minute,omitempty" json:"rate_per_minute,omitempty"`
	// Group, when set, gathers triggers for up to Wait (or Max of them)
	// into one run whose node.0 holds them all, for tools taking arrays.
	Group *Group `yaml:"group,omitempty" json:"group,omitempty"`
	Steps []Step `yaml:"steps" json:"steps"`
}

// Trigger says what starts a run.
type Trigger struct {
	Type string `yaml:"type" json:"type"`
	// Fields, for alert_updated, are the alert fields whose change
	// triggers (status, verdict, severity...); empty means any.
	Fields []string `yaml:"fields,omitempty" json:"fields,omitempty"`
	// Every, for schedule, is the interval between runs.
	Every Duration `yaml:"every,omitempty" json:"every,omitempty"`
}

// Group batches triggers into one run.
type Group struct {
	Wait Duration `yaml:"wait" json:"wait"`
	Max  int      `yaml:"max,omitempty" json:"max,omitempty"`
}

// Step is one block of a playbook.
type Step struct {
	Name string `yaml:"name,omitempty" json:"name,omitempty"`
	Type string `yaml:"type" json:"type"`

	// get_alert / get_incident / set_verdict / add_comment / push: the
	// object, as a template; empty means the trigger's object.
	Object string `yaml:"object,omitempty" json:"object,omitempty"`

	// http
	Method  string            `yaml:"method,omitempty" json:"method,omitempty"`
	URL     string            `yaml:"url,omitempty" json:"url,omitempty"`
	Headers map[string]string `yaml:"headers,omitempty" json:"headers,omitempty"`
	Query   map[string]string `yaml:"query,omitempty" json:"query,omitempty"`
	// JSON is a template whose rendering must be JSON; Body a raw one.
	JSON            string   `yaml:"json,omitempty" json:"json,omitempty"`
	Body            string   `yaml:"body,omitempty" json:"body,omitempty"`
	Auth            *Auth    `yaml:"auth,omitempty" json:"auth,omitempty"`
	Timeout         Duration `yaml:"timeout,omitempty" json:"timeout,omitempty"`
	FailOnHTTPError *bool    `yaml:"fail_on_http_error,omitempty" json:"fail_on_http_error,omitempty"`

	// set_verdict
	Verdict   string `yaml:"verdict,omitempty" json:"verdict,omitempty"`
	Published bool   `yaml:"published,omitempty" json:"published,omitempty"`
	// add_comment text, set_verdict reason.
	Text string `yaml:"text,omitempty" json:"text,omitempty"`
	// push: the integration taking the event.
	Integration string `yaml:"integration,omitempty" json:"integration,omitempty"`
	// call_playbook: the playbook to run with this run's node.0.
	Playbook string `yaml:"playbook,omitempty" json:"playbook,omitempty"`

	// Retry is how often a failing step is tried; Idempotent says the
	// target tolerates a request repeated after a crash left its outcome
	// unknown (an http step is not, unless it says so).
	Retry      *Retry `yaml:"retry,omitempty" json:"retry,omitempty"`
	Idempotent bool   `yaml:"idempotent,omitempty" json:"idempotent,omitempty"`
}

// Auth is an http step's authentication. Secrets are named, never
// written: Token, Password name a secret of the hub's secret store.
type Auth struct {
	Type     string `yaml:"type" json:"type"` // none, basic, bearer
	Username string `yaml:"username,omitempty" json:"username,omitempty"`
	Password string `yaml:"password_secret,omitempty" json:"password_secret,omitempty"`
	Token    string `yaml:"token_secret,omitempty" json:"token_secret,omitempty"`
}

// Retry is a step's retry policy.
type Retry struct {
	Attempts int `yaml:"attempts" json:"attempts"`
}

// Duration is a time.Duration written as "30s" in YAML and JSON.
type Duration time.Duration

// UnmarshalYAML reads "30s".
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	var s string
	if err := n.Decode(&s); err != nil {
		return err
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("line %d: %q is not a duration like 30s", n.Line, s)
	}
	*d = Duration(v)
	return nil
}

// MarshalYAML writes "30s".
func (d Duration) MarshalYAML() (any, error) { return time.Duration(d).String(), nil }

// MarshalText writes "30s" in JSON.
func (d Duration) MarshalText() ([]byte, error) { return []byte(time.Duration(d).String()), nil }

// UnmarshalText reads "30s" from JSON.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return fmt.Errorf("%q is not a duration like 30s", b)
	}
	*d = Duration(v)
	return nil
}

// Parse reads one definition strictly: an unknown key is an error, so a
// misspelt setting is not silently ignored.
func Parse(src []byte) (Definition, error) {
	var d Definition
	dec := yaml.NewDecoder(bytes.NewReader(src))
	dec.KnownFields(true)
	if err := dec.Decode(&d); err != nil {
		return d, fmt.Errorf("read playbook: %w", err)
	}
	return d, nil
}

// IsEnabled reports whether runs may start; a definition is enabled
// unless it says otherwise.
func (d Definition) IsEnabled() bool { return d.Enabled == nil || *d.Enabled }
