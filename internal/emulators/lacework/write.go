package lacework

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/alertsync/alertsync/internal/emulators/emukit"
)

// commentRequest is POST /api/v2/Alerts/{id}/comment's body.
type commentRequest struct {
	Comment *string `json:"comment"`
}

// closeRequest is POST /api/v2/Alerts/{id}/close's body (the SDK's
// AlertCloseRequest).
type closeRequest struct {
	Reason  *int   `json:"reason"`
	Comment string `json:"comment"`
}

// decodeStrict reads a JSON object with no keys but dst's.
func decodeStrict(r *http.Request, dst any) error {
	b, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	return dec.Decode(dst)
}

// comment serves POST /api/v2/Alerts/{id}/comment: a non-empty comment
// is added to the alert's timeline and the entry is the answer, under
// data (the fact sheet's shape). It does not change lastUserUpdatedTime
// [U].
func (e *Emulator) comment(w http.ResponseWriter, r *http.Request) {
	var req commentRequest
	if err := decodeStrict(r, &req); err != nil || req.Comment == nil || strings.TrimSpace(*req.Comment) == "" {
		writeMessage(w, http.StatusBadRequest, "comment is required and must not be empty")
		return
	}
	id, _ := strconv.Atoi(r.PathValue("id"))
	e.mu.Lock()
	a, ok := e.alerts[id]
	var t Timeline
	if ok {
		t = e.noteLocked(a, entryComment, *req.Comment, author(r))
		e.ledger.Comment("alert", strconv.Itoa(id), *req.Comment)
	}
	e.mu.Unlock()
	if !ok {
		writeMessage(w, http.StatusNotFound, "Alert "+r.PathValue("id")+" not found")
		return
	}
	e.log.InfoContext(r.Context(), "alert commented", "alert", id)
	emukit.WriteJSON(w, http.StatusOK, scopeReply{Data: t})
}

// close serves POST /api/v2/Alerts/{id}/close: reason is one of
// CloseReasons and 0 (Other) needs a comment. The alert becomes Closed
// for good; closing it again is refused with 400 [U: Lacework documents
// only that a closed alert cannot be reopened].
func (e *Emulator) close(w http.ResponseWriter, r *http.Request) {
	var req closeRequest
	if err := decodeStrict(r, &req); err != nil || req.Reason == nil {
		writeMessage(w, http.StatusBadRequest, "reason is required")
		return
	}
	if _, ok := CloseReasons[*req.Reason]; !ok {
		writeMessage(w, http.StatusBadRequest, "reason must be one of 0 to 5")
		return
	}
	if *req.Reason == 0 && strings.TrimSpace(req.Comment) == "" {
		writeMessage(w, http.StatusBadRequest, "comment is required when reason is 0 (Other)")
		return
	}
	id, _ := strconv.Atoi(r.PathValue("id"))
	e.mu.Lock()
	a, ok := e.alerts[id]
	err := errors.New("not found")
	if ok {
		err = e.closeLocked(a, *req.Reason, req.Comment, author(r))
	}
	if err == nil {
		e.ledger.Apply("alert", strconv.Itoa(id), map[string]int{"reason": *req.Reason}, req.Comment)
	}
	e.mu.Unlock()
	switch {
	case !ok:
		writeMessage(w, http.StatusNotFound, "Alert "+r.PathValue("id")+" not found")
	case err != nil:
		writeMessage(w, http.StatusBadRequest, "Alert "+r.PathValue("id")+" is already closed")
	default:
		e.log.InfoContext(r.Context(), "alert closed", "alert", id, "reason", *req.Reason)
		writeMessage(w, http.StatusOK, "SUCCESS")
	}
}

// author is who a write is by: the user the token's API key belongs to.
func author(r *http.Request) string {
	if p, ok := emukit.PrincipalFrom(r.Context()); ok && p.DisplayName != "" {
		return p.DisplayName
	}
	return DefaultUser
}
