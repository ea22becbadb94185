package template

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/nikolalohinski/gonja/v2/config"
	"github.com/nikolalohinski/gonja/v2/exec"
)

// Missing says what a reference to an absent field does.
type Missing int

const (
	// MissingError fails the render and names the missing path, so a typo
	// such as node.1.rule.nmae is caught on the first run; `| default(x)`
	// and `is defined` still work.
	MissingError Missing = iota
	// MissingEmpty renders an absent field as empty (null outside a JSON
	// string), also through a chain such as a.b.c where a.b is absent.
	MissingEmpty
)

// Defaults for the zero Options fields. The work budget (iterations,
// output size) is what stops a runaway template; the time cap only backs
// it up, so it is long enough that a render stalled by a busy machine
// (GC, a loaded scheduler: 100 ms failed runs of an ordinary body) is not
// taken for one.
const (
	DefaultTimeout       = time.Second
	DefaultMaxBytes      = 1 << 20
	DefaultMaxIterations = 100_000
	// MaxSourceBytes bounds a template's source; it also bounds how deeply
	// an expression can nest, which keeps gonja's recursive parser and
	// evaluator far from the goroutine stack limit.
	MaxSourceBytes = 64 << 10
)

// Options configure one compiled template.
type Options struct {
	// JSON turns on JSON-context escaping of every {{ }} and requires the
	// output to be valid JSON.
	JSON bool
	// Missing chooses between failing and rendering empty on absent fields.
	Missing Missing
	// Timeout caps one render (default DefaultTimeout); ctx may cut it
	// shorter.
	Timeout time.Duration
	// MaxBytes caps the rendered output (default DefaultMaxBytes); values
	// built while rendering share a budget of 16 times this.
	MaxBytes int
	// MaxIterations caps loop iterations and range() lengths over a whole
	// render (default DefaultMaxIterations).
	MaxIterations int
	// Secret resolves secret("name"); nil means the template may use none.
	// It is called at render time so rotated values are picked up.
	Secret func(name string) (string, bool)
}

func (o Options) withDefaults() Options {
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.MaxBytes <= 0 {
		o.MaxBytes = DefaultMaxBytes
	}
	if o.MaxIterations <= 0 {
		o.MaxIterations = DefaultMaxIterations
	}
	return o
}

// Template is a compiled template. It is safe for concurrent use.
type Template struct {
	name    string
	opts    Options
	tpl     *exec.Template
	secrets []string
	hint    int // initial output buffer size
}

func (t *Template) sizeHint() int { return t.hint }

// Rendered is the output of one render.
type Rendered struct {
	Text string
	// Secrets are the secret values the render used, each also in the
	// escaped forms it may take in Text, longest first, so a run history
	// can mask them with Redact.
	Secrets []string
}

// Redact replaces every secret value of the render in s (the rendered text,
// an error message, a response) with "[secret]".
func (r Rendered) Redact(s string) string {
	return redact(s, r.Secrets)
}

// Compile parses src once. Syntax errors are *SyntaxError values naming the
// line and column.
func Compile(name, src string, o Options) (*Template, error) {
	if len(src) > MaxSourceBytes {
		return nil, &SyntaxError{Template: name, Line: 1, Col: 1,
			Msg: fmt.Sprintf("template is %d bytes, more than the %d allowed", len(src), MaxSourceBytes)}
	}
	o = o.withDefaults()
	cfg := config.New()
	cfg.StrictUndefined = o.Missing == MissingError
	if err := prescan(name, src, cfg); err != nil {
		return nil, err
	}
	env := newEnvironment(o)
	tpl, err := exec.NewTemplate(rootID, cfg, sourceLoader{src: src}, env)
	if err != nil {
		return nil, syntaxError(name, err)
	}
	rw := rewriter{env: env, json: o.JSON, chain: o.Missing == MissingEmpty, memo: map[any]any{}}
	rw.nodes(tpl.Root().Nodes)
	if rw.err != nil {
		rw.err.Template = name
		return nil, rw.err
	}
	hint := min(len(src)+len(src)/2+64, o.MaxBytes)
	return &Template{name: name, opts: o, tpl: tpl, secrets: rw.secretNames(), hint: hint}, nil
}

// Name is the name given to Compile.
func (t *Template) Name() string { return t.name }

// SecretNames lists the secrets the template asks for by literal name, so a
// playbook can be checked against its vault when it is saved.
func (t *Template) SecretNames() []string { return append([]string(nil), t.secrets...) }

// Render renders the template with data, whose values must be JSON-like
// (maps with string keys, slices, strings, numbers, booleans, nil). node
// must be a list for node.0 and node[0] to work.
func (t *Template) Render(ctx context.Context, data map[string]any) (res Rendered, err error) {
	if err := checkData(data); err != nil {
		return Rendered{}, &RenderError{Template: t.name, Kind: ErrData, Msg: err.Error()}
	}
	st := newState(ctx, t)
	defer func() {
		if r := recover(); r != nil {
			res, err = Rendered{}, st.renderError(ErrEngine, fmt.Sprintf("template engine failure: %v", r))
		}
	}()
	vars := make(map[string]any, len(data)+1)
	for k, v := range data {
		vars[k] = v
	}
	vars[stateKey] = st
	execErr := t.tpl.Execute(&st.out, exec.NewContext(vars))
	if st.err != nil {
		return Rendered{}, st.err
	}
	if execErr != nil {
		return Rendered{}, st.classify(execErr)
	}
	text := st.out.String()
	if t.opts.JSON && !json.Valid([]byte(text)) {
		return Rendered{}, st.renderError(ErrInvalidJSON, "rendered output is not valid JSON")
	}
	return Rendered{Text: text, Secrets: st.secretForms()}, nil
}

// redact masks each secret in s; secrets come longest first so a value that
// contains another is masked whole.
func redact(s string, secrets []string) string {
	for _, v := range secrets {
		if v != "" {
			s = strings.ReplaceAll(s, v, "[secret]")
		}
	}
	return s
}

// sortLongestFirst orders secret forms for redact.
func sortLongestFirst(v []string) {
	sort.SliceStable(v, func(i, j int) bool { return len(v[i]) > len(v[j]) })
}
