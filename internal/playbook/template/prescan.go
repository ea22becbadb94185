package template

import (
	"fmt"
	"strings"

	"github.com/nikolalohinski/gonja/v2/config"
	"github.com/nikolalohinski/gonja/v2/tokens"
)

// Shape limits checked on the tokens before gonja parses. gonja's parser
// and evaluator recurse once per nesting level, and its error messages
// grow with each level, so a 60 KB expression nested 15,000 deep costs
// seconds and gigabytes; no playbook template comes near these numbers.
const (
	maxTagTokens  = 1000 // tokens in one {{ }} or {% %}
	maxBrackets   = 32   // nested ( [ { in one tag
	maxBlockDepth = 32   // nested if/for blocks
	maxExprDepth  = 64   // nested expression nodes (a ~ b ~ c... counts one per ~)
)

// prescan refuses, with a position, control structures outside the
// allow-list, recursive loops and over-deep or over-long tags.
func prescan(name, src string, cfg *config.Config) error {
	stream := tokens.LexAll(src, cfg)
	blocks := 0
	for {
		tok := stream.Current()
		switch {
		case tok == nil || tok.Type == tokens.EOF:
			return nil
		case tok.Type == tokens.Error:
			return lexError(name, src, tok)
		}
		stream.Next()
		switch tok.Type {
		case tokens.VariableBegin:
			if err := scanTag(name, stream, tok, tokens.VariableEnd, ""); err != nil {
				return err
			}
		case tokens.BlockBegin:
			tag := stream.Current()
			if tag == nil || tag.Type != tokens.Name {
				continue
			}
			if !allowedControls[tag.Val] {
				return &SyntaxError{Template: name, Line: tag.Line, Col: tag.Col, Msg: fmt.Sprintf(
					"{%% %s %%} is not allowed in playbook templates (allowed: if, for, set, raw, break, continue)", tag.Val)}
			}
			switch tag.Val {
			case "if", "for":
				if blocks++; blocks > maxBlockDepth {
					return &SyntaxError{Template: name, Line: tag.Line, Col: tag.Col,
						Msg: fmt.Sprintf("if and for blocks nest more than %d deep", maxBlockDepth)}
				}
			case "endif", "endfor":
				blocks--
			}
			if err := scanTag(name, stream, tok, tokens.BlockEnd, tag.Val); err != nil {
				return err
			}
		}
	}
}

// scanTag reads one tag up to its end token.
func scanTag(name string, stream *tokens.Stream, begin *tokens.Token, end tokens.Type, control string) error {
	count, depth := 0, 0
	for {
		tok := stream.Current()
		if tok == nil || tok.Type == tokens.EOF || tok.Type == tokens.Error || tok.Type == end {
			return nil
		}
		stream.Next()
		if count++; count > maxTagTokens {
			return &SyntaxError{Template: name, Line: begin.Line, Col: begin.Col,
				Msg: fmt.Sprintf("tag has more than %d tokens", maxTagTokens)}
		}
		switch tok.Type {
		case tokens.LeftParenthesis, tokens.LeftBracket, tokens.LeftBrace:
			if depth++; depth > maxBrackets {
				return &SyntaxError{Template: name, Line: tok.Line, Col: tok.Col,
					Msg: fmt.Sprintf("brackets nest more than %d deep", maxBrackets)}
			}
		case tokens.RightParenthesis, tokens.RightBracket, tokens.RightBrace:
			depth--
		case tokens.Name:
			if control == "for" && tok.Val == "recursive" {
				return &SyntaxError{Template: name, Line: tok.Line, Col: tok.Col,
					Msg: "recursive loops are not allowed in playbook templates"}
			}
		}
	}
}

// lexError places a lexer failure, which gonja reports without a line.
func lexError(name, src string, tok *tokens.Token) error {
	line, col := tokens.ReadablePosition(min(max(tok.Pos, 0), len(src)), src)
	msg := tok.Val
	if !strings.Contains(msg, " ") {
		msg = fmt.Sprintf("unterminated string or expression near %q", msg)
	}
	return &SyntaxError{Template: name, Line: line, Col: col, Msg: msg}
}
