package mde

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/alertsync/alertsync/internal/emulators/emukit"
)

var settableStatuses = []string{"New", "InProgress", "Resolved"}

// determinations lists, per classification, the determinations an
// operation accepts. Microsoft's pages spell two of them differently and
// which spelling the service takes is unconfirmed, so each operation takes
// exactly what its own page documents and refuses the other spelling:
// PATCH /api/alerts/{id} follows update-alert.md (ConfirmedActivity,
// NotMalicious); POST /api/alerts/batchUpdate follows
// batch-update-alerts.md (ConfirmedUserActivity, Clean). Apt and
// SecurityPersonnel, deprecated since August 2022 on both pages, are in
// neither.
type determinations map[string][]string

var (
	patchDeterminations = determinations{
		"TruePositive":                  {"MultiStagedAttack", "MaliciousUserActivity", "CompromisedUser", "Malware", "Phishing", "UnwantedSoftware", "Other"},
		"InformationalExpectedActivity": {"SecurityTesting", "LineOfBusinessApplication", "ConfirmedActivity", "Other"},
		"FalsePositive":                 {"NotMalicious", "InsufficientData", "Other"},
	}
	batchDeterminations = determinations{
		"TruePositive":                  {"MultiStagedAttack", "MaliciousUserActivity", "CompromisedUser", "Malware", "Phishing", "UnwantedSoftware", "Other"},
		"InformationalExpectedActivity": {"SecurityTesting", "LineOfBusinessApplication", "ConfirmedUserActivity", "Other"},
		"FalsePositive":                 {"Clean", "InsufficientData", "Other"},
	}
)

// update is a validated PATCH or batchUpdate body.
type update struct {
	AlertIDs       []string `json:"alertIds"`
	Status         *string  `json:"status"`
	AssignedTo     *string  `json:"assignedTo"`
	Classification *string  `json:"classification"`
	Determination  *string  `json:"determination"`
	Comment        *string  `json:"comment"`
}

// decodeUpdate reads the body strictly: property names are case-sensitive
// and anything unknown is refused with InvalidRequestBody.
func decodeUpdate(r *http.Request, batch bool) (update, error) {
	raw, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		return update{}, fmt.Errorf("read request body: %w", err)
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(bytes.TrimSpace(raw), &fields); err != nil || fields == nil {
		return update{}, fmt.Errorf("request body must be a JSON object")
	}
	allowed := []string{"status", "assignedTo", "classification", "determination", "comment"}
	if batch {
		allowed = append(allowed, "alertIds")
	}
	keys := make([]string, 0, len(fields))
	for k := range fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if !slices.Contains(allowed, k) {
			return update{}, fmt.Errorf("'%s' is not a valid property (property names are case sensitive)", k)
		}
	}
	var u update
	if err := json.Unmarshal(raw, &u); err != nil {
		return update{}, fmt.Errorf("invalid property value: %w", err)
	}
	return u, nil
}

// validate checks enum values against the alert's resulting
// classification and the operation's documented determinations.
func (u update) validate(current *string, allowed determinations) error {
	if u.Status != nil && !slices.Contains(settableStatuses, *u.Status) {
		return fmt.Errorf("invalid status '%s'; allowed values: New, InProgress, Resolved", *u.Status)
	}
	class := current
	if u.Classification != nil {
		if _, ok := allowed[*u.Classification]; !ok {
			return fmt.Errorf("invalid classification '%s'; allowed values: TruePositive, InformationalExpectedActivity, FalsePositive", *u.Classification)
		}
		class = u.Classification
	}
	if u.Determination == nil {
		return nil
	}
	if class == nil {
		return fmt.Errorf("determination '%s' requires a classification", *u.Determination)
	}
	if !slices.Contains(allowed[*class], *u.Determination) {
		return fmt.Errorf("invalid determination '%s' for classification '%s'; allowed values: %s", *u.Determination, *class, strings.Join(allowed[*class], ", "))
	}
	return nil
}

// record notes the update applied to alert id in the ledger: the fields
// it set, and its comment.
func (u update) record(l *emukit.Ledger, id string) {
	comment := ""
	if u.Comment != nil {
		comment = *u.Comment
	}
	if u.Status == nil && u.AssignedTo == nil && u.Classification == nil && u.Determination == nil {
		l.Comment("alert", id, comment)
		return
	}
	fields := u
	fields.AlertIDs, fields.Comment = nil, nil
	l.Apply("alert", id, fields, comment)
}

func (u update) applyLocked(a *Alert, by string, now time.Time) {
	if u.Classification != nil {
		c := *u.Classification
		a.Classification = &c
	}
	if u.Determination != nil {
		d := *u.Determination
		a.Determination = &d
	}
	if u.AssignedTo != nil {
		s := *u.AssignedTo
		a.AssignedTo = &s
	}
	if u.Comment != nil && *u.Comment != "" {
		a.Comments = append(a.Comments, Comment{Comment: *u.Comment, CreatedBy: by, CreatedTime: now})
	}
	a.LastUpdateTime = now
	if u.Status != nil {
		setStatus(a, *u.Status, now)
	}
}

func (e *Emulator) patchAlert(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	u, err := decodeUpdate(r, false)
	if err != nil {
		e.badBody(w, r, "%s", err.Error())
		return
	}
	e.mu.Lock()
	a, ok := e.alerts[id]
	if !ok || e.refused[id] {
		e.mu.Unlock()
		e.notFound(w, r, id)
		return
	}
	if err := u.validate(a.Classification, patchDeterminations); err != nil {
		e.mu.Unlock()
		e.badBody(w, r, "%s", err.Error())
		return
	}
	u.applyLocked(a, author(r), e.ticker.Next())
	u.record(e.ledger, id)
	out := a.clone()
	e.mu.Unlock()
	e.log.InfoContext(r.Context(), "alert updated", "id", id)
	e.writeAlert(w, r, out)
}

// batchUpdate applies one update to several alerts and answers 200 with an
// empty body. Every id must exist (and not be refused, see RefuseWrites)
// and every alert must accept the update, or nothing changes.
func (e *Emulator) batchUpdate(w http.ResponseWriter, r *http.Request) {
	u, err := decodeUpdate(r, true)
	if err != nil {
		e.badBody(w, r, "%s", err.Error())
		return
	}
	if len(u.AlertIDs) == 0 {
		e.writeError(w, r, http.StatusBadRequest, "MissingRequiredParameter", "Missing required parameter 'alertIds'.")
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, id := range u.AlertIDs {
		a, ok := e.alerts[id]
		if !ok || e.refused[id] {
			e.notFound(w, r, id)
			return
		}
		if err := u.validate(a.Classification, batchDeterminations); err != nil {
			e.badBody(w, r, "%s", err.Error())
			return
		}
	}
	by := author(r)
	for _, id := range u.AlertIDs {
		u.applyLocked(e.alerts[id], by, e.ticker.Next())
		u.record(e.ledger, id)
	}
	w.WriteHeader(http.StatusOK)
}

// author is the name MDE shows for changes made by the calling app.
func author(r *http.Request) string {
	p, ok := emukit.PrincipalFrom(r.Context())
	switch {
	case !ok:
		return "Unknown"
	case p.DisplayName != "":
		return p.DisplayName
	}
	return p.ClientID
}

// RefuseWrites makes every following write to these alerts fail the way
// MDE answers for an alert the caller cannot reach (one outside the app's
// device groups, or gone): 404 ResourceNotFound, as for an unknown id, to
// PATCH /api/alerts/{id} and to a batchUpdate that holds one of them,
// which then changes nothing. Reads still return them. It replaces the
// set refused before; no ids accepts every write again.
func (e *Emulator) RefuseWrites(ids ...string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.refused = nil
	for _, id := range ids {
		if e.refused == nil {
			e.refused = map[string]bool{}
		}
		e.refused[id] = true
	}
}
