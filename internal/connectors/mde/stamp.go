package mde

import (
	"encoding/json"
	"time"

	"github.com/alertsync/alertsync/internal/connector"
)

// The poll position is a watermark.Cursor over lastUpdateTime: see package
// watermark for the overlap window and the dedupe of re-read records.

// stamp is what the cursor needs of a record, read separately from the
// mapping so a record that does not map still moves the cursor.
type stamp struct {
	ID         string `json:"id"`
	LastUpdate string `json:"lastUpdateTime"`
}

// readStamp returns the record's id and last update; ok
// is false when the record cannot be placed (no id or no usable time).
func readStamp(raw json.RawMessage) (stamp, time.Time, bool) {
	var s stamp
	if json.Unmarshal(raw, &s) != nil || s.ID == "" {
		return s, time.Time{}, false
	}
	ts, err := time.Parse(time.RFC3339Nano, s.LastUpdate)
	if err != nil || connector.CheckTime("lastUpdateTime", ts) != nil {
		return s, time.Time{}, false
	}
	return s, ts.UTC(), true
}
