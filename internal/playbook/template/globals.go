package template

import (
	"fmt"

	"github.com/nikolalohinski/gonja/v2/builtins"
	"github.com/nikolalohinski/gonja/v2/exec"
)

// globals are the functions a template can call. gonja's range is replaced
// (it feeds a channel from a goroutine that leaks when a loop stops early,
// and has no length cap); lipsum, namespace and gettext are left out.
func globals() *exec.Context {
	g := map[string]any{
		"range":  rangeFunc,
		"secret": secretFunc,
	}
	for _, name := range []string{"dict", "cycler", "joiner"} {
		if f, ok := builtins.GlobalFunctions.Get(name); ok {
			g[name] = f
		}
	}
	return exec.NewContext(g)
}

// rangeFunc is Python's range([start,] stop[, step]) as a list, refused
// past the render's iteration budget.
func rangeFunc(e *exec.Evaluator, params *exec.VarArgs) *exec.Value {
	st := stateOf(e)
	if st == nil {
		return exec.AsValue(errNoState)
	}
	start, stop, step := 0, 0, 1
	args := params.Args
	for _, a := range args {
		if !a.IsInteger() {
			return exec.AsValue(st.fail(ErrRender, "range: arguments must be integers"))
		}
	}
	switch len(args) {
	case 1:
		stop = args[0].Integer()
	case 2:
		start, stop = args[0].Integer(), args[1].Integer()
	case 3:
		start, stop, step = args[0].Integer(), args[1].Integer(), args[2].Integer()
	default:
		return exec.AsValue(st.fail(ErrRender, "range: expected [start, ]stop[, step]"))
	}
	if step == 0 || len(params.KwArgs) > 0 {
		return exec.AsValue(st.fail(ErrRender, "range: step cannot be 0 and keywords are not accepted"))
	}
	n := rangeLen(start, stop, step)
	if n > st.t.opts.MaxIterations {
		return exec.AsValue(st.fail(ErrBudget, fmt.Sprintf("range of %d items is more than the %d allowed", n, st.t.opts.MaxIterations)))
	}
	if err := st.allow(8 * n); err != nil {
		return exec.AsValue(err)
	}
	out := make([]int, n)
	for i := range out {
		out[i] = start + i*step
	}
	return exec.AsValue(out)
}

// rangeLen counts range items without overflowing on extreme bounds.
func rangeLen(start, stop, step int) int {
	var span, abs uint64
	switch {
	case step > 0 && stop > start:
		span, abs = uint64(stop)-uint64(start), uint64(step)
	case step < 0 && stop < start:
		span, abs = uint64(start)-uint64(stop), uint64(-step)
	default:
		return 0
	}
	n := (span-1)/abs + 1
	if n > 1<<40 {
		return 1 << 40
	}
	return int(n)
}

// secretFunc resolves secret("name") at render time and remembers the value
// so the result and any error can be masked.
func secretFunc(e *exec.Evaluator, params *exec.VarArgs) *exec.Value {
	st := stateOf(e)
	if st == nil {
		return exec.AsValue(errNoState)
	}
	if len(params.Args) != 1 || len(params.KwArgs) != 0 || !params.Args[0].IsString() {
		return exec.AsValue(st.fail(ErrSecret, `secret: expected one name, as in secret("api_key")`))
	}
	name := params.Args[0].String()
	if st.t.opts.Secret == nil {
		return exec.AsValue(st.fail(ErrSecret, fmt.Sprintf("secret %q: this template has no secrets", name)))
	}
	v, ok := st.t.opts.Secret(name)
	if !ok {
		return exec.AsValue(st.fail(ErrSecret, fmt.Sprintf("secret %q is not defined", name)))
	}
	st.secrets = append(st.secrets, v)
	return exec.AsValue(v)
}
