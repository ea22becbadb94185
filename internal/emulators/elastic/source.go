package elastic

import (
	"strings"
)

// Alert documents mix two shapes, as real ones do: ECS source fields are
// nested objects ("host": {"name": ...}) while Kibana's own fields are
// dotted keys at the root ("kibana.alert.workflow_status": ...), and
// Kibana's status script writes dotted root keys too. Elasticsearch reads
// a field path through either shape, so the emulator does the same.

// values returns every value of the field at path in src, whichever mix
// of dotted keys and nested objects spells it, with arrays flattened.
func values(src map[string]any, path string) []any {
	var out []any
	if v, ok := src[path]; ok {
		out = appendFlat(out, v)
	}
	for i := 0; i < len(path); i++ {
		if path[i] != '.' {
			continue
		}
		head, rest := path[:i], path[i+1:]
		switch sub := src[head].(type) {
		case map[string]any:
			out = append(out, values(sub, rest)...)
		case []any:
			for _, e := range sub {
				if m, ok := e.(map[string]any); ok {
					out = append(out, values(m, rest)...)
				}
			}
		}
	}
	return out
}

func appendFlat(out []any, v any) []any {
	switch x := v.(type) {
	case nil:
		return out
	case []any:
		for _, e := range x {
			out = appendFlat(out, e)
		}
		return out
	}
	return append(out, v)
}

// first returns the field's first value as a string, or "".
func first(src map[string]any, path string) string {
	for _, v := range values(src, path) {
		if s, ok := v.(string); ok {
			return s
		}
	}
	return ""
}

// filterSource keeps the parts of src that include names, as the
// _source parameter of a search does: a pattern names a field path (a
// trailing "*" matches any path it prefixes) and keeps it in whatever
// shape the document holds it.
func filterSource(src map[string]any, includes []string) map[string]any {
	return filterPrefix(src, "", includes)
}

func filterPrefix(src map[string]any, prefix string, includes []string) map[string]any {
	out := map[string]any{}
	for k, v := range src {
		p := prefix + k
		switch {
		case matchesAny(p, includes):
			out[k] = v
		case leadsTo(p, includes):
			if m, ok := v.(map[string]any); ok {
				if sub := filterPrefix(m, p+".", includes); len(sub) > 0 {
					out[k] = sub
				}
			}
		}
	}
	return out
}

// matchesAny reports whether path is named by a pattern or lies within a
// named object.
func matchesAny(path string, patterns []string) bool {
	for _, p := range patterns {
		if star, ok := strings.CutSuffix(p, "*"); ok {
			if strings.HasPrefix(path, star) {
				return true
			}
			continue
		}
		if path == p || strings.HasPrefix(path, p+".") {
			return true
		}
	}
	return false
}

// leadsTo reports whether some pattern names a field inside path.
func leadsTo(path string, patterns []string) bool {
	for _, p := range patterns {
		if strings.HasPrefix(strings.TrimSuffix(p, "*"), path+".") {
			return true
		}
	}
	return false
}
