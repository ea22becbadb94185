package connector

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/alertsync/alertsync/internal/model"
)

// DecodeAlert decodes one vendor record into its wire type W and maps it.
// Whatever goes wrong, the item keeps raw verbatim and Err says why, so
// the engine quarantines the record instead of dropping it: a record the
// mapping cannot read, or whose times alertsync cannot keep (CheckTime).
// what names the record in errors ("graph alert").
func DecodeAlert[W any](raw json.RawMessage, what string, id func(W) string, toAlert func(W) (*model.Alert, error)) Item {
	it := Item{Raw: raw}
	var w W
	if err := json.Unmarshal(raw, &w); err != nil {
		it.Err = fmt.Errorf("decode %s: %w", what, err)
		return it
	}
	it.VendorID = id(w)
	a, err := toAlert(w)
	if err == nil {
		err = checkTimes(what, it.VendorID, a.CreatedAt, a.UpdatedAt)
	}
	if err != nil {
		it.Err = err
		return it
	}
	a.Raw = raw
	it.Alert = a
	return it
}

// checkTimes is CheckTime for a mapped record's creation and last-change
// times; the error names the record.
func checkTimes(what, id string, created, updated time.Time) error {
	for _, c := range []struct {
		field string
		t     time.Time
	}{{"created", created}, {"updated", updated}} {
		if err := CheckTime(c.field, c.t); err != nil {
			return fmt.Errorf("%s %s: %w", what, id, err)
		}
	}
	return nil
}
