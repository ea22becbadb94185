package crowdstrike

import (
	"cmp"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The subset of the Falcon Query Language the emulator understands:
// terms `field:'value'`, `field:value`, with a comparison (`>=`, `<=`,
// `>`, `<`) or negation (`!`) after the colon, joined by `+` (AND).
// Unknown fields are refused rather than ignored, so a connector relying
// on a filter the emulator cannot apply fails its tests.

// fieldKind says how a filterable field compares.
type fieldKind int

const (
	kindString fieldKind = iota
	kindTime
	kindNumber
)

// fields are the filterable and sortable properties.
var fields = map[string]struct {
	kind fieldKind
	get  func(*Alert) any
}{
	"created_timestamp": {kindTime, func(a *Alert) any { return a.CreatedAt }},
	"updated_timestamp": {kindTime, func(a *Alert) any { return a.UpdatedAt }},
	"timestamp":         {kindTime, func(a *Alert) any { return a.Timestamp }},
	"status":            {kindString, func(a *Alert) any { return a.Status }},
	"severity":          {kindNumber, func(a *Alert) any { return float64(a.Severity) }},
	"confidence":        {kindNumber, func(a *Alert) any { return float64(a.Confidence) }},
	"product":           {kindString, func(a *Alert) any { return a.Product }},
	"type":              {kindString, func(a *Alert) any { return a.Type }},
	"platform":          {kindString, func(a *Alert) any { return a.Platform }},
	"composite_id":      {kindString, func(a *Alert) any { return a.CompositeID }},
	"tactic_id":         {kindString, func(a *Alert) any { return a.TacticID }},
	"technique_id":      {kindString, func(a *Alert) any { return a.TechniqueID }},
	"tags":              {kindString, func(a *Alert) any { return a.Tags }},
}

// term is one parsed filter term.
type term struct {
	field string
	op    string // "", ">=", "<=", ">", "<"
	neg   bool
	value any // string, time.Time or float64
}

// parseFilter parses an FQL filter; "" and "*" match everything.
func parseFilter(s string) ([]term, error) {
	s = strings.TrimSpace(s)
	if s == "" || s == "*" {
		return nil, nil
	}
	var out []term
	for _, raw := range splitTerms(s) {
		t, err := parseTerm(strings.TrimSpace(raw))
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, nil
}

// splitTerms splits on + outside single quotes.
func splitTerms(s string) []string {
	var out []string
	quoted, start := false, 0
	for i, c := range s {
		switch {
		case c == '\'':
			quoted = !quoted
		case c == '+' && !quoted:
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}

func parseTerm(s string) (term, error) {
	name, rest, ok := strings.Cut(s, ":")
	f, known := fields[strings.TrimSpace(name)]
	if !ok || !known {
		return term{}, fmt.Errorf("invalid filter: unknown field in %q", s)
	}
	t := term{field: strings.TrimSpace(name)}
	if after, ok := strings.CutPrefix(rest, "!"); ok {
		t.neg, rest = true, after
	}
	for _, op := range []string{">=", "<=", ">", "<"} {
		if after, ok := strings.CutPrefix(rest, op); ok {
			t.op, rest = op, after
			break
		}
	}
	val := rest
	if len(val) >= 2 && val[0] == '\'' && val[len(val)-1] == '\'' {
		val = val[1 : len(val)-1]
	}
	var err error
	switch f.kind {
	case kindTime:
		t.value, err = time.Parse(time.RFC3339Nano, val)
	case kindNumber:
		t.value, err = strconv.ParseFloat(val, 64)
	default:
		if t.op != "" {
			err = fmt.Errorf("field %s does not support range comparisons", t.field)
		}
		t.value = val
	}
	if err != nil {
		return term{}, fmt.Errorf("invalid filter value in %q: %w", s, err)
	}
	return t, nil
}

// match reports whether a satisfies every term.
func match(a *Alert, terms []term) bool {
	for _, t := range terms {
		if t.holds(fields[t.field].get(a)) == t.neg {
			return false
		}
	}
	return true
}

func (t term) holds(v any) bool {
	var c int
	switch x := v.(type) {
	case []string:
		return slices.Contains(x, t.value.(string))
	case string:
		return x == t.value.(string)
	case time.Time:
		c = x.Compare(t.value.(time.Time))
	case float64:
		c = cmp.Compare(x, t.value.(float64))
	}
	switch t.op {
	case ">=":
		return c >= 0
	case "<=":
		return c <= 0
	case ">":
		return c > 0
	case "<":
		return c < 0
	}
	return c == 0
}

// order is a parsed sort: field and direction; composite_id breaks ties
// in the same direction.
type order struct {
	field string
	desc  bool
}

// defaultOrder is the service's: newest created first.
var defaultOrder = order{"created_timestamp", true}

// parseSort reads `field|asc` or `field|desc` (or `field.asc`).
func parseSort(s string) (order, error) {
	if strings.TrimSpace(s) == "" {
		return defaultOrder, nil
	}
	name, dir, ok := strings.Cut(s, "|")
	if !ok {
		name, dir, ok = strings.Cut(s, ".")
	}
	if _, known := fields[name]; !known || name == "tags" || (ok && dir != "asc" && dir != "desc") {
		return order{}, fmt.Errorf("invalid sort: %q", s)
	}
	return order{field: name, desc: dir == "desc"}, nil
}

// key is an alert's sort value in a form the after token can carry:
// times as Unix nanoseconds, numbers as numbers, strings as strings.
func (o order) key(a *Alert) any {
	switch v := fields[o.field].get(a).(type) {
	case time.Time:
		return float64(v.UnixNano())
	default:
		return v
	}
}

// compareKeys orders two (key, composite id) pairs in o's direction.
func (o order) compareKeys(ka any, ida string, kb any, idb string) int {
	var c int
	switch x := ka.(type) {
	case float64:
		y, _ := kb.(float64)
		c = cmp.Compare(x, y)
	case string:
		y, _ := kb.(string)
		c = strings.Compare(x, y)
	}
	c = cmp.Or(c, strings.Compare(ida, idb))
	if o.desc {
		return -c
	}
	return c
}

// afterToken is what the opaque `after` token holds, in the shape of the
// service's (base64 JSON with version, total_hits and the last sort
// values), plus the sort it was made for.
type afterToken struct {
	Version   string `json:"version"`
	TotalHits int    `json:"total_hits"`
	After     []any  `json:"after"`
	Sort      string `json:"sort"`
}

func (o order) String() string {
	if o.desc {
		return o.field + "|desc"
	}
	return o.field + "|asc"
}

func encodeAfter(o order, total int, last *Alert) string {
	b, _ := json.Marshal(afterToken{Version: "v1", TotalHits: total, After: []any{o.key(last), last.CompositeID}, Sort: o.String()})
	return base64.StdEncoding.EncodeToString(b)
}

// decodeAfter reads a token; one made for another sort is refused, as
// the service's documentation says paging must restart when sort changes.
func decodeAfter(s string, o order) (key any, id string, err error) {
	b, err := base64.StdEncoding.DecodeString(s)
	var t afterToken
	if err == nil {
		err = json.Unmarshal(b, &t)
	}
	if err != nil || len(t.After) != 2 || t.Sort != o.String() {
		return nil, "", fmt.Errorf("invalid after token")
	}
	id, ok := t.After[1].(string)
	if !ok {
		return nil, "", fmt.Errorf("invalid after token")
	}
	return t.After[0], id, nil
}
