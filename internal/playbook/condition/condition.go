package condition

import (
	"errors"
	"fmt"
	"sync"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/vm"
)

// Limits of one condition.
const (
	MaxSourceBytes    = 4096
	MaxNodes          = 500
	MaxPredicateDepth = 2
	// MemoryBudget is expr's per-evaluation allocation budget (ranges and
	// built arrays count one unit per element).
	MemoryBudget = 100_000
)

// ErrCompile and ErrEval classify failures for errors.Is.
var (
	ErrCompile = errors.New("condition does not compile")
	ErrEval    = errors.New("condition evaluation failed")
)

// builtins are the expr built-ins a condition may call. Left out: repeat,
// replace and reduce (they can build huge strings), toJSON/fromJSON and the
// base64 pair (not needed to decide), timezone (reads the tz database),
// bitnot.
var builtins = []string{
	"all", "none", "any", "one", "filter", "map", "find", "findIndex", "findLast",
	"findLastIndex", "count", "sum", "groupBy", "sortBy", "len", "type", "abs", "ceil",
	"floor", "round", "int", "float", "string", "trim", "trimPrefix", "trimSuffix",
	"upper", "lower", "split", "splitAfter", "join", "indexOf", "lastIndexOf",
	"hasPrefix", "hasSuffix", "max", "min", "mean", "median", "now", "duration", "date",
	"first", "last", "get", "take", "keys", "values", "toPairs", "fromPairs", "reverse",
	"uniq", "concat", "flatten", "sort",
}

var allowed = func() map[string]bool {
	m := map[string]bool{}
	for _, b := range builtins {
		m[b] = true
	}
	return m
}()

// Condition is a compiled condition. It is safe for concurrent use.
type Condition struct {
	src     string
	program *vm.Program
	vms     sync.Pool
}

// Compile checks src against Vars once: unknown fields, type errors,
// non-boolean results, calls and over-deep predicates are refused here,
// never at run time.
func Compile(src string) (*Condition, error) {
	if len(src) > MaxSourceBytes {
		return nil, fmt.Errorf("%w: %d bytes, more than the %d allowed", ErrCompile, len(src), MaxSourceBytes)
	}
	// The sandbox runs as a patch visitor: it must see the tree before the
	// optimizer folds constant sub-expressions (and the built-ins in them).
	sb := &checker{depth: map[*ast.PredicateNode]int{}}
	opts := []expr.Option{expr.Env(Vars{}), expr.AsBool(), expr.MaxNodes(MaxNodes), expr.DisableAllBuiltins(), expr.Patch(sb)}
	for _, b := range builtins {
		opts = append(opts, expr.EnableBuiltin(b))
	}
	program, err := expr.Compile(src, opts...)
	if sb.err != nil {
		return nil, fmt.Errorf("%w: %w", ErrCompile, sb.err)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrCompile, err)
	}
	return &Condition{src: src, program: program}, nil
}

// MustCompile is Compile for conditions written in code; it panics on error.
func MustCompile(src string) *Condition {
	c, err := Compile(src)
	if err != nil {
		panic(err)
	}
	return c
}

// String returns the source.
func (c *Condition) String() string { return c.src }

// Eval runs the condition. It does no I/O and ends within the limits
// above, so it takes no context.
func (c *Condition) Eval(v Vars) (bool, error) {
	machine, _ := c.vms.Get().(*vm.VM)
	if machine == nil {
		machine = &vm.VM{}
	}
	machine.MemoryBudget = MemoryBudget
	out, err := machine.Run(c.program, v)
	c.vms.Put(machine)
	if err != nil {
		return false, fmt.Errorf("%w: %q: %w", ErrEval, c.src, err)
	}
	b, ok := out.(bool)
	if !ok {
		return false, fmt.Errorf("%w: %q returned %T, not a boolean", ErrEval, c.src, out)
	}
	return b, nil
}

// checker refuses what the type checker allows but a playbook condition
// must not do.
type checker struct {
	depth map[*ast.PredicateNode]int
	err   error
}

func (c *checker) Visit(node *ast.Node) {
	if c.err != nil {
		return
	}
	switch n := (*node).(type) {
	case *ast.BuiltinNode:
		// expr parses predicate built-ins (reduce, all...) before it looks
		// at disabled ones, so the allow-list is enforced here too.
		if !allowed[n.Name] {
			c.err = fmt.Errorf("built-in %s is not allowed", n.Name)
		}
	case *ast.CallNode:
		c.err = fmt.Errorf("calls are not allowed (only built-ins such as len, any, lower): %s", n.Callee)
	case *ast.VariableDeclaratorNode:
		c.err = fmt.Errorf("let bindings are not allowed: %s", n.Name)
	case *ast.PredicateNode:
		if d := c.predicateDepth(n); d > MaxPredicateDepth {
			c.err = fmt.Errorf("predicates nest %d deep, more than the %d allowed", d, MaxPredicateDepth)
		}
	}
}

// predicateDepth is how many predicates nest at p, p included. ast.Walk
// visits children first, so nested predicates are already in the memo.
func (c *checker) predicateDepth(p *ast.PredicateNode) int {
	if d, ok := c.depth[p]; ok {
		return d
	}
	inner := 0
	body := p.Node
	ast.Walk(&body, visitFunc(func(node *ast.Node) {
		if q, ok := (*node).(*ast.PredicateNode); ok {
			inner = max(inner, c.depth[q])
		}
	}))
	c.depth[p] = inner + 1
	return inner + 1
}

type visitFunc func(node *ast.Node)

func (f visitFunc) Visit(node *ast.Node) { f(node) }
