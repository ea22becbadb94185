package sentinelone

import (
	"bytes"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/alertsync/alertsync/internal/connector"
	s1emu "github.com/alertsync/alertsync/internal/emulators/sentinelone"
	"github.com/alertsync/alertsync/internal/model"
)

// TestNotesIdempotent: a comment is found by its marker (on any page of
// the threat's notes), so a replay that checks first does not post again.
func TestNotesIdempotent(t *testing.T) {
	t.Parallel()
	e := setup(t, nil)
	id := e.reseed(1, 0)[0]
	ctx := t.Context()
	for i := range 1000 {
		body := fmt.Sprintf(`{"filter":{"ids":[%q]},"data":{"text":"filler %d"}}`, id, i)
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, e.srv.URL+s1emu.APIPrefix+"/threats/notes", bytes.NewReader([]byte(body)))
		req.Header.Set("Authorization", "ApiToken "+e.emu.Token())
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_ = resp.Body.Close()
	}
	c := connector.CommentAction{Kind: model.KindAlert, VendorID: id, Body: "Validated by alertsync: not a threat", IdempotencyKey: "n1"}
	e.emu.Recorder().Reset()
	// Replayed the engine's way: the first attempt posts unread, the
	// replay asks first.
	if applied, err := e.conn.CommentApplied(ctx, c); err != nil || applied {
		t.Fatalf("CommentApplied before the note = %v, %v", applied, err)
	}
	if err := e.conn.AddComment(ctx, c); err != nil {
		t.Fatal(err)
	}
	if applied, err := e.conn.CommentApplied(ctx, c); err != nil || !applied {
		t.Fatalf("CommentApplied after the note = %v, %v", applied, err)
	}
	mark := connector.CommentMarker("n1")
	notes := e.noteTexts(id)
	if n := strings.Count(strings.Join(notes, "\n"), mark); n != 1 || notes[len(notes)-1] != c.Body+" "+mark {
		t.Errorf("marker found %d times; last note %q", n, notes[len(notes)-1])
	}
	if n := len(e.emu.Recorder().Filter(http.MethodPost, s1emu.APIPrefix+"/threats/notes")); n != 1 {
		t.Errorf("%d note posts, want 1", n)
	}
	if n := len(e.emu.Recorder().Filter(http.MethodGet, s1emu.APIPrefix+"/threats/"+id+"/notes")); n != 3 {
		t.Errorf("%d note reads, want 3 (one page, then two once the marker note is the 1,001st)", n)
	}
}

func TestCommentRefusals(t *testing.T) {
	t.Parallel()
	e := setup(t, nil)
	ids := e.reseed(0, 1)
	ctx := t.Context()
	tests := []struct {
		name string
		c    connector.CommentAction
		want connector.Class
	}{
		{"cloud alert", connector.CommentAction{VendorID: ids[0], Body: "x", IdempotencyKey: "a"}, connector.ClassPermanent},
		{"incident", connector.CommentAction{Kind: model.KindIncident, VendorID: "1", Body: "x", IdempotencyKey: "b"}, connector.ClassPermanent},
		{"no body", connector.CommentAction{VendorID: "1", IdempotencyKey: "c"}, connector.ClassPermanent},
		{"unknown threat", connector.CommentAction{VendorID: "1234567890123456789", Body: "x", IdempotencyKey: "d"}, connector.ClassNotFound},
	}
	for _, tt := range tests {
		if err := e.conn.AddComment(ctx, tt.c); connector.ClassOf(err) != tt.want {
			t.Errorf("%s: err %v, want %s", tt.name, err, tt.want)
		}
	}
}
