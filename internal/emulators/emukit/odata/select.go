package odata

// Select returns the items every clause matches, in their order. value
// gives an item's value for a clause's field (the caller has checked the
// field exists); strings compare case-insensitively when foldCase. Every
// clause is evaluated on every item, so a clause the service would refuse
// is reported even when an earlier one already ruled the item out. Errors
// are Clause.Match's, for the caller to answer in its vendor's words.
func Select[T any](items []T, clauses []Clause, value func(item T, field string) any, foldCase bool) ([]T, error) {
	var out []T
	for _, it := range items {
		keep := true
		for _, c := range clauses {
			ok, err := c.Match(value(it, c.Field), foldCase)
			if err != nil {
				return nil, err
			}
			keep = keep && ok
		}
		if keep {
			out = append(out, it)
		}
	}
	return out, nil
}
