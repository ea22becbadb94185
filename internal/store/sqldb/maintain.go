package sqldb

import (
	"context"
	"fmt"
)

// Maintain analyzes the store's tables that changed by more than a tenth
// of their rows (and a thousand) since their last analysis, by anyone:
// with autovacuum on it finds nothing to do. Only a dialect with a
// StaleTables query does anything.
func (db *DB) Maintain(ctx context.Context) ([]string, error) {
	if db.d.StaleTables == "" {
		return nil, nil
	}
	rows, err := db.sys().queryDyn(ctx, db.d.StaleTables)
	if err != nil {
		return nil, fmt.Errorf("find stale tables: %w", err)
	}
	var names []string
	err = each(rows, func(s scanner) (string, error) {
		var n string
		return n, s.Scan(&n)
	}, func(n string) { names = append(names, n) })
	if err != nil {
		return nil, fmt.Errorf("find stale tables: %w", err)
	}
	for _, n := range names {
		// n comes from the catalog; quoted as an identifier all the same.
		if err := db.sys().execDyn(ctx, `ANALYZE "`+n+`"`); err != nil {
			return names, fmt.Errorf("analyze %s: %w", n, err)
		}
	}
	return names, nil
}
