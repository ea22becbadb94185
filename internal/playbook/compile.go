package playbook

import (
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/alertsync/alertsync/internal/engine"
	"github.com/alertsync/alertsync/internal/model"
	"github.com/alertsync/alertsync/internal/playbook/condition"
	"github.com/alertsync/alertsync/internal/playbook/egress"
	"github.com/alertsync/alertsync/internal/playbook/template"
)

// Playbook is a definition checked and compiled once: its condition, its
// templates and its egress guard are ready to run.
type Playbook struct {
	Def       Definition
	condition *condition.Condition
	steps     []compiledStep
	guard     egress.Guard
}

// compiledStep is a step with its templates compiled; nil ones are unset.
type compiledStep struct {
	Step
	object, url, json, body, text *template.Template
	headers, query                map[string]*template.Template
	timeout                       time.Duration
}

// Defaults and bounds of a playbook's settings.
const (
	DefaultStepTimeout = 10 * time.Second
	MaxStepTimeout     = 2 * time.Minute
	DefaultConcurrency = 4
	MaxConcurrency     = 64
	MaxSteps           = 32
	DefaultAttempts    = 5
)

var (
	idPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,63}$`)
	triggers  = []string{engine.TriggerAlertCreated, engine.TriggerAlertUpdated, engine.TriggerVerdictSet,
		engine.TriggerIncidentCreated, engine.TriggerIncidentClosed, engine.TriggerValidationPass,
		TriggerSchedule, TriggerManual}
	stepTypes = []string{StepGetAlert, StepGetIncident, StepHTTP, StepSetVerdict, StepAddComment, StepPush, StepCallPlaybook}
)

// Compile checks a definition and compiles it. Every problem is named
// with where it is ("step 2 (Request URL): url: ..."), so a playbook is
// refused when it is saved, not when it first runs.
func Compile(d Definition, secret func(string) (string, bool)) (*Playbook, error) {
	if err := d.checkHead(); err != nil {
		return nil, fmt.Errorf("playbook %q: %w", d.ID, err)
	}
	p := &Playbook{Def: d, guard: egress.Guard{Allow: d.Allow}}
	if err := p.guard.Validate(); err != nil {
		return nil, fmt.Errorf("playbook %q: allow: %w", d.ID, err)
	}
	if d.Condition != "" {
		c, err := condition.Compile(d.Condition)
		if err != nil {
			return nil, fmt.Errorf("playbook %q: condition: %w", d.ID, err)
		}
		p.condition = c
	}
	opts := template.Options{Secret: secret}
	if d.Missing == "empty" {
		opts.Missing = template.MissingEmpty
	}
	for i, s := range d.Steps {
		cs, err := compileStep(s, opts)
		if err != nil {
			return nil, fmt.Errorf("playbook %q: step %d (%s): %w", d.ID, i+1, s.label(), err)
		}
		p.steps = append(p.steps, cs)
	}
	return p, nil
}

func (d Definition) checkHead() error {
	switch {
	case !idPattern.MatchString(d.ID):
		return errors.New("id must be 1 to 64 lower-case letters, digits, - or _, starting with a letter or digit")
	case !slices.Contains(triggers, d.Trigger.Type):
		return fmt.Errorf("trigger type %q is not one of %s", d.Trigger.Type, strings.Join(triggers, ", "))
	case d.Trigger.Type == TriggerSchedule && time.Duration(d.Trigger.Every) < time.Minute:
		return errors.New("a schedule trigger needs every: of at least 1m")
	case len(d.Trigger.Fields) > 0 && d.Trigger.Type != engine.TriggerAlertUpdated:
		return errors.New("trigger fields apply to alert_updated only")
	case d.Missing != "" && d.Missing != "error" && d.Missing != "empty":
		return fmt.Errorf("missing must be error or empty, not %q", d.Missing)
	case len(d.Steps) == 0 || len(d.Steps) > MaxSteps:
		return fmt.Errorf("a playbook has 1 to %d steps", MaxSteps)
	case d.Concurrency < 0 || d.Concurrency > MaxConcurrency || d.RatePerMinute < 0:
		return fmt.Errorf("concurrency must be 0 (the default, %d) to %d, and rate_per_minute not negative", DefaultConcurrency, MaxConcurrency)
	case d.Group != nil && (time.Duration(d.Group.Wait) <= 0 || d.Group.Max < 0):
		return errors.New("group needs a positive wait and a max of zero (none) or more")
	}
	return nil
}

func (s Step) label() string {
	if s.Name != "" {
		return s.Name
	}
	return s.Type
}

func compileStep(s Step, o template.Options) (compiledStep, error) {
	cs := compiledStep{Step: s, timeout: time.Duration(s.Timeout)}
	if !slices.Contains(stepTypes, s.Type) {
		return cs, fmt.Errorf("type %q is not one of %s", s.Type, strings.Join(stepTypes, ", "))
	}
	if cs.timeout == 0 {
		cs.timeout = DefaultStepTimeout
	}
	if cs.timeout < 0 || cs.timeout > MaxStepTimeout {
		return cs, fmt.Errorf("timeout must be between 0 and %s", MaxStepTimeout)
	}
	if s.Retry != nil && (s.Retry.Attempts < 1 || s.Retry.Attempts > 20) {
		return cs, errors.New("retry attempts must be 1 to 20")
	}
	var err error
	compile := func(field, src string, json bool) *template.Template {
		if src == "" || err != nil {
			return nil
		}
		oo := o
		oo.JSON = json
		t, cerr := template.Compile(field, src, oo)
		if cerr != nil {
			err = fmt.Errorf("%s: %w", field, cerr)
		}
		return t
	}
	cs.object = compile("object", s.Object, false)
	cs.text = compile("text", s.Text, false)
	switch s.Type {
	case StepHTTP:
		// compile records a template's error in err itself.
		if herr := cs.compileHTTP(compile); herr != nil {
			err = herr
		}
	case StepSetVerdict:
		if !model.Verdict(s.Verdict).Valid() {
			err = fmt.Errorf("verdict %q is not one of not_a_threat, suspicious, highly_suspicious, threat", s.Verdict)
		}
	case StepAddComment:
		if s.Text == "" {
			err = errors.New("add_comment needs text")
		}
	case StepPush:
		if s.Integration == "" {
			err = errors.New("push needs the integration taking the event")
		}
	case StepCallPlaybook:
		if !idPattern.MatchString(s.Playbook) {
			err = errors.New("call_playbook needs the id of the playbook to call")
		}
	}
	return cs, err
}

func (cs *compiledStep) compileHTTP(compile func(field, src string, json bool) *template.Template) error {
	s := cs.Step
	method := strings.ToUpper(s.Method)
	if method == "" {
		method = http.MethodPost
	}
	if !slices.Contains([]string{"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"}, method) {
		return fmt.Errorf("method %q is not one of get, post, put, patch, delete, head", s.Method)
	}
	cs.Method = method
	if s.URL == "" {
		return errors.New("http needs a url")
	}
	if s.JSON != "" && s.Body != "" {
		return errors.New("give json or body, not both")
	}
	if err := s.Auth.check(); err != nil {
		return err
	}
	cs.url = compile("url", s.URL, false)
	cs.json = compile("json", s.JSON, true)
	cs.body = compile("body", s.Body, false)
	cs.headers, cs.query = map[string]*template.Template{}, map[string]*template.Template{}
	for k, v := range s.Headers {
		if strings.EqualFold(k, "Authorization") && !strings.Contains(v, "secret(") {
			return errors.New("headers: an Authorization header must come from a secret: use auth, or secret(\"name\")")
		}
		cs.headers[k] = compile("headers."+k, v, false)
	}
	for k, v := range s.Query {
		cs.query[k] = compile("query."+k, v, false)
	}
	return nil
}

// check refuses credentials written in a definition: they are named.
func (a *Auth) check() error {
	if a == nil {
		return nil
	}
	switch a.Type {
	case "", "none":
		return nil
	case "basic":
		if a.Username == "" || a.Password == "" {
			return errors.New("auth basic needs username and password_secret (the name of a secret)")
		}
	case "bearer":
		if a.Token == "" {
			return errors.New("auth bearer needs token_secret (the name of a secret)")
		}
	default:
		return fmt.Errorf("auth type %q is not one of none, basic, bearer", a.Type)
	}
	return nil
}
