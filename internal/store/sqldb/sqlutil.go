package sqldb

import (
	"database/sql"
	"iter"
	"strings"
)

// where collects optional filter terms for queries built at run time.
type where struct {
	terms []string
	args  []any
}

func (w *where) add(ok bool, term string, args ...any) {
	if ok {
		w.terms = append(w.terms, term)
		w.args = append(w.args, args...)
	}
}

func (w *where) sql() string {
	if len(w.terms) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(w.terms, " AND ")
}

// marks returns n comma-separated placeholders.
func marks(n int) string {
	if n <= 0 {
		return ""
	}
	return strings.Repeat("?, ", n-1) + "?"
}

// chunks splits s into runs of at most n.
func chunks[T any](s []T, n int) iter.Seq[[]T] {
	return func(yield func([]T) bool) {
		for len(s) > 0 {
			k := min(n, len(s))
			if !yield(s[:k]) {
				return
			}
			s = s[k:]
		}
	}
}

// each scans every row with scan and hands it to fn, closing rows.
func each[T any](rows *sql.Rows, scan func(scanner) (T, error), fn func(T)) error {
	defer func() { _ = rows.Close() }()
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return err
		}
		fn(v)
	}
	return rows.Err()
}

// collect scans every row into a slice.
func collect[T any](rows *sql.Rows, scan func(scanner) (T, error)) ([]T, error) {
	var out []T
	err := each(rows, scan, func(v T) { out = append(out, v) })
	return out, err
}
