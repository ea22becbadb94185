package template

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/nikolalohinski/gonja/v2/exec"
)

// maxNest is how many levels of JSON-inside-a-JSON-string are tracked.
const maxNest = 4

// stringMode is what the text of a JSON string is taken to be. It is decided
// by the template's own text, never by an inserted value, so hostile data
// cannot change how later values are escaped.
type stringMode uint8

const (
	modeUndecided stringMode = iota
	modePlain                // ordinary text
	modeEmbedded             // a JSON document of its own ('{"a":"..."}')
)

// jsonLevel is the lexical state of one JSON document.
type jsonLevel struct {
	inString bool
	esc      bool // after a backslash
	hex      int8 // hex digits still to read in a \u escape
	hexVal   rune // the \u escape read so far
	mode     stringMode
	quote    bool // the string began with ' (Sekoia.io's '{...}' form)
}

// jsonTracker follows the rendered text as a JSON lexer does, level 0 being
// the output and level i+1 the decoded text of a string of level i that
// holds embedded JSON. It never rejects input: validity is checked once at
// the end.
type jsonTracker struct {
	lv [maxNest]jsonLevel
}

func (t *jsonTracker) feed(s string) {
	for i := 0; i < len(s); i++ {
		// Skip runs that cannot change state: text outside strings up to
		// the next quote, and plain string text up to a quote or backslash.
		l := &t.lv[0]
		if j := t.skippable(l, s[i:]); j > 0 {
			i += j - 1
			continue
		}
		t.byteAt(0, s[i])
	}
}

// skippable returns how many leading bytes of s leave level l unchanged.
func (t *jsonTracker) skippable(l *jsonLevel, s string) int {
	switch {
	case !l.inString:
		if j := strings.IndexByte(s, '"'); j >= 0 {
			return j
		}
		return len(s)
	case l.mode == modePlain && !l.esc && l.hex == 0:
		if j := strings.IndexAny(s, `"\`); j >= 0 {
			return j
		}
		return len(s)
	}
	return 0
}

func (t *jsonTracker) byteAt(i int, c byte) {
	l := &t.lv[i]
	switch {
	case !l.inString:
		if c == '"' {
			*l = jsonLevel{inString: true}
		}
	case l.hex > 0:
		l.hexVal = l.hexVal<<4 | hexDigit(c)
		l.hex--
		if l.hex == 0 {
			d := byte('x') // non-ASCII runes are never JSON syntax
			if l.hexVal < utf8.RuneSelf {
				d = byte(l.hexVal)
			}
			t.content(i, d)
		}
	case l.esc:
		l.esc = false
		switch c {
		case 'u':
			l.hex, l.hexVal = 4, 0
			return
		case 'n':
			c = '\n'
		case 't':
			c = '\t'
		case 'r':
			c = '\r'
		case 'b', 'f':
			c = 'x'
		}
		t.content(i, c)
	case c == '\\':
		l.esc = true
	case c == '"':
		l.inString = false
		if i+1 < maxNest {
			t.lv[i+1] = jsonLevel{}
		}
	default:
		t.content(i, c)
	}
}

// content handles one decoded character of a string at level i.
func (t *jsonTracker) content(i int, c byte) {
	l := &t.lv[i]
	switch l.mode {
	case modeUndecided:
		switch {
		case c == ' ' || c == '\n' || c == '\t' || c == '\r':
		case c == '\'' && !l.quote:
			l.quote = true
		case (c == '{' || c == '[') && i+1 < maxNest:
			l.mode = modeEmbedded
			t.lv[i+1] = jsonLevel{}
			t.byteAt(i+1, c)
		default:
			l.mode = modePlain
		}
	case modeEmbedded:
		t.byteAt(i+1, c)
	case modePlain:
	}
}

// place reports where a value printed now lands: the innermost level and
// whether it is inside a string there. An undecided string becomes plain.
func (t *jsonTracker) place() (level int, inString bool) {
	for i := 0; ; i++ {
		l := &t.lv[i]
		if !l.inString {
			return i, false
		}
		if l.mode == modeEmbedded {
			continue
		}
		l.mode = modePlain
		return i, true
	}
}

func hexDigit(c byte) rune {
	switch {
	case c >= '0' && c <= '9':
		return rune(c - '0')
	case c >= 'a' && c <= 'f':
		return rune(c-'a') + 10
	case c >= 'A' && c <= 'F':
		return rune(c-'A') + 10
	}
	return 0
}

// escapeValue renders v for the place it lands: string content escaped once
// per enclosing string, or a JSON value outside strings. A value marked
// safe (tojson, | safe) is written verbatim outside strings, since it is
// meant to be JSON there; inside a string it is escaped like any other.
func (t *jsonTracker) escapeValue(v *exec.Value) (string, error) {
	level, inString := t.place()
	var text string
	switch {
	case inString:
		text = escapeJSONString(v.String())
	case v.Safe:
		text = v.String()
	default:
		var err error
		if text, err = jsonValue(v); err != nil {
			return "", err
		}
	}
	for ; level > 0; level-- {
		text = escapeJSONString(text)
	}
	return text, nil
}

// escapeJSONString escapes s as the content of a JSON string. <, > and &
// stay literal: the receivers read JSON, not HTML. Invalid UTF-8 becomes
// U+FFFD so the output stays valid JSON.
func escapeJSONString(s string) string {
	clean := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == '"' || c == '\\' || c >= utf8.RuneSelf {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	b := make([]byte, 0, len(s)+8)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, `\ufffd`...)
		case r == '"' || r == '\\':
			b = append(b, '\\', byte(r))
		case r == '\n':
			b = append(b, `\n`...)
		case r == '\r':
			b = append(b, `\r`...)
		case r == '\t':
			b = append(b, `\t`...)
		case r < 0x20:
			b = fmt.Appendf(b, `\u%04x`, r)
		default:
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return string(b)
}

// jsonValue encodes v as a JSON value, without HTML escaping.
func jsonValue(v *exec.Value) (string, error) {
	if v.IsNil() {
		return "null", nil
	}
	switch x := v.Interface().(type) {
	case string:
		return `"` + escapeJSONString(x) + `"`, nil
	case bool:
		return strconv.FormatBool(x), nil
	case int:
		return strconv.Itoa(x), nil
	case int64:
		return strconv.FormatInt(x, 10), nil
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return "", fmt.Errorf("%v cannot be written as JSON", x)
		}
		return strconv.FormatFloat(x, 'g', -1, 64), nil
	}
	g := v.ToGoSimpleType(false)
	if err, ok := g.(error); ok {
		return "", fmt.Errorf("value cannot be written as JSON: %w", err)
	}
	return marshalJSON(g, 0)
}

// marshalJSON encodes g without HTML escaping, optionally indented.
func marshalJSON(g any, indent int) (string, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if indent > 0 {
		enc.SetIndent("", string(bytes.Repeat([]byte{' '}, indent)))
	}
	if err := enc.Encode(g); err != nil {
		return "", fmt.Errorf("value cannot be written as JSON: %w", err)
	}
	return string(bytes.TrimSuffix(buf.Bytes(), []byte{'\n'})), nil
}
