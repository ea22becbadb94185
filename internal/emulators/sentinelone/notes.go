package sentinelone

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/alertsync/alertsync/internal/emulators/emukit"
)

// maxNoteText bounds a note's text. SentinelOne documents no limit; the
// emulator refuses absurd sizes only.
const maxNoteText = 64 << 10

// addNotes is POST /threats/notes: the same note on every threat the
// filter matches, answering {"data":{"affected":N}}. Notes do not change
// a threat's updatedAt.
func (e *Emulator) addNotes(w http.ResponseWriter, r *http.Request) {
	b, sc, ok := e.bulk(w, r, threatFilter)
	if !ok {
		return
	}
	for _, k := range sortedKeys(b.Data) {
		if k != "text" {
			e.invalid(w, r, "data.%s: Unknown field.", k)
			return
		}
	}
	var text string
	if err := json.Unmarshal(b.Data["text"], &text); err != nil || strings.TrimSpace(text) == "" {
		e.invalid(w, r, "data.text: Missing data for required field.")
		return
	}
	if len(text) > maxNoteText {
		e.invalid(w, r, "data.text: Longer than maximum length %d.", maxNoteText)
		return
	}
	user := actor(r)
	var body affectedBody
	e.mu.Lock()
	for _, t := range e.matchedThreatsLocked(sc) {
		e.noteSeq++
		now := e.stamp()
		e.notes[t.ID] = append(e.notes[t.ID], Note{ID: noteID(e.noteSeq), Text: text, Creator: user,
			CreatorID: stableID(user), CreatedAt: now, UpdatedAt: now})
		e.ledger.Comment("alert", t.ID, text)
		body.Data.Affected++
	}
	e.mu.Unlock()
	emukit.WriteJSON(w, http.StatusOK, body)
}

var noteList = listSpec{sortBy: []string{"id", "createdAt"}, defaultSort: "createdAt"}

// listNotes is GET /threats/{threat_id}/notes, paged like every list
// (limit 1-1000, default 10; cursor). An unknown threat answers 404.
func (e *Emulator) listNotes(w http.ResponseWriter, r *http.Request) {
	v := r.URL.Query()
	for _, k := range []string{"creatorLike", "creatorId"} {
		v.Del(k)
	}
	q, err := noteList.parse(v)
	if err != nil {
		e.invalid(w, r, "%s", err.Error())
		return
	}
	id := r.PathValue("id")
	if _, ok := e.Threat(id); !ok {
		e.writeError(w, r, http.StatusNotFound, codeNotFound, "Not Found", "Threat "+id+" was not found.")
		return
	}
	var rows []row[Note]
	for _, n := range e.Notes(id) {
		rows = append(rows, row[Note]{id: n.ID, keys: map[string]string{"id": n.ID, "createdAt": sortable(n.CreatedAt.Time)}, item: n})
	}
	data, pg := page(rows, q)
	emukit.WriteJSON(w, http.StatusOK, listBody[Note]{Data: data, Pagination: pg})
}
