package cortexxdr

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/alertsync/alertsync/internal/emulators/emukit"
)

// MaxUpdateAlerts is how many alerts one update_alerts call may name.
const MaxUpdateAlerts = 100

type updateAlertsRequest struct {
	AlertIDList []json.RawMessage          `json:"alert_id_list"`
	UpdateData  map[string]json.RawMessage `json:"update_data"`
}

// alertUpdate is a checked update_data: nil fields are left alone.
type alertUpdate struct {
	status, severity, comment *string
}

func parseAlertUpdate(data map[string]json.RawMessage) (alertUpdate, error) {
	var u alertUpdate
	for k, v := range data {
		var s string
		if err := json.Unmarshal(v, &s); err != nil {
			return u, fmt.Errorf("update_data.%s must be a string", k)
		}
		switch k {
		case "status":
			if !validAlertStatus(s) {
				return u, fmt.Errorf("invalid status %q; allowed values: %s", s, strings.Join(alertWriteStatuses, ", "))
			}
			u.status = &s
		case "severity":
			if !slices.Contains(alertSeverities, s) {
				return u, fmt.Errorf("invalid severity %q; allowed values: %s", s, strings.Join(alertSeverities, ", "))
			}
			u.severity = &s
		case "comment":
			u.comment = &s
		default:
			return u, fmt.Errorf("update_data field %q is not supported; use status, severity or comment", k)
		}
	}
	return u, nil
}

// applyLocked changes a and reports whether anything changed. The
// comment replaces the resolution comment: an alert holds one, not a
// thread.
func (u alertUpdate) applyLocked(a *Alert) bool {
	changed := false
	if u.status != nil && a.ResolutionStatus != alertReadStatus[*u.status] {
		a.ResolutionStatus, changed = alertReadStatus[*u.status], true
	}
	if u.severity != nil && a.Severity != *u.severity {
		a.Severity, changed = *u.severity, true
	}
	if u.comment != nil && (a.ResolutionComment == nil || *a.ResolutionComment != *u.comment) {
		c := *u.comment
		a.ResolutionComment, changed = &c, true
	}
	return changed
}

// updateAlerts applies one update to up to 100 alerts. The answer lists
// the alerts it updated; an alert it could not (unknown, or failed on
// purpose with FailItems) is simply missing from alerts_ids, which is how
// a client learns of a per-alert failure.
func (e *Emulator) updateAlerts(w http.ResponseWriter, r *http.Request) {
	var req updateAlertsRequest
	if err := decodeRequest(r, &req); err != nil {
		e.badRequest(w, r, "%s", err.Error())
		return
	}
	ids, err := alertIDs(req.AlertIDList)
	if err != nil {
		e.badRequest(w, r, "%s", err.Error())
		return
	}
	u, err := parseAlertUpdate(req.UpdateData)
	if err != nil {
		e.badRequest(w, r, "%s", err.Error())
		return
	}
	e.mu.Lock()
	stamp := e.stampLocked()
	done := []string{}
	for _, id := range ids {
		a, ok := e.alerts[id]
		if !ok || e.failing[id] {
			continue
		}
		if u.applyLocked(a) {
			a.LastModifiedTS = stamp
			e.ledger.State("alert", id, req.UpdateData)
		}
		done = append(done, id)
	}
	e.mu.Unlock()
	emukit.WriteJSON(w, http.StatusOK, map[string]any{"reply": map[string]any{"alerts_ids": done}})
}

// alertIDs reads alert_id_list: 1 to 100 ids, as strings of digits (the
// documented example) or integers.
func alertIDs(raw []json.RawMessage) ([]string, error) {
	switch {
	case len(raw) == 0:
		return nil, fmt.Errorf("alert_id_list is required")
	case len(raw) > MaxUpdateAlerts:
		return nil, fmt.Errorf("alert_id_list may hold at most %d alerts; got %d", MaxUpdateAlerts, len(raw))
	}
	ids, err := list(filter{Field: "alert_id_list", Value: mustMarshal(raw)}, true)
	if err != nil {
		return nil, err
	}
	return ids, nil
}

func mustMarshal(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("cortexxdr: marshal %T: %v", v, err))
	}
	return b
}

// formatID renders an incident or alert number as the API spells ids.
func formatID(n int64) string { return strconv.FormatInt(n, 10) }
