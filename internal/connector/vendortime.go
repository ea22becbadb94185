package connector

import (
	"fmt"
	"time"
)

// CheckTime refuses a vendor time alertsync cannot keep. Alerts, their
// revisions and poll cursors are stored as JSON, which encodes the years
// 0 to 9999 only: a record stamped later (an epoch value in the wrong
// unit, 9999-12-31 with a negative offset) would otherwise fail the
// transaction that stores it, or lose the cursor, instead of being
// quarantined with its reason. The zero time (not given) passes.
func CheckTime(field string, t time.Time) error {
	if t.IsZero() {
		return nil
	}
	for _, y := range []int{t.Year(), t.UTC().Year()} {
		if y < 0 || y > 9999 {
			return fmt.Errorf("%s %s is outside the years 0 to 9999", field, t.UTC().Format(time.RFC3339))
		}
	}
	return nil
}
