package graph

import (
	"net/http"
)

// commented is a record that carries Graph comments: an alert or an
// incident. Adding a comment is a change, so it moves lastUpdateDateTime.
type commented interface {
	// addComment appends c, stamps the record with c's time and returns a
	// copy of all its comments.
	addComment(c Comment) []Comment
}

func (a *Alert) addComment(c Comment) []Comment {
	a.Comments = append(a.Comments, c)
	a.LastUpdateDateTime = c.CreatedDateTime
	return append([]Comment{}, a.Comments...)
}

func (in *Incident) addComment(c Comment) []Comment {
	in.Comments = append(in.Comments, c)
	in.LastUpdateDateTime = c.CreatedDateTime
	return append([]Comment{}, in.Comments...)
}

// postComment serves POST .../{set}/{id}/comments: it adds the comment as
// the calling app and answers with every comment the record now has.
// items returns the collection and is called with e.mu held.
func postComment[P commented](e *Emulator, w http.ResponseWriter, r *http.Request, kind, set string, items func() map[string]P) {
	id := r.PathValue("id")
	text, ok := e.readComment(w, r)
	if !ok {
		return
	}
	e.mu.Lock()
	rec, found := items()[id]
	if !found {
		e.mu.Unlock()
		e.notFound(w, r, kind, id)
		return
	}
	all := rec.addComment(Comment{Comment: text, CreatedByDisplayName: author(r), CreatedDateTime: e.ticker.Next()})
	e.ledger.Comment(kind, id, text)
	e.mu.Unlock()
	e.answer(w, r, collection[Comment]{Context: e.base(r) + "/v1.0/$metadata#security/" + set + "('" + id + "')/comments", Value: all})
}
