package elastic

import (
	"encoding/json"
	"fmt"
	"strconv"
	"time"
)

// The query DSL subset signals/search and signals/status take: bool
// (filter, must, should, must_not, minimum_should_match), term, terms,
// range (gt, gte, lt, lte; dates as ISO strings, epoch milliseconds or
// "now" date math), exists, ids, match_all and match_none. Anything else
// is refused as Elasticsearch refuses an unknown query; the emulator
// does not score, so must and filter are the same.

// matcher reports whether a document matches.
type matcher func(d *doc) bool

// queryError is a query Elasticsearch would refuse to parse.
type queryError struct{ msg string }

func (e *queryError) Error() string { return "[parsing_exception] " + e.msg }

func parseErr(format string, args ...any) error {
	return &queryError{msg: fmt.Sprintf(format, args...)}
}

// compile turns a query object into a matcher; now anchors date math.
func compile(q any, now time.Time) (matcher, error) {
	m, ok := q.(map[string]any)
	if !ok || len(m) != 1 {
		return nil, parseErr("query malformed, must start with start_object and hold exactly one query")
	}
	for kind, body := range m {
		switch kind {
		case "match_all":
			return func(*doc) bool { return true }, nil
		case "match_none":
			return func(*doc) bool { return false }, nil
		case "bool":
			return compileBool(body, now)
		case "term":
			return compileTerm(body, now)
		case "terms":
			return compileTerms(body, now)
		case "range":
			return compileRange(body, now)
		case "exists":
			return compileExists(body)
		case "ids":
			return compileIDs(body)
		}
		return nil, parseErr("unknown query [%s]", kind)
	}
	return nil, parseErr("empty query")
}

func compileBool(body any, now time.Time) (matcher, error) {
	b, ok := body.(map[string]any)
	if !ok {
		return nil, parseErr("[bool] query malformed, no start_object after query name")
	}
	clauses := map[string][]matcher{}
	msm := -1
	for k, v := range b {
		switch k {
		case "filter", "must", "should", "must_not":
			ms, err := compileList(v, now)
			if err != nil {
				return nil, err
			}
			clauses[k] = ms
		case "minimum_should_match":
			n, err := minimumShould(v)
			if err != nil {
				return nil, err
			}
			msm = n
		case "boost", "_name":
		default:
			return nil, parseErr("[bool] query does not support [%s]", k)
		}
	}
	if msm < 0 {
		msm = 0
		if len(clauses["should"]) > 0 && len(clauses["filter"])+len(clauses["must"]) == 0 {
			msm = 1
		}
	}
	return func(d *doc) bool {
		for _, k := range []string{"filter", "must"} {
			for _, m := range clauses[k] {
				if !m(d) {
					return false
				}
			}
		}
		for _, m := range clauses["must_not"] {
			if m(d) {
				return false
			}
		}
		n := 0
		for _, m := range clauses["should"] {
			if m(d) {
				n++
			}
		}
		return n >= msm
	}, nil
}

// compileList compiles one clause object or an array of them.
func compileList(v any, now time.Time) ([]matcher, error) {
	items, ok := v.([]any)
	if !ok {
		items = []any{v}
	}
	out := make([]matcher, 0, len(items))
	for _, it := range items {
		m, err := compile(it, now)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, nil
}

func minimumShould(v any) (int, error) {
	var s string
	switch x := v.(type) {
	case json.Number:
		s = x.String()
	case string:
		s = x
	default:
		return 0, parseErr("[bool] minimum_should_match must be a number")
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return 0, parseErr("[bool] minimum_should_match [%s] is not supported by the emulator", s)
	}
	return n, nil
}

// single reads {"field": params} with exactly one field.
func single(kind string, body any) (string, any, error) {
	m, ok := body.(map[string]any)
	if !ok {
		return "", nil, parseErr("[%s] query malformed, no start_object after query name", kind)
	}
	var field string
	var params any
	n := 0
	for k, v := range m {
		if k == "boost" || k == "_name" {
			continue
		}
		field, params, n = k, v, n+1
	}
	if n != 1 {
		return "", nil, parseErr("[%s] query doesn't support multiple fields", kind)
	}
	return field, params, nil
}

func compileTerm(body any, now time.Time) (matcher, error) {
	field, v, err := single("term", body)
	if err != nil {
		return nil, err
	}
	if m, ok := v.(map[string]any); ok {
		v = m["value"]
	}
	return func(d *doc) bool { return anyEqual(docValues(d, field), v, now) }, nil
}

func compileTerms(body any, now time.Time) (matcher, error) {
	field, v, err := single("terms", body)
	if err != nil {
		return nil, err
	}
	list, ok := v.([]any)
	if !ok {
		return nil, parseErr("[terms] query does not support [%s]", field)
	}
	return func(d *doc) bool {
		vals := docValues(d, field)
		for _, want := range list {
			if anyEqual(vals, want, now) {
				return true
			}
		}
		return false
	}, nil
}

func anyEqual(vals []any, want any, now time.Time) bool {
	for _, v := range vals {
		if c, ok := compareValues(v, want, now); ok && c == 0 {
			return true
		}
	}
	return false
}

func compileRange(body any, now time.Time) (matcher, error) {
	field, p, err := single("range", body)
	if err != nil {
		return nil, err
	}
	params, ok := p.(map[string]any)
	if !ok {
		return nil, parseErr("[range] query malformed, no start_object after field name")
	}
	type bound struct {
		v    any
		test func(int) bool
	}
	var bounds []bound
	for k, v := range params {
		switch k {
		case "gt":
			bounds = append(bounds, bound{v, func(c int) bool { return c > 0 }})
		case "gte":
			bounds = append(bounds, bound{v, func(c int) bool { return c >= 0 }})
		case "lt":
			bounds = append(bounds, bound{v, func(c int) bool { return c < 0 }})
		case "lte":
			bounds = append(bounds, bound{v, func(c int) bool { return c <= 0 }})
		case "format", "time_zone", "boost", "relation":
		default:
			return nil, parseErr("[range] query does not support [%s]", k)
		}
	}
	return func(d *doc) bool {
		for _, v := range docValues(d, field) {
			all := true
			for _, b := range bounds {
				c, ok := compareValues(v, b.v, now)
				if !ok || !b.test(c) {
					all = false
					break
				}
			}
			if all {
				return true
			}
		}
		return false
	}, nil
}

func compileExists(body any) (matcher, error) {
	m, ok := body.(map[string]any)
	field, _ := m["field"].(string)
	if !ok || field == "" {
		return nil, parseErr("[exists] must be provided with a [field]")
	}
	return func(d *doc) bool { return len(docValues(d, field)) > 0 }, nil
}

func compileIDs(body any) (matcher, error) {
	m, ok := body.(map[string]any)
	list, okList := m["values"].([]any)
	if !ok || !okList {
		return nil, parseErr("[ids] query malformed, no [values]")
	}
	ids := map[string]bool{}
	for _, v := range list {
		if s, ok := v.(string); ok {
			ids[s] = true
		}
	}
	return func(d *doc) bool { return ids[d.id] }, nil
}
