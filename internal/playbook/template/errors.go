package template

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/nikolalohinski/gonja/v2/parser"
)

// Kinds of render failure, for errors.Is. A cancelled ctx is reported with
// ctx.Err() as its kind instead.
var (
	ErrSyntax      = errors.New("template syntax error")
	ErrMissing     = errors.New("missing field")
	ErrTimeout     = errors.New("template render timed out")
	ErrTooLarge    = errors.New("template output too large")
	ErrBudget      = errors.New("template work budget exceeded")
	ErrSecret      = errors.New("secret not available")
	ErrInvalidJSON = errors.New("rendered output is not valid JSON")
	ErrEngine      = errors.New("template engine failure")
	ErrData        = errors.New("unsupported template data")
	ErrRender      = errors.New("template render failed")
)

// SyntaxError is a compile failure at a place in the source.
type SyntaxError struct {
	Template  string
	Line, Col int
	Msg       string
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("template %q: line %d, col %d: %s", e.Template, e.Line, e.Col, e.Msg)
}

// Unwrap lets errors.Is(err, ErrSyntax) match.
func (e *SyntaxError) Unwrap() error { return ErrSyntax }

// RenderError is a render failure. Its message never holds a secret value.
type RenderError struct {
	Template string
	Line     int    // 0 when unknown
	Path     string // the missing field, for ErrMissing
	Msg      string
	Kind     error
}

func (e *RenderError) Error() string {
	where := fmt.Sprintf("template %q", e.Template)
	if e.Line > 0 {
		where += fmt.Sprintf(": line %d", e.Line)
	}
	return where + ": " + e.Msg
}

// Unwrap exposes the kind (ErrMissing, ErrTimeout...) to errors.Is.
func (e *RenderError) Unwrap() error { return e.Kind }

// syntaxError turns gonja's parse failure (which quotes the whole source)
// into a short message with a position.
func syntaxError(name string, err error) error {
	var se *parser.SyntaxError
	if errors.As(err, &se) {
		msg := se.Message
		if se.Raw != "" {
			msg += fmt.Sprintf(" (near %q)", se.Raw)
		}
		return &SyntaxError{Template: name, Line: se.Line, Col: se.Column, Msg: msg}
	}
	msg := err.Error()
	if i := strings.LastIndex(msg, "': "); strings.HasPrefix(msg, "failed to parse template '") && i > 0 {
		msg = msg[i+3:]
	}
	return &SyntaxError{Template: name, Line: 1, Col: 1, Msg: msg}
}

var (
	// gonja's strict-undefined messages, innermost last.
	missingRe     = regexp.MustCompile(`(?i)unable to evaluate ([^:]+?): (?:attribute '[^']*'|item \S+) not found`)
	missingNameRe = regexp.MustCompile(`Unable to evaluate name "([^"]+)"`)
	lineRe        = regexp.MustCompile(`at line (\d+)`)
	// wrappers gonja adds around an error passing through a filter this
	// package inserted; they name internals, not the template.
	noiseRe = regexp.MustCompile(`unable to evaluate filter &\{.*?\}: |invalid call to filter '<[^']*>': |(?:Unable to render expression|Unable to execute controlStructure) at line \d+: (?:[^:]*: )?`)
)

// classify names what a gonja failure was: a missing field gets its path,
// anything else keeps gonja's message without the wrapping noise.
func (s *renderState) classify(err error) error {
	msg := strings.TrimPrefix(err.Error(), "unable to execute template: ")
	line := 0
	if m := lineRe.FindAllStringSubmatch(msg, -1); len(m) > 0 {
		line, _ = strconv.Atoi(m[len(m)-1][1])
	}
	path := ""
	if m := missingRe.FindAllStringSubmatch(msg, -1); len(m) > 0 {
		path = m[len(m)-1][1]
	} else if m := missingNameRe.FindStringSubmatch(msg); m != nil {
		path = m[1]
	}
	if path != "" {
		return s.lineError(ErrMissing, line, path,
			fmt.Sprintf("missing field %s (add | default(...) or use MissingEmpty to allow it)", path))
	}
	return s.lineError(ErrRender, line, "", noiseRe.ReplaceAllString(msg, ""))
}
