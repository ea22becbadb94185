package template

import (
	"fmt"
	"sort"

	controls "github.com/nikolalohinski/gonja/v2/builtins/control_structures"
	"github.com/nikolalohinski/gonja/v2/exec"
	"github.com/nikolalohinski/gonja/v2/nodes"
	"github.com/nikolalohinski/gonja/v2/tokens"
)

// rewriter edits the parsed template once, at compile time, so every render
// passes through this package's checks: printed values go through emit
// (JSON escaping), loop bodies start with a tick (deadline and iteration
// budget), +, * and ~ go through size-checked operators, and under
// MissingEmpty every attribute access tolerates an absent parent. It also
// refuses any node it does not know, so a gonja upgrade cannot slip an
// unchecked construct past it.
type rewriter struct {
	env     *exec.Environment
	json    bool
	chain   bool
	memo    map[any]any
	secrets map[string]bool
	depth   int
	err     *SyntaxError
}

var guardedOps = map[string]bool{"+": true, "*": true, "~": true}

func (w *rewriter) fail(format string, args ...any) {
	w.failAt(nil, format, args...)
}

// failAt records the first refusal, with its place when known.
func (w *rewriter) failAt(tok *tokens.Token, format string, args ...any) {
	if w.err == nil {
		w.err = &SyntaxError{Line: 1, Col: 1, Msg: fmt.Sprintf(format, args...)}
		if tok != nil && tok.Line > 0 {
			w.err.Line, w.err.Col = tok.Line, tok.Col
		}
	}
}

func (w *rewriter) nodes(list []nodes.Node) {
	for _, n := range list {
		w.stmt(n)
	}
}

func (w *rewriter) stmt(n nodes.Node) {
	switch n := n.(type) {
	case *nodes.Data, *nodes.Comment:
	case *nodes.Output:
		n.Condition = w.expr(n.Condition)
		n.Expression = w.emit(w.expr(n.Expression))
		n.Alternative = w.emit(w.expr(n.Alternative))
	case *nodes.Wrapper:
		w.nodes(n.Nodes)
	case *nodes.ControlStructureBlock:
		w.control(n)
	default:
		w.fail("unsupported template node %T", n)
	}
}

func (w *rewriter) control(b *nodes.ControlStructureBlock) {
	switch cs := b.ControlStructure.(type) {
	case *controls.IfControlStructure:
		for i := range cs.Conditions {
			cs.Conditions[i] = w.expr(cs.Conditions[i])
		}
		for _, wr := range cs.Wrappers {
			w.nodes(wr.Nodes)
		}
	case *controls.ForControlStructure:
		cs.ObjectEvaluator = w.expr(cs.ObjectEvaluator)
		cs.IfCondition = w.expr(cs.IfCondition)
		w.nodes(cs.BodyWrapper.Nodes)
		cs.BodyWrapper.Nodes = append([]nodes.Node{tickNode(b.Location)}, cs.BodyWrapper.Nodes...)
		if cs.EmptyWrapper != nil {
			w.nodes(cs.EmptyWrapper.Nodes)
		}
	case *setStatement:
		cs.Expression = w.expr(cs.Expression)
		cs.Condition = w.expr(cs.Condition)
		cs.Alternative = w.expr(cs.Alternative)
	case *controls.RawControlStructure, *controls.BreakControlStructure, *controls.ContinueControlStructure:
	default:
		w.fail("unsupported control structure %T", cs)
	}
}

// tickNode prints nothing; evaluating it counts one loop iteration.
func tickNode(tok *tokens.Token) nodes.Node {
	return &nodes.Output{
		Start: tok,
		Expression: &nodes.FilteredExpression{
			Expression: &nodes.None{Location: tok},
			Filters:    []*nodes.FilterCall{{Token: tok, Name: filterTick}},
		},
		End: tok,
	}
}

func (w *rewriter) emit(e nodes.Expression) nodes.Expression {
	if e == nil || !w.json {
		return e
	}
	return &nodes.FilteredExpression{Expression: e, Filters: []*nodes.FilterCall{{Token: e.Position(), Name: filterEmit}}}
}

func (w *rewriter) wrapChain(e nodes.Expression) nodes.Expression {
	if !w.chain {
		return e
	}
	return &nodes.FilteredExpression{Expression: e, Filters: []*nodes.FilterCall{{Token: e.Position(), Name: filterChain}}}
}

// expr rewrites an expression tree and returns what replaces it. A node
// reached twice (a method call's Parent is also its Func's target) is
// rewritten once.
func (w *rewriter) expr(e nodes.Expression) nodes.Expression {
	if e == nil {
		return nil
	}
	if done, ok := w.memo[e]; ok {
		return done.(nodes.Expression)
	}
	w.depth++
	defer func() { w.depth-- }()
	if w.depth > maxExprDepth {
		w.failAt(e.Position(), "expression nests more than %d levels deep", maxExprDepth)
		return e
	}
	out := w.rewrite(e)
	w.memo[e] = out
	return out
}

func (w *rewriter) exprs(list []nodes.Expression) {
	for i := range list {
		list[i] = w.expr(list[i])
	}
}

func (w *rewriter) kwargs(m map[string]nodes.Expression) {
	for k, v := range m {
		m[k] = w.expr(v)
	}
}

func (w *rewriter) rewrite(e nodes.Expression) nodes.Expression {
	switch n := e.(type) {
	case *nodes.None, *nodes.String, *nodes.Integer, *nodes.Float, *nodes.Bool, *nodes.Name, *nodes.Error:
	case *nodes.BinaryExpression:
		n.Left, n.Right = w.expr(n.Left), w.expr(n.Right)
		if op := n.Operator.Token.Val; guardedOps[op] {
			return &nodes.FilteredExpression{Expression: n.Left, Filters: []*nodes.FilterCall{{
				Token: n.Operator.Token, Name: fmt.Sprintf(filterOp, op), Args: []nodes.Expression{n.Right},
			}}}
		}
	case *nodes.FilteredExpression:
		n.Expression = w.expr(n.Expression)
		for _, f := range n.Filters {
			if !w.env.Filters.Exists(f.Name) {
				w.failAt(f.Token, "unknown filter %q", f.Name)
			}
			w.exprs(f.Args)
			w.kwargs(f.Kwargs)
		}
	case *nodes.TestExpression:
		if !w.env.Tests.Exists(n.Test.Name) {
			w.failAt(n.Test.Token, "unknown test %q", n.Test.Name)
		}
		n.Expression = w.expr(n.Expression)
		w.exprs(n.Test.Args)
		w.kwargs(n.Test.Kwargs)
	case *nodes.UnaryExpression:
		n.Term = w.expr(n.Term)
	case *nodes.Negation:
		n.Term = w.expr(n.Term)
	case *nodes.List:
		w.exprs(n.Val)
	case *nodes.Tuple:
		w.exprs(n.Val)
	case *nodes.Dict:
		for _, p := range n.Pairs {
			p.Key, p.Value = w.expr(p.Key), w.expr(p.Value)
		}
	case *nodes.Pair:
		n.Key, n.Value = w.expr(n.Key), w.expr(n.Value)
	case *nodes.Call:
		w.call(n)
	case *nodes.GetItem:
		n.Node, n.Arg = w.wrapChain(w.expr(n.Node)), w.expr(n.Arg)
	case *nodes.GetAttribute:
		n.Node = w.wrapChain(w.expr(n.Node))
	case *nodes.GetSlice:
		n.Node, n.Start, n.End, n.Step = w.expr(n.Node), w.expr(n.Start), w.expr(n.End), w.expr(n.Step)
	case *nodes.Variable:
		for _, p := range n.Parts {
			w.exprs(p.Args)
			w.kwargs(p.Kwargs)
		}
	default:
		w.fail("unsupported expression %T", e)
	}
	return e
}

// call rewrites a call and records secret("literal") names.
func (w *rewriter) call(n *nodes.Call) {
	if name, ok := n.Func.(*nodes.Name); ok && name.Name.Val == "secret" && len(n.Args) == 1 {
		if lit, ok := n.Args[0].(*nodes.String); ok {
			if w.secrets == nil {
				w.secrets = map[string]bool{}
			}
			w.secrets[lit.Val] = true
		}
	}
	n.Func = w.expr(n.Func)
	n.Parent = w.expr(n.Parent)
	w.exprs(n.Args)
	w.kwargs(n.Kwargs)
}

func (w *rewriter) secretNames() []string {
	names := make([]string, 0, len(w.secrets))
	for n := range w.secrets {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}
