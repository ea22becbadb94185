package ui

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/alertsync/alertsync/internal/api"
	"github.com/alertsync/alertsync/internal/model"
	"github.com/alertsync/alertsync/internal/playbook"
	"github.com/alertsync/alertsync/internal/store"
)

// runnerOf is the hub's playbook runner, or an empty one (as the API
// uses) when the hub has none.
func runnerOf(deps api.Deps) *playbook.Runner {
	if deps.Playbooks != nil {
		return deps.Playbooks
	}
	return playbook.New(playbook.Options{Store: deps.Store.Scope(store.DefaultTenant), Engine: deps.Engine})
}

type runsData struct {
	Playbooks  []*playbook.Playbook
	Runs       []store.Run
	Status     string
	NextBefore int64
	// Kept says how long finished runs stay: "30 days", "36h0m0s", or
	// empty for ever.
	Kept string
}

// keptFor words a run retention: whole days as days, else as Go writes
// a duration; empty for none (runs kept for ever).
func keptFor(d time.Duration) string {
	switch {
	case d <= 0:
		return ""
	case d == 24*time.Hour:
		return "1 day"
	case d%(24*time.Hour) == 0:
		return strconv.Itoa(int(d/(24*time.Hour))) + " days"
	}
	return d.String()
}

// runsPage answers GET /runs: the playbooks and their runs, newest first,
// by status.
func (c *console) runsPage(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	status := oneOf(q.Get("status"), []string{"", store.RunRunning, store.RunSucceeded, store.RunFailed})
	before, _ := strconv.ParseInt(q.Get("before"), 10, 64)
	runs, err := c.store.RunList(r.Context(), store.RunListParams{PlaybookID: q.Get("playbook"), Status: status, BeforeID: before, Limit: pageSize + 1})
	if err != nil {
		c.fail(w, r, err)
		return
	}
	d := runsData{Playbooks: c.playbooks.List(), Status: status, Kept: keptFor(c.deps.RunRetention)}
	if len(runs) > pageSize {
		runs = runs[:pageSize]
		d.NextBefore = runs[pageSize-1].ID
	}
	d.Runs = runs
	c.render(w, r, http.StatusOK, "runs", c.view(r, "runs", "Playbook runs", d))
}

type runData struct {
	Run   store.Run
	Steps []store.StepRecord
}

// runPage answers GET /runs/{id}: each step's rendered input (secrets
// masked when the run recorded it), output, attempts and duration.
func (c *console) runPage(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r)
	if !ok {
		c.notFound(w, r)
		return
	}
	run, err := c.store.RunGet(r.Context(), id)
	switch {
	case errors.Is(err, store.ErrNotFound):
		c.errorPage(w, r, http.StatusNotFound, "There is no run with that id.")
		return
	case err != nil:
		c.fail(w, r, err)
		return
	}
	steps, err := c.store.StepList(r.Context(), id)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	c.render(w, r, http.StatusOK, "run", c.view(r, "runs", "Run "+strconv.FormatInt(id, 10), runData{Run: run, Steps: steps}))
}

type dryRunData struct {
	Playbook   *playbook.Playbook
	AlertID    string
	IncidentID string
	Previews   []playbook.Preview
	Ran        bool
	Error      string
}

// dryRunPage answers GET /playbooks/{id}/dry-run: the form.
func (c *console) dryRunPage(w http.ResponseWriter, r *http.Request) {
	p, ok := c.playbooks.Get(r.PathValue("id"))
	if !ok {
		c.errorPage(w, r, http.StatusNotFound, "There is no playbook with that id.")
		return
	}
	c.render(w, r, http.StatusOK, "dryrun", c.view(r, "runs", "Dry run", dryRunData{Playbook: p}))
}

// dryRun answers POST /playbooks/{id}/dry-run: every step rendered
// against a stored alert or incident, secrets masked, nothing sent
// (lookups do run, as in the API's dry run).
func (c *console) dryRun(w http.ResponseWriter, r *http.Request) {
	p, ok := c.playbooks.Get(r.PathValue("id"))
	if !ok {
		c.errorPage(w, r, http.StatusNotFound, "There is no playbook with that id.")
		return
	}
	d := dryRunData{Playbook: p, AlertID: r.PostFormValue("alert_id"), IncidentID: r.PostFormValue("incident_id"), Ran: true}
	kind, id := model.KindAlert, d.AlertID
	if d.IncidentID != "" {
		kind, id = model.KindIncident, d.IncidentID
	}
	n, err := strconv.ParseInt(id, 10, 64)
	status := http.StatusOK
	if err != nil || n < 1 {
		d.Error, status = "Give the id of a stored alert or incident.", http.StatusBadRequest
	} else if d.Previews, err = c.playbooks.DryRun(r.Context(), p.Def.ID, kind, n); err != nil {
		if c.refused(w, r, err) {
			return
		}
	}
	c.render(w, r, status, "dryrun", c.view(r, "runs", "Dry run", d))
}
