package odata

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/alertsync/alertsync/internal/emulators/emukit"
)

// ErrBadQuery marks an OData query option the emulator cannot parse; the
// emulator answers it with its vendor's 400.
var ErrBadQuery = errors.New("invalid odata query")

// Op is a comparison operator in a $filter clause.
type Op string

// The supported comparison operators.
const (
	OpEq Op = "eq"
	OpNe Op = "ne"
	OpGt Op = "gt"
	OpGe Op = "ge"
	OpLt Op = "lt"
	OpLe Op = "le"
)

// Kind is the literal type of a filter value.
type Kind int

// Literal kinds.
const (
	KindString Kind = iota // 'quoted', or an enum cast like ns.type'value'
	KindTime               // unquoted ISO 8601 date-time
	KindNumber
	KindBool
	KindNull
)

// Value is a parsed literal.
type Value struct {
	Kind Kind
	Str  string // the string, enum member, or raw literal text
	Time time.Time
	Num  float64
	Bool bool
}

// Clause is one "field op value" comparison.
type Clause struct {
	Field string
	Op    Op
	Value Value
}

// OrderBy is one $orderby key.
type OrderBy struct {
	Field string
	Desc  bool
}

// Query holds the OData system query options an emulator reads.
type Query struct {
	Top     int // -1 when absent
	Skip    int
	Filter  []Clause // joined by "and"
	OrderBy []OrderBy
	Expand  []string
	Count   bool
}

// ParseQuery reads $top, $skip, $filter, $orderby, $expand and $count.
func ParseQuery(q url.Values) (Query, error) {
	out := Query{Top: -1}
	var err error
	if s := q.Get("$top"); s != "" {
		if out.Top, err = nonNegative("$top", s); err != nil {
			return Query{}, err
		}
	}
	if s := q.Get("$skip"); s != "" {
		if out.Skip, err = nonNegative("$skip", s); err != nil {
			return Query{}, err
		}
	}
	if out.Filter, err = ParseFilter(q.Get("$filter")); err != nil {
		return Query{}, err
	}
	if out.OrderBy, err = ParseOrderBy(q.Get("$orderby")); err != nil {
		return Query{}, err
	}
	for _, e := range strings.Split(q.Get("$expand"), ",") {
		if e = strings.TrimSpace(e); e != "" {
			out.Expand = append(out.Expand, e)
		}
	}
	if s := q.Get("$count"); s != "" {
		if out.Count, err = strconv.ParseBool(s); err != nil {
			return Query{}, fmt.Errorf("parse $count %q: %w", s, ErrBadQuery)
		}
	}
	return out, nil
}

func nonNegative(name, s string) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("parse %s %q: %w", name, s, ErrBadQuery)
	}
	return n, nil
}

// Expands reports whether $expand names nav (case-insensitively).
func (q Query) Expands(nav string) bool {
	for _, e := range q.Expand {
		if strings.EqualFold(e, nav) {
			return true
		}
	}
	return false
}

// ParseOrderBy reads "field [asc|desc], ...".
func ParseOrderBy(s string) ([]OrderBy, error) {
	var out []OrderBy
	for _, part := range strings.Split(s, ",") {
		f := strings.Fields(part)
		switch {
		case len(f) == 0:
			continue
		case len(f) == 1:
			out = append(out, OrderBy{Field: f[0]})
		case len(f) == 2 && (strings.EqualFold(f[1], "asc") || strings.EqualFold(f[1], "desc")):
			out = append(out, OrderBy{Field: f[0], Desc: strings.EqualFold(f[1], "desc")})
		default:
			return nil, fmt.Errorf("parse $orderby %q: %w", part, ErrBadQuery)
		}
	}
	return out, nil
}

// ParseFilter reads clauses "field op value" joined by "and". Strings are
// single-quoted (a doubled quote escapes one) and may carry an enum type prefix;
// unquoted date-times, numbers, true/false and null are literals.
func ParseFilter(s string) ([]Clause, error) {
	toks, err := tokenize(s)
	if err != nil {
		return nil, err
	}
	var out []Clause
	for len(toks) > 0 {
		if len(toks) < 3 {
			return nil, fmt.Errorf("parse $filter %q: incomplete clause: %w", s, ErrBadQuery)
		}
		op := Op(strings.ToLower(toks[1]))
		switch op {
		case OpEq, OpNe, OpGt, OpGe, OpLt, OpLe:
		default:
			return nil, fmt.Errorf("parse $filter %q: operator %q: %w", s, toks[1], ErrBadQuery)
		}
		v, err := parseLiteral(toks[2])
		if err != nil {
			return nil, fmt.Errorf("parse $filter %q: %w", s, err)
		}
		out = append(out, Clause{Field: toks[0], Op: op, Value: v})
		toks = toks[3:]
		if len(toks) > 0 {
			if !strings.EqualFold(toks[0], "and") || len(toks) == 1 {
				return nil, fmt.Errorf("parse $filter %q: only 'and' may join clauses: %w", s, ErrBadQuery)
			}
			toks = toks[1:]
		}
	}
	return out, nil
}

// tokenize splits on spaces outside quotes and drops grouping parentheses.
func tokenize(s string) ([]string, error) {
	var toks []string
	var cur strings.Builder
	inQuote := false
	flush := func() {
		if cur.Len() > 0 {
			toks = append(toks, cur.String())
			cur.Reset()
		}
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\'' && inQuote && i+1 < len(s) && s[i+1] == '\'':
			cur.WriteString("''")
			i++
		case c == '\'':
			inQuote = !inQuote
			cur.WriteByte(c)
		case inQuote:
			cur.WriteByte(c)
		case c == ' ' || c == '\t' || c == '(' || c == ')':
			flush()
		default:
			cur.WriteByte(c)
		}
	}
	if inQuote {
		return nil, fmt.Errorf("parse $filter %q: unterminated string: %w", s, ErrBadQuery)
	}
	flush()
	return toks, nil
}

func parseLiteral(t string) (Value, error) {
	if q := strings.IndexByte(t, '\''); q >= 0 {
		if !strings.HasSuffix(t, "'") || len(t)-q < 2 {
			return Value{}, fmt.Errorf("literal %s: %w", t, ErrBadQuery)
		}
		return Value{Kind: KindString, Str: strings.ReplaceAll(t[q+1:len(t)-1], "''", "'")}, nil
	}
	switch strings.ToLower(t) {
	case "null":
		return Value{Kind: KindNull, Str: t}, nil
	case "true", "false":
		return Value{Kind: KindBool, Str: t, Bool: strings.EqualFold(t, "true")}, nil
	}
	if ts, err := ParseTime(t); err == nil {
		return Value{Kind: KindTime, Str: t, Time: ts}, nil
	}
	if n, err := strconv.ParseFloat(t, 64); err == nil {
		return Value{Kind: KindNumber, Str: t, Num: n}, nil
	}
	return Value{}, fmt.Errorf("literal %s: %w", t, ErrBadQuery)
}

// ParseTime reads the date-time forms OData clients send.
func ParseTime(s string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("parse time %q: %w", s, ErrBadQuery)
}

// Match reports whether got satisfies the clause. got may be a string,
// time.Time, *time.Time, number, bool or nil; strings compare exactly unless
// foldCase. A string field compared with a date-time is read as a date-time.
func (c Clause) Match(got any, foldCase bool) (bool, error) {
	cmp, ok, err := compare(got, c.Value, foldCase)
	if err != nil {
		return false, fmt.Errorf("filter %s: %w", c.Field, err)
	}
	if !ok { // null on one side: only eq/ne are meaningful
		isNull := got == nil || c.Value.Kind == KindNull
		bothNull := (got == nil || isNilTime(got)) && c.Value.Kind == KindNull
		switch c.Op {
		case OpEq:
			return bothNull, nil
		case OpNe:
			return isNull && !bothNull, nil
		}
		return false, nil
	}
	switch c.Op {
	case OpEq:
		return cmp == 0, nil
	case OpNe:
		return cmp != 0, nil
	case OpGt:
		return cmp > 0, nil
	case OpGe:
		return cmp >= 0, nil
	case OpLt:
		return cmp < 0, nil
	}
	return cmp <= 0, nil
}

func isNilTime(v any) bool { p, ok := v.(*time.Time); return ok && p == nil }

// compare returns the sign of got - want; ok is false when either is null.
func compare(got any, want Value, fold bool) (int, bool, error) {
	if p, isPtr := got.(*time.Time); isPtr {
		if p == nil {
			got = nil
		} else {
			got = *p
		}
	}
	if got == nil || want.Kind == KindNull {
		return 0, false, nil
	}
	switch g := got.(type) {
	case time.Time:
		w := want.Time
		if want.Kind != KindTime {
			t, err := ParseTime(want.Str)
			if err != nil {
				return 0, false, err
			}
			w = t
		}
		return g.Compare(w), true, nil
	case string:
		w := want.Str
		if fold {
			g, w = strings.ToLower(g), strings.ToLower(w)
		}
		return strings.Compare(g, w), true, nil
	case bool:
		if want.Kind != KindBool {
			return 0, false, fmt.Errorf("want boolean, got %s: %w", want.Str, ErrBadQuery)
		}
		return boolInt(g) - boolInt(want.Bool), true, nil
	case int:
		return compareNum(float64(g), want)
	case int64:
		return compareNum(float64(g), want)
	case float64:
		return compareNum(g, want)
	}
	return 0, false, fmt.Errorf("unsupported field type %T: %w", got, ErrBadQuery)
}

func compareNum(g float64, want Value) (int, bool, error) {
	w := want.Num
	if want.Kind != KindNumber {
		n, err := strconv.ParseFloat(want.Str, 64)
		if err != nil {
			return 0, false, fmt.Errorf("want number, got %s: %w", want.Str, ErrBadQuery)
		}
		w = n
	}
	switch {
	case g < w:
		return -1, true, nil
	case g > w:
		return 1, true, nil
	}
	return 0, true, nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// NextLink builds the @odata.nextLink for r's query with $skip advanced to
// skip and $top set to top, on the host r arrived at (or base when set, for
// an emulator served behind a known URL).
func NextLink(r *http.Request, base string, skip, top int) string {
	q := r.URL.Query()
	q.Set("$skip", strconv.Itoa(skip))
	q.Set("$top", strconv.Itoa(top))
	return emukit.RequestBase(r, base) + r.URL.Path + "?" + Encode(q)
}

// Encode encodes q but keeps "$" readable, as OData services do.
func Encode(q url.Values) string {
	return strings.ReplaceAll(q.Encode(), "%24", "$")
}
