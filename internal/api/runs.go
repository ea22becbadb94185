package api

import (
	"net/http"

	"github.com/alertsync/alertsync/internal/store"
)

// runsBody pages runs newest first.
type runsBody struct {
	Items      []store.Run `json:"items"`
	NextBefore *int64      `json:"next_before,omitempty"`
}

// listRuns answers GET /api/v1/playbook-runs: runs newest first, like a
// playbook's Runs page, by playbook and status.
func (s *server) listRuns(w http.ResponseWriter, r *http.Request) {
	q := newQuery(r)
	p := store.RunListParams{PlaybookID: q.str("playbook"),
		Status:   q.oneOf("status", store.RunRunning, store.RunSucceeded, store.RunFailed),
		BeforeID: q.int64("before"), Limit: q.limit()}
	if !q.ok(w) {
		return
	}
	limit := p.Limit
	p.Limit++
	runs, err := s.store.RunList(r.Context(), p)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	body := runsBody{Items: runs}
	if body.Items == nil {
		body.Items = []store.Run{}
	}
	if len(body.Items) > limit {
		body.Items = body.Items[:limit]
		next := body.Items[limit-1].ID
		body.NextBefore = &next
	}
	writeJSON(w, http.StatusOK, body)
}

// runBody is one run with each step's record.
type runBody struct {
	store.Run
	Steps []store.StepRecord `json:"steps"`
}

// getRun answers GET /api/v1/playbook-runs/{id}.
func (s *server) getRun(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	run, err := s.store.RunGet(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	steps, err := s.store.StepList(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if steps == nil {
		steps = []store.StepRecord{}
	}
	writeJSON(w, http.StatusOK, runBody{Run: run, Steps: steps})
}
