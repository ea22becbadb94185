package cortexxdr

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/alertsync/alertsync/internal/emulators/emukit"
)

type updateIncidentRequest struct {
	IncidentID string                     `json:"incident_id"`
	UpdateData map[string]json.RawMessage `json:"update_data"`
}

// incidentUpdate is a checked update_data; nil fields are left alone.
type incidentUpdate struct {
	status, resolveComment, assignee, assigneeName, manualSeverity, comment *string
}

type commentAction struct {
	Action string `json:"comment_action"`
	Value  string `json:"value"`
}

func (e *Emulator) parseIncidentUpdate(data map[string]json.RawMessage) (incidentUpdate, error) {
	var u incidentUpdate
	fields := map[string]**string{
		"status": &u.status, "resolve_comment": &u.resolveComment, "assigned_user_mail": &u.assignee,
		"assigned_user_pretty_name": &u.assigneeName, "manual_severity": &u.manualSeverity,
	}
	for k, v := range data {
		if k == "comment" {
			var c commentAction
			if err := json.Unmarshal(v, &c); err != nil || c.Action != "add" || strings.TrimSpace(c.Value) == "" {
				return u, fmt.Errorf(`update_data.comment must be {"comment_action":"add","value":"<text>"}`)
			}
			u.comment = &c.Value
			continue
		}
		dst, ok := fields[k]
		if !ok {
			return u, fmt.Errorf("update_data field %q is not supported", k)
		}
		var s string
		if err := json.Unmarshal(v, &s); err != nil {
			return u, fmt.Errorf("update_data.%s must be a string", k)
		}
		*dst = &s
	}
	return u, e.checkIncidentUpdate(u)
}

func (e *Emulator) checkIncidentUpdate(u incidentUpdate) error {
	if u.status != nil && !validIncidentStatus(*u.status) {
		return fmt.Errorf("invalid status %q; allowed values: %s", *u.status, strings.Join(incidentWriteStatuses, ", "))
	}
	if u.manualSeverity != nil && !slices.Contains(manualSeverities, *u.manualSeverity) {
		return fmt.Errorf("invalid manual_severity %q; allowed values: critical, high, medium, low, or empty to clear", *u.manualSeverity)
	}
	if u.assignee != nil && *u.assignee != "" && *u.assignee != "none" && !e.tenantUser(*u.assignee) {
		return fmt.Errorf("assigned_user_mail %q is not a user of this tenant", *u.assignee)
	}
	return nil
}

func (e *Emulator) tenantUser(mail string) bool {
	return slices.ContainsFunc(e.opts.World.Users, func(u emukit.User) bool { return strings.EqualFold(u.UPN, mail) })
}

// applyLocked changes in and reports whether anything changed. A
// resolve_comment is refused unless the incident ends up resolved;
// reopening clears it and the resolved time; a comment joins the thread.
func (u incidentUpdate) applyLocked(in *Incident, author string, now int64) (bool, error) {
	status := in.Status
	if u.status != nil {
		status = *u.status
	}
	if u.resolveComment != nil && !resolved(status) {
		return false, fmt.Errorf("resolve_comment can only be set on a resolved incident (status %q)", status)
	}
	changed := status != in.Status
	if changed {
		in.Status = status
		if resolved(status) {
			in.ResolvedTimestamp = &now
		} else {
			in.ResolvedTimestamp, in.ResolveComment = nil, nil
		}
	}
	changed = setPtr(&in.ResolveComment, u.resolveComment) || changed
	changed = setPtr(&in.AssignedUserPrettyName, u.assigneeName) || changed
	if u.assignee != nil {
		v := u.assignee
		if *v == "" || *v == "none" {
			v = nil
		}
		changed = assign(&in.AssignedUserMail, v) || changed
	}
	if u.manualSeverity != nil {
		v := u.manualSeverity
		if *v == "" {
			v = nil
		}
		changed = assign(&in.ManualSeverity, v) || changed
	}
	if u.comment != nil {
		in.comments = append(in.comments, Comment{Value: *u.comment, Author: author, At: now})
		changed = true
	}
	return changed, nil
}

// record notes an applied update in the ledger: its comment as such,
// the rest of update_data as the state it sets.
func (u incidentUpdate) record(l *emukit.Ledger, id string, data map[string]json.RawMessage) {
	comment := ""
	if u.comment != nil {
		comment = *u.comment
	}
	fields := make(map[string]json.RawMessage, len(data))
	for k, v := range data {
		if k != "comment" {
			fields[k] = v
		}
	}
	if len(fields) == 0 {
		l.Comment("incident", id, comment)
		return
	}
	l.Apply("incident", id, fields, comment)
}

// setPtr sets *dst to a copy of *v when v is given and differs.
func setPtr(dst **string, v *string) bool {
	if v == nil {
		return false
	}
	return assign(dst, v)
}

// assign sets *dst to a copy of v (nil clears) and reports a change.
func assign(dst **string, v *string) bool {
	if (*dst == nil && v == nil) || (*dst != nil && v != nil && **dst == *v) {
		return false
	}
	*dst = clonePtr(v)
	return true
}

// updateIncident applies update_data to one incident and answers
// {"reply": true}.
func (e *Emulator) updateIncident(w http.ResponseWriter, r *http.Request) {
	var req updateIncidentRequest
	if err := decodeRequest(r, &req); err != nil {
		e.badRequest(w, r, "%s", err.Error())
		return
	}
	u, err := e.parseIncidentUpdate(req.UpdateData)
	if err != nil {
		e.badRequest(w, r, "%s", err.Error())
		return
	}
	e.mu.Lock()
	in, ok := e.incidents[req.IncidentID]
	switch {
	case !ok:
		e.mu.Unlock()
		e.badRequest(w, r, "Incident %s was not found", req.IncidentID)
		return
	case e.failing[req.IncidentID]:
		e.mu.Unlock()
		errorWriter{e}.WriteServerError(w, r, http.StatusInternalServerError)
		return
	}
	now := e.stampLocked()
	changed, err := u.applyLocked(in, "API key "+r.Header.Get(headerAuthID), now)
	if changed {
		in.ModificationTime = now
		u.record(e.ledger, req.IncidentID, req.UpdateData)
	}
	e.mu.Unlock()
	if err != nil {
		e.badRequest(w, r, "%s", err.Error())
		return
	}
	emukit.WriteJSON(w, http.StatusOK, map[string]any{"reply": true})
}

// SetIncidentStatus changes an incident's status as an analyst in the
// console would.
func (e *Emulator) SetIncidentStatus(id, status string) bool {
	if !validIncidentStatus(status) {
		return false
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	in, ok := e.incidents[id]
	if !ok {
		return false
	}
	now := e.stampLocked()
	_, _ = incidentUpdate{status: &status}.applyLocked(in, "analyst", now)
	in.ModificationTime = now
	e.ledger.Changed("incident", id)
	return true
}
