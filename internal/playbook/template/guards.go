package template

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/nikolalohinski/gonja/v2/builtins"
	"github.com/nikolalohinski/gonja/v2/exec"
)

// emptyMap stands in for an absent value in a chain under MissingEmpty. No
// allowed filter, method or statement mutates a map, so sharing it is safe.
var emptyMap = map[string]any{}

var errNoState = errors.New("template render state is missing")

// internalFilters are the filters the rewriter inserts into the AST.
func internalFilters() map[string]exec.FilterFunction {
	return map[string]exec.FilterFunction{
		filterEmit:                 emit,
		filterTick:                 tick,
		filterChain:                chain,
		fmt.Sprintf(filterOp, "+"): operator(add),
		fmt.Sprintf(filterOp, "*"): operator(multiply),
		fmt.Sprintf(filterOp, "~"): operator(concat),
	}
}

// emit escapes a printed value for its JSON context.
func emit(e *exec.Evaluator, in *exec.Value, _ *exec.VarArgs) *exec.Value {
	st := stateOf(e)
	if st == nil {
		return exec.AsValue(errNoState)
	}
	if in.IsError() {
		return in
	}
	if err := st.check(); err != nil {
		return exec.AsValue(err)
	}
	text, err := st.out.js.escapeValue(in)
	if err != nil {
		return exec.AsValue(st.fail(ErrRender, err.Error()))
	}
	return exec.AsSafeValue(text)
}

// tick runs at the top of every loop iteration.
func tick(e *exec.Evaluator, _ *exec.Value, _ *exec.VarArgs) *exec.Value {
	st := stateOf(e)
	if st == nil {
		return exec.AsValue(errNoState)
	}
	if err := st.iterate(1); err != nil {
		return exec.AsValue(err)
	}
	return exec.AsValue("")
}

// chain lets a.b.c render empty when a.b is absent (MissingEmpty).
func chain(_ *exec.Evaluator, in *exec.Value, _ *exec.VarArgs) *exec.Value {
	if in.IsNil() {
		return exec.AsValue(emptyMap)
	}
	return in
}

// operator guards +, * and ~: gonja builds their results without a size
// check, so a template could double a string until memory runs out.
func operator(op func(st *renderState, l, r *exec.Value) *exec.Value) exec.FilterFunction {
	return func(e *exec.Evaluator, left *exec.Value, params *exec.VarArgs) *exec.Value {
		st := stateOf(e)
		if st == nil {
			return exec.AsValue(errNoState)
		}
		if left.IsError() {
			return left
		}
		if len(params.Args) != 1 {
			return exec.AsValue(errors.New("operator needs one right operand"))
		}
		if err := st.check(); err != nil {
			return exec.AsValue(err)
		}
		return op(st, left, params.Args[0])
	}
}

// add follows gonja's + (list concatenation, float, string, int) with the
// result size checked first.
func add(st *renderState, l, r *exec.Value) *exec.Value {
	switch {
	case l.IsList():
		if !r.IsList() {
			return exec.AsValue(st.fail(ErrRender, "cannot add a non-list to a list"))
		}
		if err := st.allow(8 * (l.Len() + r.Len())); err != nil {
			return exec.AsValue(err)
		}
		out := make([]any, 0, l.Len()+r.Len())
		for _, v := range []*exec.Value{l, r} {
			for i := 0; i < v.Len(); i++ {
				out = append(out, v.Index(i).Interface())
			}
		}
		return exec.AsValue(out)
	case l.IsFloat() || r.IsFloat():
		return exec.AsValue(l.Float() + r.Float())
	case l.IsString() || r.IsString():
		return concat(st, l, r)
	}
	return exec.AsValue(l.Integer() + r.Integer())
}

// multiply follows gonja's * ("ab" * 3 repeats) with the size checked.
func multiply(st *renderState, l, r *exec.Value) *exec.Value {
	switch {
	case l.IsFloat() || r.IsFloat():
		return exec.AsValue(l.Float() * r.Float())
	case l.IsString():
		s, n := l.String(), r.Integer()
		if n <= 0 || s == "" {
			return exec.AsValue("")
		}
		if n > st.t.opts.MaxBytes/len(s) {
			return exec.AsValue(st.fail(ErrTooLarge, fmt.Sprintf("a value would exceed %d bytes", st.t.opts.MaxBytes)))
		}
		if err := st.allow(len(s) * n); err != nil {
			return exec.AsValue(err)
		}
		return exec.AsValue(strings.Repeat(s, n))
	}
	return exec.AsValue(l.Integer() * r.Integer())
}

// concat is ~ (and + on strings).
func concat(st *renderState, l, r *exec.Value) *exec.Value {
	ls, rs := l.String(), r.String()
	if err := st.allow(len(ls) + len(rs)); err != nil {
		return exec.AsValue(err)
	}
	return exec.AsValue(ls + rs)
}

// argAt reads argument i or keyword name without consuming it (VarArgs.Take
// deletes keywords, and the builtin still has to read them).
func argAt(params *exec.VarArgs, i int, name string) *exec.Value {
	if i < len(params.Args) {
		return params.Args[i]
	}
	if v, ok := params.KwArgs[name]; ok {
		return v
	}
	return nil
}

// sized wraps a builtin filter with a check, run before it, of the largest
// output it can build, and charges what it built to the work budget.
func sized(name string, estimate func(in *exec.Value, params *exec.VarArgs) int) exec.FilterFunction {
	builtin, _ := builtins.Filters.Get(name)
	return func(e *exec.Evaluator, in *exec.Value, params *exec.VarArgs) *exec.Value {
		st := stateOf(e)
		if st == nil {
			return exec.AsValue(errNoState)
		}
		if in.IsError() {
			return in
		}
		if err := st.allow(estimate(in, params)); err != nil {
			return exec.AsValue(err)
		}
		return builtin(e, in, params)
	}
}

func guardedFilters() map[string]exec.FilterFunction {
	return map[string]exec.FilterFunction{
		"join":     sized("join", joinSize),
		"replace":  sized("replace", replaceSize),
		"center":   sized("center", func(in *exec.Value, p *exec.VarArgs) int { return len(in.String()) + intArg(p, 0, "width", 80) }),
		"indent":   sized("indent", indentSize),
		"wordwrap": sized("wordwrap", wordwrapSize),
		"batch":    sized("batch", func(in *exec.Value, p *exec.VarArgs) int { return 8 * (in.Len() + intArg(p, 0, "linecount", 0)) }),
		"slice":    sized("slice", func(in *exec.Value, p *exec.VarArgs) int { return 8 * (in.Len() + intArg(p, 0, "slices", 0)) }),
		"tojson":   tojson,
	}
}

// intArg reads an integer argument; a huge or negative value is returned
// as is so the size check refuses it.
func intArg(p *exec.VarArgs, i int, name string, def int) int {
	v := argAt(p, i, name)
	if v == nil || !v.IsInteger() {
		return def
	}
	return v.Integer()
}

func joinSize(in *exec.Value, p *exec.VarArgs) int {
	sep := 0
	if d := argAt(p, 0, "d"); d != nil {
		sep = len(d.String())
	}
	total, n := 0, 0
	in.Iterate(func(_, _ int, key, _ *exec.Value) bool {
		total += len(key.String()) + sep
		n++
		return total >= 0 && total <= 1<<40
	}, func() {})
	return total
}

func replaceSize(in *exec.Value, p *exec.VarArgs) int {
	s := in.String()
	oldV, newV := argAt(p, 0, "old"), argAt(p, 1, "new")
	if oldV == nil || newV == nil {
		return len(s)
	}
	old, repl := oldV.String(), newV.String()
	n := strings.Count(s, old)
	if old == "" {
		n = utf8.RuneCountInString(s) + 1
	}
	if c := intArg(p, 2, "count", -1); c >= 0 && c < n {
		n = c
	}
	if len(repl) > 0 && n > (1<<40)/len(repl) {
		return -1
	}
	return len(s) + n*len(repl)
}

func indentSize(in *exec.Value, p *exec.VarArgs) int {
	s := in.String()
	width := 4
	if w := argAt(p, 0, "width"); w != nil {
		if w.IsInteger() {
			width = w.Integer()
		} else {
			width = len(w.String())
		}
	}
	lines := strings.Count(s, "\n") + 1
	if width > 0 && lines > (1<<40)/width {
		return -1
	}
	return len(s) + lines*max(width, 0)
}

func wordwrapSize(in *exec.Value, p *exec.VarArgs) int {
	s := in.String()
	wrap := 1
	if w := argAt(p, 2, "wrapstring"); w != nil && !w.IsNil() {
		wrap = len(w.String())
	}
	return len(s) + (len(s)+1)*wrap
}

// tojson replaces gonja's, which escapes <, > and & as \u003c...: valid JSON,
// but receivers should get the text as it is.
func tojson(e *exec.Evaluator, in *exec.Value, params *exec.VarArgs) *exec.Value {
	st := stateOf(e)
	if st == nil {
		return exec.AsValue(errNoState)
	}
	if in.IsError() {
		return in
	}
	indent := intArg(params, 0, "indent", 0)
	if indent < 0 || indent > 16 {
		return exec.AsValue(st.fail(ErrRender, "tojson: indent must be between 0 and 16"))
	}
	g := in.ToGoSimpleType(false)
	if err, ok := g.(error); ok {
		return exec.AsValue(st.fail(ErrRender, "tojson: "+err.Error()))
	}
	text, err := marshalJSON(g, indent)
	if err != nil {
		return exec.AsValue(st.fail(ErrRender, "tojson: "+err.Error()))
	}
	if err := st.allow(len(text)); err != nil {
		return exec.AsValue(err)
	}
	return exec.AsSafeValue(text)
}
