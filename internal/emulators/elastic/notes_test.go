package elastic

import (
	"encoding/json"
	"net/http"
	"testing"
)

func TestNotes(t *testing.T) {
	t.Parallel()
	h := setup(t, 0)
	ids := h.openIDs(t, 2)
	r := h.call(t, http.MethodPatch, notePath, `{"note":{"eventId":"`+ids[0]+`","note":"first look","timelineId":""}}`, nil)
	var created persistResponse
	if err := json.Unmarshal(r.body, &created); err != nil || r.status != 200 {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	n := created.Data.PersistNote.Note
	if created.Data.PersistNote.Code != 200 || n.NoteID == "" || n.Version == "" || n.Text() != "first look" || *n.CreatedBy != DefaultUsername {
		t.Fatalf("created %s", r.body)
	}
	h.call(t, http.MethodPatch, notePath, `{"note":{"eventId":"`+ids[1]+`","note":"other alert","timelineId":""}}`, nil)
	r = h.call(t, http.MethodGet, notePath+"?documentIds="+ids[0], "", nil)
	var got getNotesResponse
	if err := json.Unmarshal(r.body, &got); err != nil || got.TotalCount != 1 || got.Notes[0].NoteID != n.NoteID {
		t.Fatalf("get: %d %s", r.status, r.body)
	}
	r = h.call(t, http.MethodGet, notePath+"?documentIds="+ids[0]+"&documentIds="+ids[1], "", nil)
	if err := json.Unmarshal(r.body, &got); err != nil || got.TotalCount != 2 {
		t.Fatalf("get two: %s", r.body)
	}
	upd := `{"noteId":"` + n.NoteID + `","version":"` + n.Version + `","note":{"eventId":"` + ids[0] + `","note":"edited","timelineId":""}}`
	if r = h.call(t, http.MethodPatch, notePath, upd, nil); r.status != 200 {
		t.Fatalf("update: %d %s", r.status, r.body)
	}
	if r = h.call(t, http.MethodPatch, notePath, upd, nil); r.status != 409 {
		t.Errorf("update at a stale version: %d %s", r.status, r.body)
	}
	if notes := h.emu.Notes(ids[0]); len(notes) != 1 || notes[0].Text() != "edited" {
		t.Errorf("notes %+v", notes)
	}
	for _, bad := range []string{`{}`, `{"note":{"eventId":"x","note":"y"}}`, `{"note":{"timelineId":5}}`} {
		if r := h.call(t, http.MethodPatch, notePath, bad, nil); r.status != 400 {
			t.Errorf("body %s: %d %s", bad, r.status, r.body)
		}
	}
	r = h.call(t, http.MethodGet, "/s/soc"+notePath+"?documentIds="+ids[0], "", nil)
	if err := json.Unmarshal(r.body, &got); err != nil || got.TotalCount != 0 {
		t.Errorf("another space sees the note: %s", r.body)
	}
}
