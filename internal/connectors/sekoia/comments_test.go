package sekoia

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/alertsync/alertsync/internal/connector"
	sekoiaemu "github.com/alertsync/alertsync/internal/emulators/sekoia"
)

// TestCommentOnce: a comment is signed with comment_author and carries
// the marker; the check a replay makes finds the marker (even past the
// first page of comments), and misses a comment not posted.
func TestCommentOnce(t *testing.T) {
	t.Parallel()
	e := setup(t, 0, map[string]any{"comment_author": "alertsync hub"})
	id := e.emu.SeedAlerts(1)[0]
	ctx := t.Context()
	a := connector.CommentAction{VendorID: id, Body: "Verdict: not a threat", IdempotencyKey: "comment-1"}
	if err := e.conn.AddComment(ctx, a); err != nil {
		t.Fatal(err)
	}
	for i := range 101 {
		if err := e.conn.AddComment(ctx, connector.CommentAction{VendorID: id, Body: fmt.Sprint("filler ", i), IdempotencyKey: fmt.Sprint("f", i)}); err != nil {
			t.Fatal(err)
		}
	}
	n := len(e.emu.Requests())
	if applied, err := e.conn.CommentApplied(ctx, a); err != nil || !applied {
		t.Fatalf("CommentApplied = %v, %v; want the posted comment found", applied, err)
	}
	got := e.emu.Comments(id)
	if len(got) != 102 {
		t.Fatalf("%d comments, want 102", len(got))
	}
	if c := got[0]; c.Author != "alertsync hub" || c.Content != "Verdict: not a threat "+connector.CommentMarker("comment-1") {
		t.Errorf("comment %+v", c)
	}
	if reads := commentReads(e, n); reads != 1 {
		t.Errorf("%d comment pages read, want the first (the marker is on it)", reads)
	}
	n = len(e.emu.Requests())
	late := connector.CommentAction{VendorID: id, Body: "late", IdempotencyKey: "comment-2"}
	if applied, err := e.conn.CommentApplied(ctx, late); err != nil || applied {
		t.Fatalf("CommentApplied for a comment never posted = %v, %v", applied, err)
	}
	if reads := commentReads(e, n); reads != 2 {
		t.Errorf("%d comment pages read to miss a comment, want both pages of 102", reads)
	}
}

// commentReads counts the comment pages read since request n.
func commentReads(e *env, n int) int {
	reads := 0
	for _, r := range e.emu.Requests()[n:] {
		if r.Method == http.MethodGet && strings.HasSuffix(r.Path, "/comments") {
			reads++
		}
	}
	return reads
}

// TestForbiddenNamesPermission: a 403 is permanent and says which
// permission the key's role lacks.
func TestForbiddenNamesPermission(t *testing.T) {
	t.Parallel()
	tests := []struct {
		perm, name string
		call       func(e *env, id string) error
	}{
		{sekoiaemu.PermComment, "Comment alerts", func(e *env, id string) error {
			return e.conn.AddComment(t.Context(), connector.CommentAction{VendorID: id, Body: "x", IdempotencyKey: "k"})
		}},
		{sekoiaemu.PermUpdateStatus, "Update alert status", func(e *env, id string) error {
			_, err := e.conn.SetState(t.Context(), connector.StateChange{VendorID: id, Status: "in_progress", IdempotencyKey: "k"})
			return err
		}},
		{sekoiaemu.PermViewAlerts, "View alerts", func(e *env, _ string) error { return e.conn.Health(t.Context()) }},
	}
	for _, tt := range tests {
		e := setup(t, 0, nil)
		id := e.emu.SeedAlerts(1)[0]
		e.emu.RevokePermission(tt.perm)
		err := tt.call(e, id)
		if connector.ClassOf(err) != connector.ClassPermanent || !strings.Contains(err.Error(), `"`+tt.name+`" permission (`+tt.perm+")") {
			t.Errorf("%s: %v", tt.name, err)
		}
	}
}
