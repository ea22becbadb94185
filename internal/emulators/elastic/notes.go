package elastic

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"slices"
	"strconv"

	"github.com/alertsync/alertsync/internal/emulators/emukit"
)

// Notes are what the alert flyout's Notes tab shows: timeline notes whose
// eventId is the alert's _id, saved objects of the space. Kibana does not
// check that the event exists.

// noteWire is the BareNote of a PATCH body.
type noteWire struct {
	EventID    *string
	Note       *string
	TimelineID string
}

func parseBareNote(v any) (noteWire, string) {
	m, ok := v.(map[string]any)
	if !ok {
		if v == nil {
			return noteWire{}, "note: Required"
		}
		return noteWire{}, expected("note", "object", v)
	}
	var n noteWire
	tl, ok := m["timelineId"].(string)
	if !ok {
		if _, present := m["timelineId"]; present {
			return n, expected("note.timelineId", "string", m["timelineId"])
		}
		return n, "note.timelineId: Required"
	}
	n.TimelineID = tl
	for _, f := range []struct {
		name string
		dst  **string
	}{{"eventId", &n.EventID}, {"note", &n.Note}} {
		switch x := m[f.name].(type) {
		case nil:
		case string:
			s := x
			*f.dst = &s
		default:
			return n, expected("note."+f.name, "string", x)
		}
	}
	return n, ""
}

// persistResponse is the PATCH /api/note answer.
type persistResponse struct {
	Data struct {
		PersistNote struct {
			Code    int    `json:"code"`
			Message string `json:"message"`
			Note    Note   `json:"note"`
		} `json:"persistNote"`
	} `json:"data"`
}

// persistNote is PATCH /api/note (PersistNoteRoute): a new note without
// noteId, an update of the note noteId at version otherwise.
func (e *Emulator) persistNote(w http.ResponseWriter, r *http.Request) {
	body, msg := readObject(r)
	if msg != "" {
		e.badBody(w, r, msg)
		return
	}
	bare, msg := parseBareNote(body["note"])
	if msg != "" {
		e.badBody(w, r, msg)
		return
	}
	noteID, _ := body["noteId"].(string)
	version, _ := body["version"].(string)
	n, status, msg := e.saveNote(spaceOf(r), bare, noteID, version)
	if status != http.StatusOK {
		e.siem(w, r, status, msg)
		return
	}
	var resp persistResponse
	resp.Data.PersistNote.Code, resp.Data.PersistNote.Message, resp.Data.PersistNote.Note = 200, "success", n
	emukit.WriteJSON(w, http.StatusOK, resp)
}

func (e *Emulator) saveNote(space string, bare noteWire, noteID, version string) (Note, int, string) {
	now := e.ticker.Next().UnixMilli()
	user := e.opts.Username
	e.mu.Lock()
	defer e.mu.Unlock()
	e.seq++
	if noteID == "" {
		n := &Note{NoteID: emukit.GUID(emukit.NewRand(int64(e.seq) ^ now)), EventID: bare.EventID, Note: bare.Note, TimelineID: bare.TimelineID,
			Created: &now, CreatedBy: &user, Updated: &now, UpdatedBy: &user, space: space, seq: e.seq}
		n.Version = savedObjectVersion(e.seq)
		e.notes = append(e.notes, n)
		if bare.EventID != nil {
			e.ledger.Comment("alert", *bare.EventID, n.Text())
		}
		return n.clone(), http.StatusOK, ""
	}
	i := slices.IndexFunc(e.notes, func(n *Note) bool { return n.NoteID == noteID && n.space == space })
	if i < 0 {
		return Note{}, http.StatusNotFound, fmt.Sprintf("Saved object [siem-ui-timeline-note/%s] not found", noteID)
	}
	n := e.notes[i]
	if version != "" && version != n.Version {
		return Note{}, http.StatusConflict, fmt.Sprintf("[siem-ui-timeline-note:%s]: version conflict, required seqNo [%s], primary term [1]", noteID, version)
	}
	upd := *n
	upd.EventID, upd.Note, upd.TimelineID, upd.Updated, upd.UpdatedBy = bare.EventID, bare.Note, bare.TimelineID, &now, &user
	upd.Version = savedObjectVersion(e.seq)
	e.notes[i] = &upd
	return upd.clone(), http.StatusOK, ""
}

// savedObjectVersion is a saved object's version: base64 of
// "[seq_no,primary_term]".
func savedObjectVersion(seq int) string {
	return base64.StdEncoding.EncodeToString(fmt.Appendf(nil, "[%d,1]", seq))
}

// getNotesResponse is GetNotesResult.
type getNotesResponse struct {
	TotalCount int    `json:"totalCount"`
	Notes      []Note `json:"notes"`
}

// getNotes is GET /api/note: the notes of the documents documentIds
// names (one or repeated), or every note of the space a page at a time
// (page from 1, perPage 10 by default).
func (e *Emulator) getNotes(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	docs := q["documentIds"]
	page, perPage := 1, 10
	if v := q.Get("page"); v != "" {
		page, _ = strconv.Atoi(v)
	}
	if v := q.Get("perPage"); v != "" {
		perPage, _ = strconv.Atoi(v)
	}
	if page < 1 || perPage < 1 {
		e.platform(w, r, http.StatusBadRequest, "[request query]: page and perPage must be positive numbers")
		return
	}
	space := spaceOf(r)
	e.mu.Lock()
	var sel []Note
	for _, n := range e.notes {
		if n.space == space && (len(docs) == 0 || n.EventID != nil && slices.Contains(docs, *n.EventID)) {
			sel = append(sel, n.clone())
		}
	}
	e.mu.Unlock()
	resp := getNotesResponse{TotalCount: len(sel), Notes: []Note{}}
	if len(docs) > 0 {
		resp.Notes = append(resp.Notes, sel...)
	} else {
		lo, hi, _ := emukit.Page(len(sel), (page-1)*perPage, perPage, perPage)
		resp.Notes = append(resp.Notes, sel[lo:hi]...)
	}
	emukit.WriteJSON(w, http.StatusOK, resp)
}
