package crowdstrike

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/alertsync/alertsync/internal/emulators/emukit"
)

// actionNames are the action_parameters PATCH /alerts/entities/alerts/v3
// takes (gofalcon's msaspec.ActionParameter: name and value, both
// strings, both required).
var actionNames = []string{
	"assign_to_uuid", "assign_to_user_id", "assign_to_name", "unassign", "add_tag", "remove_tag",
	"remove_tags_by_prefix", "append_comment", "update_status", "show_in_ui",
}

// statusError is the service's own message for a bad update_status value
// (confirmed live, CrowdStrike/falcon-mcp PR #439).
const statusError = `invalid status for update_status action param. must be one of ["new", "in_progress", "reopened", "closed"]`

type action struct{ name, value string }

// decodeActions reads action_parameters strictly: each item an object of
// name and value, both JSON strings (a JSON boolean for show_in_ui or
// unassign is refused, as the live service does).
func decodeActions(m map[string]json.RawMessage) ([]action, error) {
	var items []map[string]json.RawMessage
	if err := field(m, "action_parameters", &items); err != nil {
		return nil, err
	}
	out := make([]action, 0, len(items))
	for _, it := range items {
		var a action
		for k := range it {
			if k != "name" && k != "value" {
				return nil, errInvalidElement
			}
		}
		if field(it, "name", &a.name) != nil || field(it, "value", &a.value) != nil || a.name == "" {
			return nil, errInvalidElement
		}
		if err := a.check(); err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, nil
}

// check validates a value for its action. Messages other than the status
// one are [U], worded in the same style.
func (a action) check() error {
	switch a.name {
	case "update_status":
		if !slices.Contains(statuses, a.value) {
			return fmt.Errorf("%s", statusError)
		}
	case "show_in_ui", "unassign":
		if a.value != "true" && a.value != "false" {
			return fmt.Errorf(`invalid value for %s action param. must be one of ["true", "false"]`, a.name)
		}
	default:
		if !slices.Contains(actionNames, a.name) {
			return fmt.Errorf("invalid action param name %q. must be one of [%s]", a.name, strings.Join(actionNames, ", "))
		}
		if strings.TrimSpace(a.value) == "" {
			return fmt.Errorf("invalid value for %s action param. must not be empty", a.name)
		}
	}
	return nil
}

// patch serves PATCH /alerts/entities/alerts/v3. It answers 200 with meta
// (writes.resources_affected) and errors but no resources. An alert it
// cannot update is listed in errors with its id (404 unknown; 500 when
// failed on purpose, FailItems) and the others are updated [U: the
// service documents no per-item failure; this follows msa.APIError,
// whose id names the object an error is about].
func (e *Emulator) patch(w http.ResponseWriter, r *http.Request) {
	m, err := decodeBody(r, "composite_ids", "action_parameters")
	var ids []string
	var acts []action
	if err == nil {
		ids, err = idsOf(m)
	}
	if err == nil {
		acts, err = decodeActions(m)
	}
	if err != nil {
		e.badRequest(w, r, err.Error())
		return
	}
	by := DefaultAppName
	if p, ok := emukit.PrincipalFrom(r.Context()); ok && p.DisplayName != "" {
		by = p.DisplayName
	}
	errs, affected := []apiError{}, 0
	e.mu.Lock()
	for _, id := range ids {
		a, ok := e.alerts[id]
		switch {
		case e.fail[id]:
			errs = append(errs, apiError{Code: http.StatusInternalServerError, ID: id, Message: "failed to update alert"})
		case !ok:
			errs = append(errs, notFound(id))
		default:
			apply(a, acts, by, e.ticker.Next())
			record(e.ledger, id, acts)
			affected++
		}
	}
	e.mu.Unlock()
	e.log.InfoContext(r.Context(), "alerts updated", "affected", affected, "refused", len(errs))
	mt := newMeta(w, poweredByDetects)
	mt.Writes = &writes{ResourcesAffected: affected}
	writeOK(w, replyMetaOnly{Meta: mt, Errors: errs})
}

// apply runs the actions on a: tag removals first, then additions (the
// documented order), then the rest as given; the resolution follows the
// tags and updated_timestamp moves.
func apply(a *Alert, acts []action, by string, now time.Time) {
	for _, act := range acts {
		switch act.name {
		case "remove_tag":
			a.Tags = slices.DeleteFunc(a.Tags, func(t string) bool { return t == act.value })
		case "remove_tags_by_prefix":
			a.Tags = slices.DeleteFunc(a.Tags, func(t string) bool { return strings.HasPrefix(t, act.value) })
		}
	}
	for _, act := range acts {
		if act.name == "add_tag" && !slices.Contains(a.Tags, act.value) {
			a.Tags = append(a.Tags, act.value)
		}
	}
	for _, act := range acts {
		applyOne(a, act, by, now)
	}
	a.Resolution = nil
	for _, t := range a.Tags {
		if slices.Contains(resolutionTags, t) {
			res := t
			a.Resolution = &res
		}
	}
	a.UpdatedAt = now
}

// record notes the actions applied to alert id in the ledger: its
// comments as such, every other action as the state it sets, except tags
// added beside a comment, which label the comment (a client's reference
// to find it again) rather than set a state.
func record(l *emukit.Ledger, id string, acts []action) {
	var fields []string
	comment, labels := "", 0
	for _, act := range acts {
		switch act.name {
		case "append_comment":
			comment += act.value
			continue
		case "add_tag":
			labels++
		}
		fields = append(fields, act.name+"="+act.value)
	}
	if len(fields) == 0 || (comment != "" && labels == len(fields)) {
		l.Comment("alert", id, comment)
		return
	}
	l.Apply("alert", id, fields, comment)
}

func applyOne(a *Alert, act action, by string, now time.Time) {
	v := act.value
	switch act.name {
	case "update_status":
		setStatus(a, v, now)
	case "append_comment":
		a.Comments = append(a.Comments, Comment{Value: v, CreatedBy: by, CreatedTime: now})
	case "show_in_ui":
		a.ShowInUI = v == "true"
	case "unassign":
		if v == "true" {
			a.AssignedToName, a.AssignedToUID, a.AssignedToUUID = nil, nil, nil
		}
	case "assign_to_name":
		a.AssignedToName = &v
	case "assign_to_uuid":
		a.AssignedToUUID = &v
	case "assign_to_user_id":
		a.AssignedToUID = &v
	}
}
