package template

import (
	"fmt"

	"github.com/nikolalohinski/gonja/v2/exec"
	"github.com/nikolalohinski/gonja/v2/nodes"
	"github.com/nikolalohinski/gonja/v2/parser"
	"github.com/nikolalohinski/gonja/v2/tokens"
)

// setStatement is {% set name = value [if cond else other] %}. It replaces
// gonja's set, which also assigns to attributes and items (mutating the
// caller's data, a data race when one alert feeds concurrent renders) and
// has a block form that renders outside the output checks.
type setStatement struct {
	Location    *tokens.Token
	Name        string
	Expression  nodes.Expression
	Condition   nodes.Expression
	Alternative nodes.Expression
}

func (s *setStatement) Position() *tokens.Token { return s.Location }

func (s *setStatement) String() string {
	return fmt.Sprintf("SetControlStructure(Line=%d Col=%d)", s.Location.Line, s.Location.Col)
}

// Execute assigns in the current scope, as gonja's set does.
func (s *setStatement) Execute(r *exec.Renderer, _ *nodes.ControlStructureBlock) error {
	expr := s.Expression
	if s.Condition != nil {
		cond := r.Eval(s.Condition)
		if cond.IsError() {
			return cond
		}
		if !cond.IsTrue() {
			expr = s.Alternative
		}
	}
	v := r.Eval(expr)
	if v.IsError() {
		return v
	}
	r.Environment.Context.Set(s.Name, v.Interface())
	return nil
}

func parseSet(_ *parser.Parser, args *parser.Parser) (nodes.ControlStructure, error) {
	name := args.Match(tokens.Name)
	if name == nil {
		return nil, args.Error("expected a variable name, as in {% set name = value %}", args.Current())
	}
	s := &setStatement{Location: name, Name: name.Val}
	if args.Match(tokens.Assign) == nil {
		return nil, args.Error("only {% set name = value %} is allowed in playbook templates (no block set, attribute or item targets)", at(args, name))
	}
	expr, err := args.ParseExpression()
	if err != nil {
		return nil, err
	}
	s.Expression = expr
	cond, alt, err := args.ParseCondition()
	if err != nil {
		return nil, err
	}
	if cond != nil && alt == nil {
		return nil, args.Error("expected else after the condition of set", at(args, name))
	}
	s.Condition, s.Alternative = cond, alt
	if !args.End() {
		return nil, args.Error("unexpected text after the value of set", at(args, name))
	}
	return s, nil
}

// at is the token to blame: the current one, or the name when the tag's
// arguments are used up (gonja's end token has no position).
func at(args *parser.Parser, name *tokens.Token) *tokens.Token {
	if tok := args.Current(); tok != nil && tok.Line > 0 {
		return tok
	}
	return name
}
