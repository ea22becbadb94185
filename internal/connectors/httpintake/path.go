package httpintake

import (
	"encoding/json"
	"errors"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/alertsync/alertsync/internal/connector"
)

// lookup returns the values at a dotted path. Keys that themselves contain
// dots (Elastic's "kibana.alert.uuid") match before nested objects do. A
// numeric segment indexes an array; any other segment reaching an array is
// applied to every element, so "devices.hostname" collects each device's
// host name.
func lookup(v any, segs []string) []any {
	if len(segs) == 0 {
		return []any{v}
	}
	switch n := v.(type) {
	case map[string]any:
		for k := len(segs); k > 0; k-- {
			if child, ok := n[strings.Join(segs[:k], ".")]; ok {
				return lookup(child, segs[k:])
			}
		}
		return nil
	case []any:
		if i, err := strconv.Atoi(segs[0]); err == nil {
			if i < 0 || i >= len(n) {
				return nil
			}
			return lookup(n[i], segs[1:])
		}
		var out []any
		for _, e := range n {
			out = append(out, lookup(e, segs)...)
		}
		return out
	}
	return nil
}

func first(vals []any) any {
	for _, v := range vals {
		if v != nil {
			return v
		}
	}
	return nil
}

// scalar renders a string, number or boolean as text.
func scalar(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case json.Number:
		return x.String(), true
	case bool:
		return strconv.FormatBool(x), true
	}
	return "", false
}

// timeLayouts are tried in order for string timestamps; zone-less forms
// are read as UTC.
var timeLayouts = []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02 15:04:05Z07:00"}

// parseTime reads an RFC 3339 (or close) string, or Unix time as a number
// or numeric string: seconds, or milliseconds when too large for seconds.
func parseTime(v any) (time.Time, error) {
	s, ok := scalar(v)
	if !ok || strings.TrimSpace(s) == "" {
		return time.Time{}, errors.New("not a timestamp")
	}
	s = strings.TrimSpace(s)
	if _, err := strconv.ParseFloat(s, 64); err == nil {
		t, err := unixTime(s)
		if err == nil {
			err = connector.CheckTime("timestamp", t)
		}
		return t, err
	}
	for _, l := range timeLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t.UTC(), connector.CheckTime("timestamp", t)
		}
	}
	return time.Time{}, errors.New("unparseable timestamp " + strconv.Quote(s))
}

// unixTime reads Unix time in seconds, or in milliseconds when the value is
// too large for seconds (past the year 5138). Integers are exact; fractional
// seconds are kept to the microsecond.
func unixTime(s string) (time.Time, error) {
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		switch {
		case n < 0:
			return time.Time{}, errors.New("timestamp out of range")
		case n >= 1e11:
			return time.UnixMilli(n).UTC(), nil
		}
		return time.Unix(n, 0).UTC(), nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f < 0 || f >= 1e15 || math.IsNaN(f) {
		return time.Time{}, errors.New("timestamp out of range")
	}
	if f >= 1e11 {
		f /= 1000
	}
	return time.UnixMicro(int64(math.Round(f * 1e6))).UTC(), nil
}
