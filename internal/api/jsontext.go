package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/alertsync/alertsync/internal/model"
)

// checkJSONText applies the text policy to every string of a JSON body,
// member names included: the first one holding invalid UTF-8 or a NUL byte
// (raw, or escaped as \u0000) comes back as a *model.TextError naming its
// path ("reason", "items[2].title"). encoding/json replaces invalid UTF-8
// with U+FFFD as it decodes, so each string's raw bytes are checked as
// they stand in the body. Syntax errors are left to the decoder, which
// reports them better.
func checkJSONText(body []byte) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var p jsonPath
	for {
		start := dec.InputOffset()
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return p.rawNUL(body[start:])
		}
		if err := p.visit(tok, body[start:dec.InputOffset()]); err != nil {
			return err
		}
	}
}

// frame is one open object or array.
type frame struct {
	array bool
	index int
	key   string
	inKey bool // in an object, the next string is a member name
}

// jsonPath follows the decoder's tokens to know where each string is.
type jsonPath struct{ stack []frame }

// visit moves along one token. raw is the body from the end of the last
// token to the end of this one: delimiters and spaces are ASCII, so any
// invalid UTF-8 in it is in this token.
func (p *jsonPath) visit(tok json.Token, raw []byte) error {
	n := len(p.stack)
	if s, ok := tok.(string); ok && n > 0 && p.stack[n-1].inKey {
		if err := textProblem(p.upTo(n-1), raw, s); err != nil {
			err.Problem = "has a member name that " + err.Problem
			return err
		}
		p.stack[n-1].key, p.stack[n-1].inKey = s, false
		return nil
	}
	switch tok {
	case json.Delim('{'):
		p.stack = append(p.stack, frame{inKey: true})
		return nil
	case json.Delim('['):
		p.stack = append(p.stack, frame{array: true})
		return nil
	case json.Delim('}'), json.Delim(']'):
		p.stack = p.stack[:n-1]
	default:
		if s, ok := tok.(string); ok {
			if err := textProblem(p.upTo(n), raw, s); err != nil {
				return err
			}
		}
	}
	p.next()
	return nil
}

// next moves past a finished value.
func (p *jsonPath) next() {
	if n := len(p.stack); n > 0 {
		if top := &p.stack[n-1]; top.array {
			top.index++
		} else {
			top.inKey = true
		}
	}
}

// upTo renders the path of the first n frames.
func (p *jsonPath) upTo(n int) string {
	var b strings.Builder
	for _, f := range p.stack[:n] {
		switch {
		case f.array:
			fmt.Fprintf(&b, "[%d]", f.index)
		case b.Len() > 0:
			b.WriteString("." + f.key)
		default:
			b.WriteString(f.key)
		}
	}
	if b.Len() == 0 {
		return "request body"
	}
	name, _ := model.CleanText(b.String())
	return name
}

// rawNUL names the string the decoder stopped in when the cause is a raw
// NUL byte in it (a syntax error that would otherwise not say where).
func (p *jsonPath) rawNUL(rest []byte) error {
	rest = bytes.TrimLeft(rest, " \t\r\n,:")
	if len(rest) == 0 || rest[0] != '"' {
		return nil
	}
	end := 1
	for ; end < len(rest) && rest[end] != '"' && rest[end] != 0; end++ {
		if rest[end] == '\\' {
			end++
		}
	}
	if end >= len(rest) || rest[end] != 0 {
		return nil
	}
	n := len(p.stack)
	if n > 0 && p.stack[n-1].inKey {
		return &model.TextError{Field: p.upTo(n - 1), Problem: "has a member name that contains a NUL byte"}
	}
	return &model.TextError{Field: p.upTo(n), Problem: "contains a NUL byte"}
}

// textProblem checks one string: raw as it stands in the body, s decoded.
func textProblem(field string, raw []byte, s string) *model.TextError {
	if !utf8.Valid(raw) {
		return &model.TextError{Field: field, Problem: "is not valid UTF-8"}
	}
	var te *model.TextError
	if errors.As(model.CheckText(field, s, 0), &te) {
		return te
	}
	return nil
}
