package sekoia

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/alertsync/alertsync/internal/emulators/emukit"
)

// comments answers GET /alerts/{uuid}/comments: oldest first, limit 1-100
// (default 20) and offset, with the total.
func (e *Emulator) comments(w http.ResponseWriter, r *http.Request) {
	a, ok := e.Alert(r.PathValue("uuid"))
	if !ok {
		e.fail4xx(w, r, http.StatusNotFound, "Unknown alert")
		return
	}
	limit, offset, err := window(r)
	if err != nil {
		e.fail4xx(w, r, http.StatusBadRequest, err.Error())
		return
	}
	lo, hi := min(offset, len(a.Comments)), min(offset+limit, len(a.Comments))
	writeOK(w, commentsReply{Items: append([]Comment{}, a.Comments[lo:hi]...), Total: len(a.Comments)})
}

// window reads a comment list's limit and offset.
func window(r *http.Request) (limit, offset int, err error) {
	limit = 20
	q := r.URL.Query()
	if s := q.Get("limit"); s != "" {
		if limit, err = strconv.Atoi(s); err != nil || limit < 1 || limit > 100 {
			return 0, 0, fmt.Errorf("limit: allowed range is 1-100, got %q", s)
		}
	}
	if s := q.Get("offset"); s != "" {
		if offset, err = strconv.Atoi(s); err != nil || offset < 0 {
			return 0, 0, fmt.Errorf("offset: want 0 or more, got %q", s)
		}
	}
	return limit, offset, nil
}

// comment answers POST /alerts/{uuid}/comments: content is required and
// author at most 32 characters (the swagger's maxLength); without an
// author the comment is signed with the key's name [U]. A comment does
// not change the alert's updated_at [U].
func (e *Emulator) comment(w http.ResponseWriter, r *http.Request) {
	var body commentBody
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil || strings.TrimSpace(body.Content) == "" {
		e.fail4xx(w, r, http.StatusBadRequest, "content: missing required parameter")
		return
	}
	if utf8.RuneCountInString(body.Author) > MaxAuthor {
		e.fail4xx(w, r, http.StatusBadRequest, fmt.Sprintf("author: longer than maximum length %d", MaxAuthor))
		return
	}
	if body.Author == "" {
		body.Author = "api key"
	}
	e.mu.Lock()
	a := e.find(r.PathValue("uuid"))
	if a == nil {
		e.mu.Unlock()
		e.fail4xx(w, r, http.StatusNotFound, "Unknown alert")
		return
	}
	c := Comment{UUID: emukit.RequestID(), Content: body.Content, Author: body.Author, Date: e.clock.Now().Unix(),
		CreatedBy: e.principalID, CreatedByType: "apikey", Unseen: true}
	a.Comments = append(a.Comments, c)
	e.ledger.Comment("alert", a.UUID, c.Content)
	a.TotalComments++
	a.UnseenComments++
	e.mu.Unlock()
	writeOK(w, c)
}
