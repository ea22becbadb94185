package elastic

import (
	"encoding/json"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Values compare the way Elasticsearch compares them for the field's
// mapping: dates as instants, numbers as numbers, keywords as strings.
// The emulator has no mapping, so a document value that reads as an ISO
// 8601 time is a date.

// docValues are a document's values of field, with the metadata fields
// _id and _index.
func docValues(d *doc, field string) []any {
	switch field {
	case "_id":
		return []any{d.id}
	case "_index":
		return []any{d.index}
	}
	return values(d.source, field)
}

// compareValues orders a document value against a query value: as times
// when the document holds a date, as numbers, or as strings (keyword
// order). ok is false when they cannot be compared.
func compareValues(docVal, qVal any, now time.Time) (int, bool) {
	if s, isStr := docVal.(string); isStr {
		if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
			if q, ok := queryTime(qVal, now); ok {
				return t.Compare(q), true
			}
		}
	}
	if a, ok := number(docVal); ok {
		if b, ok := number(qVal); ok {
			return cmpFloat(a, b), true
		}
	}
	a, okA := docVal.(string)
	b, okB := qVal.(string)
	if okA && okB {
		return strings.Compare(a, b), true
	}
	if a, ok := docVal.(bool); ok {
		if b, ok := qVal.(bool); ok && a == b {
			return 0, true
		}
		return 1, true
	}
	return 0, false
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func number(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case json.Number:
		f, err := x.Float64()
		return f, err == nil
	case string:
		f, err := strconv.ParseFloat(x, 64)
		return f, err == nil
	}
	return 0, false
}

var (
	dateMath   = regexp.MustCompile(`^now((?:[+-]\d+[smhdw])*)(?:/([smhd]))?$`)
	dateMathOp = regexp.MustCompile(`[+-]\d+[smhdw]`)
)

// queryTime reads a date a query gives: an ISO 8601 string, epoch
// milliseconds, or date math relative to now ("now-15m", "now/d").
func queryTime(v any, now time.Time) (time.Time, bool) {
	switch x := v.(type) {
	case json.Number:
		ms, err := x.Int64()
		return time.UnixMilli(ms).UTC(), err == nil
	case float64:
		return time.UnixMilli(int64(x)).UTC(), true
	case string:
		if t, err := time.Parse(time.RFC3339Nano, x); err == nil {
			return t, true
		}
		if t, err := time.Parse("2006-01-02", x); err == nil {
			return t, true
		}
		return applyDateMath(x, now)
	}
	return time.Time{}, false
}

var mathUnits = map[byte]time.Duration{'s': time.Second, 'm': time.Minute, 'h': time.Hour, 'd': 24 * time.Hour, 'w': 7 * 24 * time.Hour}

func applyDateMath(s string, now time.Time) (time.Time, bool) {
	m := dateMath.FindStringSubmatch(s)
	if m == nil {
		return time.Time{}, false
	}
	t := now.UTC()
	for _, op := range dateMathOp.FindAllString(m[1], -1) {
		n, _ := strconv.Atoi(op[1 : len(op)-1])
		d := time.Duration(n) * mathUnits[op[len(op)-1]]
		if op[0] == '-' {
			d = -d
		}
		t = t.Add(d)
	}
	if m[2] != "" {
		t = t.Truncate(mathUnits[m[2][0]])
	}
	return t, true
}
