package template

import (
	"context"
	"fmt"
	"time"

	"github.com/nikolalohinski/gonja/v2/exec"
)

// stateKey holds the per-render state in the gonja context. It starts with
// a NUL byte, which no template identifier can contain, so a template
// cannot reach it.
const stateKey = "\x00render"

// workFactor sizes the budget for values built while rendering (strings
// joined, replaced, repeated) as a multiple of MaxBytes; it is what stops a
// chain of {% set %} from doubling a string until memory runs out.
const workFactor = 16

// renderState is everything one render counts and checks. Every checkpoint
// (a write, a printed expression, a loop iteration, a guarded operator)
// calls check, so the render stops soon after a limit is crossed.
type renderState struct {
	ctx        context.Context
	t          *Template
	deadline   time.Time
	out        output
	ticks      uint
	iterations int
	work       int
	secrets    []string
	err        *RenderError
}

func newState(ctx context.Context, t *Template) *renderState {
	st := &renderState{ctx: ctx, t: t, deadline: time.Now().Add(t.opts.Timeout)}
	st.out = output{st: st, max: t.opts.MaxBytes, isJSON: t.opts.JSON}
	return st
}

// stateOf finds the render's state from inside a filter or function.
func stateOf(e *exec.Evaluator) *renderState {
	v, _ := e.Environment.Context.Get(stateKey)
	st, _ := v.(*renderState)
	return st
}

// check stops the render once it has failed, been cancelled or run past its
// deadline. The clock is read on every eighth checkpoint: reading it costs
// about as much as a short expression, and eight checkpoints are each
// bounded by the size checks.
func (s *renderState) check() error {
	if s.err != nil {
		return s.err
	}
	s.ticks++
	if s.ticks&7 != 1 {
		return nil
	}
	if err := s.ctx.Err(); err != nil {
		return s.fail(err, "render cancelled: "+err.Error())
	}
	if time.Now().After(s.deadline) {
		return s.fail(ErrTimeout, fmt.Sprintf("render took longer than %s", s.t.opts.Timeout))
	}
	return nil
}

// iterate counts n loop iterations or range() items against the budget.
func (s *renderState) iterate(n int) error {
	s.iterations += n
	if s.iterations > s.t.opts.MaxIterations {
		return s.fail(ErrBudget, fmt.Sprintf("more than %d loop iterations", s.t.opts.MaxIterations))
	}
	return s.check()
}

// allow checks, before building it, that a value of n bytes fits both the
// output cap and the render's work budget, and charges it.
func (s *renderState) allow(n int) error {
	if n < 0 || n > s.t.opts.MaxBytes {
		return s.fail(ErrTooLarge, fmt.Sprintf("a value would exceed %d bytes", s.t.opts.MaxBytes))
	}
	s.work += n
	if s.work > workFactor*s.t.opts.MaxBytes {
		return s.fail(ErrBudget, fmt.Sprintf("values built while rendering exceed %d bytes", workFactor*s.t.opts.MaxBytes))
	}
	return s.check()
}

// fail records the first failure; later checkpoints keep returning it.
func (s *renderState) fail(kind error, msg string) *RenderError {
	if s.err == nil {
		s.err = s.renderError(kind, msg)
	}
	return s.err
}

func (s *renderState) renderError(kind error, msg string) *RenderError {
	return s.lineError(kind, 0, "", msg)
}

func (s *renderState) lineError(kind error, line int, path, msg string) *RenderError {
	forms := s.secretForms()
	return &RenderError{Template: s.t.name, Line: line, Path: redact(path, forms), Msg: redact(msg, forms), Kind: kind}
}

// secretForms lists each secret used as written raw and as escaped once and
// twice for JSON strings (the forms it can take in the output), longest
// first for redact.
func (s *renderState) secretForms() []string {
	if len(s.secrets) == 0 {
		return nil
	}
	seen := map[string]bool{}
	var forms []string
	for _, v := range s.secrets {
		once := escapeJSONString(v)
		for _, f := range []string{v, once, escapeJSONString(once)} {
			if f != "" && !seen[f] {
				seen[f] = true
				forms = append(forms, f)
			}
		}
	}
	sortLongestFirst(forms)
	return forms
}

// output is the writer gonja renders into: it enforces the size cap, checks
// the deadline and feeds the JSON tracker that decides how values are
// escaped.
type output struct {
	st     *renderState
	buf    []byte
	max    int
	isJSON bool
	js     jsonTracker
}

func (o *output) WriteString(s string) (int, error) {
	if err := o.st.check(); err != nil {
		return 0, err
	}
	if len(o.buf)+len(s) > o.max {
		return 0, o.st.fail(ErrTooLarge, fmt.Sprintf("output exceeds %d bytes", o.max))
	}
	if o.isJSON {
		o.js.feed(s)
	}
	if o.buf == nil {
		o.buf = make([]byte, 0, o.st.t.sizeHint())
	}
	o.buf = append(o.buf, s...)
	return len(s), nil
}

func (o *output) Write(p []byte) (int, error) { return o.WriteString(string(p)) }

func (o *output) String() string { return string(o.buf) }
