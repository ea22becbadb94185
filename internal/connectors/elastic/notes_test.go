package elastic

import (
	"errors"
	"net/http"
	"testing"

	"github.com/alertsync/alertsync/internal/connector"
	"github.com/alertsync/alertsync/internal/model"
)

// TestNotes: a comment is a note on the alert with the marker of its
// idempotency key; a replay that checks first (as the engine does) finds
// the marker and writes nothing.
func TestNotes(t *testing.T) {
	t.Parallel()
	e := setup(t, 0, nil)
	id := e.seed(1)[0]
	a := connector.CommentAction{Kind: model.KindAlert, VendorID: id, Body: "Validated by alertsync: not a threat.", IdempotencyKey: "note-1"}
	for attempt := range 2 {
		applied, err := e.conn.CommentApplied(t.Context(), a)
		if err != nil || applied != (attempt > 0) {
			t.Fatalf("CommentApplied before attempt %d = %v, %v", attempt+1, applied, err)
		}
		if applied {
			continue
		}
		if err := e.conn.AddComment(t.Context(), a); err != nil {
			t.Fatal(err)
		}
	}
	notes := e.emu.Notes(id)
	if len(notes) != 1 || notes[0].Text() != a.Body+" "+connector.CommentMarker("note-1") || notes[0].TimelineID != "" || *notes[0].EventID != id {
		t.Errorf("notes %+v", notes)
	}
	if n := len(e.requests(http.MethodPatch, "/"+noteRef)); n != 1 {
		t.Errorf("%d PATCH /api/note, want 1", n)
	}
	if e.note.Active() && e.note.Count("PersistNoteRoute") != 1 {
		t.Errorf("spec checked %d note writes", e.note.Count("PersistNoteRoute"))
	}
	err := e.conn.AddComment(t.Context(), connector.CommentAction{Kind: model.KindIncident, VendorID: "1", Body: "x", IdempotencyKey: "i"})
	if !errors.Is(err, connector.Unsupported) {
		t.Errorf("incident note: %v", err)
	}
	if err := e.conn.AddComment(t.Context(), connector.CommentAction{VendorID: id, Body: " ", IdempotencyKey: "k"}); connector.ClassOf(err) != connector.ClassPermanent {
		t.Errorf("empty body: %v", err)
	}
}
