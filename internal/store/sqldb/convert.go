package sqldb

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"time"
)

// scanner is *sql.Row or *sql.Rows.
type scanner interface {
	Scan(dest ...any) error
}

// micros stores t as unix microseconds; the zero time is 0.
func micros(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMicro()
}

// fromMicros reverses micros, always in UTC.
func fromMicros(us int64) time.Time {
	if us == 0 {
		return time.Time{}
	}
	return time.UnixMicro(us).UTC()
}

// blob passes bytes as they are, or NULL when empty.
func blob(b []byte) any {
	if len(b) == 0 {
		return nil
	}
	return b
}

// text passes JSON bytes to a TEXT column, or NULL when empty.
func text(b []byte) any {
	if len(b) == 0 {
		return nil
	}
	return string(b)
}

// nullID stores a missing reference (0) as NULL so foreign keys hold.
func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// nullText stores an absent optional key ("") as NULL, so that a unique
// index over the column leaves keyless rows alone.
func nullText(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// jsonText marshals v for a TEXT column.
func jsonText(v any) (string, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("encode json: %w", err)
	}
	return string(b), nil
}

// unmarshalText decodes a TEXT column, treating NULL or empty as absent.
func unmarshalText(b []byte, v any) error {
	if len(b) == 0 || string(b) == "null" {
		return nil
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("decode json: %w", err)
	}
	return nil
}

// limit applies the shared paging rule: 0 means 100, at most 1000.
func limit(n int) int {
	switch {
	case n <= 0:
		return 100
	case n > 1000:
		return 1000
	}
	return n
}

// nullInt64 reads a nullable reference as 0 when NULL.
func nullInt64(n sql.NullInt64) int64 {
	if !n.Valid {
		return 0
	}
	return n.Int64
}
