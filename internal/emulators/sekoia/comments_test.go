package sekoia

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestComments: POST takes content and an author of at most 32
// characters and answers the comment; GET pages them oldest first with
// the total; the alert's counters move, its updated_at does not.
func TestComments(t *testing.T) {
	t.Parallel()
	h := setup(t, Options{})
	id := h.emu.SeedAlerts(1)[0]
	before, _ := h.emu.Alert(id)
	h.clock.Advance(time.Minute)
	for i, body := range []string{`{"content":"first","author":"alertsync"}`, `{"content":"second"}`, `{"content":"third","author":"` + strings.Repeat("a", 32) + `"}`} {
		r := h.call(t, http.MethodPost, "/v1/sic/alerts/"+id+"/comments", body, nil)
		var c Comment
		r.json(t, &c)
		if r.status != http.StatusOK || c.UUID == "" || c.Date != h.clock.Now().Unix() || c.CreatedBy == "" || c.Author == "" {
			t.Errorf("comment %d: %d %s", i, r.status, r.body)
		}
	}
	for _, body := range []string{`{"content":"x","author":"` + strings.Repeat("a", 33) + `"}`, `{"author":"a"}`, `{"content":"  "}`, `[`} {
		if r := h.call(t, http.MethodPost, "/v1/sic/alerts/"+id+"/comments", body, nil); r.status != http.StatusBadRequest {
			t.Errorf("%s: %d", body, r.status)
		}
	}
	var page commentsReply
	h.call(t, http.MethodGet, "/v1/sic/alerts/"+id+"/comments?limit=2&offset=1", "", nil).json(t, &page)
	if page.Total != 3 || len(page.Items) != 2 || page.Items[0].Content != "second" || page.Items[0].Author != "api key" {
		t.Errorf("page %+v", page)
	}
	a, _ := h.emu.Alert(id)
	if a.UpdatedAt != before.UpdatedAt || a.TotalComments != 3 {
		t.Errorf("alert after comments: updated %d (was %d), %d comments", a.UpdatedAt, before.UpdatedAt, a.TotalComments)
	}
	if r := h.call(t, http.MethodGet, "/v1/sic/alerts/"+id+"/comments?limit=101", "", nil); r.status != http.StatusBadRequest {
		t.Errorf("limit 101: %d", r.status)
	}
	if r := h.call(t, http.MethodPost, "/v1/sic/alerts/nope/comments", `{"content":"x"}`, nil); r.status != http.StatusNotFound {
		t.Errorf("unknown alert: %d", r.status)
	}
}
