package graph

import (
	"encoding/json"
	"time"
)

// The poll position is a watermark.Cursor over lastUpdateDateTime: see package
// watermark for the overlap window and the dedupe of re-read records.

// stamp is what the cursor needs of a record, read separately from the
// mapping so a record that does not map still moves the cursor.
type stamp struct {
	ID            string `json:"id"`
	LastUpdate    string `json:"lastUpdateDateTime"`
	ServiceSource string `json:"serviceSource"`
}

// readStamp returns the record's id, last update and service source; ok
// is false when the record cannot be placed (no id or no usable time).
func readStamp(raw json.RawMessage) (stamp, time.Time, bool) {
	var s stamp
	if json.Unmarshal(raw, &s) != nil || s.ID == "" {
		return s, time.Time{}, false
	}
	ts, err := parseTime(s.LastUpdate)
	if err != nil {
		return s, time.Time{}, false
	}
	return s, ts.UTC(), true
}
