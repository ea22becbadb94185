package elastic

import (
	"encoding/json"
	"strings"
)

// source is an alert's _source. Kibana indexes it in a mixed shape: ECS
// fields of the source event as nested objects ("host": {"name": ...})
// and its own fields as dotted keys at the root ("kibana.alert.severity":
// ...), and either may appear in the other shape. A field is read by its
// full path through whichever mix spells it.
type source map[string]json.RawMessage

// raw returns the first value of the field at path, or nil.
func (s source) raw(path string) json.RawMessage {
	if v, ok := s[path]; ok && !isNull(v) {
		return v
	}
	for i := 0; i < len(path); i++ {
		if path[i] != '.' {
			continue
		}
		v, ok := s[path[:i]]
		if !ok || !strings.HasPrefix(strings.TrimSpace(string(v)), "{") {
			continue
		}
		var sub source
		if json.Unmarshal(v, &sub) != nil {
			continue
		}
		if got := sub.raw(path[i+1:]); got != nil {
			return got
		}
	}
	return nil
}

func isNull(v json.RawMessage) bool { return strings.TrimSpace(string(v)) == "null" }

// str returns the field as a string: a string value, or the first string
// of an array ("" otherwise).
func (s source) str(path string) string {
	for _, v := range s.strs(path) {
		return v
	}
	return ""
}

// strs returns the field's string values, one or an array of them.
func (s source) strs(path string) []string {
	v := s.raw(path)
	if v == nil {
		return nil
	}
	var one string
	if json.Unmarshal(v, &one) == nil {
		return []string{one}
	}
	var many []string
	if json.Unmarshal(v, &many) == nil {
		return many
	}
	return nil
}

// num returns a numeric field and whether it was there.
func (s source) num(path string) (float64, bool) {
	v := s.raw(path)
	if v == nil {
		return 0, false
	}
	var f float64
	return f, json.Unmarshal(v, &f) == nil
}
