package elastic

import (
	"sort"
	"time"
)

// sortKey is one sort criterion.
type sortKey struct {
	field string
	desc  bool
}

// parseSort reads the sort parameter: a field name, {"field": "asc"},
// {"field": {"order": "desc"}}, or an array of those.
func parseSort(v any) ([]sortKey, error) {
	if v == nil {
		return nil, nil
	}
	items, ok := v.([]any)
	if !ok {
		items = []any{v}
	}
	var out []sortKey
	for _, it := range items {
		switch x := it.(type) {
		case string:
			out = append(out, sortKey{field: x, desc: x == "_score"})
		case map[string]any:
			for f, o := range x {
				k, err := sortOrder(f, o)
				if err != nil {
					return nil, err
				}
				out = append(out, k)
			}
		default:
			return nil, parseErr("[sort] malformed")
		}
	}
	return out, nil
}

func sortOrder(field string, o any) (sortKey, error) {
	order := ""
	switch x := o.(type) {
	case string:
		order = x
	case map[string]any:
		order, _ = x["order"].(string)
	}
	switch order {
	case "", "asc":
		return sortKey{field: field}, nil
	case "desc":
		return sortKey{field: field, desc: true}, nil
	}
	return sortKey{}, parseErr("[sort] unknown order [%s]", order)
}

// sortDocs orders docs by keys; a document without the field sorts
// last either way, as Elasticsearch's default "missing": "_last".
func sortDocs(docs []*doc, keys []sortKey, now time.Time) {
	sort.SliceStable(docs, func(i, j int) bool {
		for _, k := range keys {
			a, b := sortValue(docs[i], k.field), sortValue(docs[j], k.field)
			switch {
			case a == nil && b == nil:
				continue
			case a == nil:
				return false
			case b == nil:
				return true
			}
			c, ok := compareValues(a, b, now)
			if !ok || c == 0 {
				continue
			}
			return (c < 0) != k.desc
		}
		return false
	})
}

func sortValue(d *doc, field string) any {
	if field == "_doc" {
		return float64(d.seq)
	}
	vs := docValues(d, field)
	if len(vs) == 0 {
		return nil
	}
	return vs[0]
}

// hitSortValue is the value a hit's "sort" array holds for field: epoch
// milliseconds for a date, the value itself otherwise, null when missing.
func hitSortValue(d *doc, field string) any {
	v := sortValue(d, field)
	if s, ok := v.(string); ok {
		if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
			return t.UnixMilli()
		}
	}
	return v
}
