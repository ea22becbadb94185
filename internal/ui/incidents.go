package ui

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/alertsync/alertsync/internal/api"
	"github.com/alertsync/alertsync/internal/model"
	"github.com/alertsync/alertsync/internal/store"
)

type incidentsData struct {
	Filter     listFilter
	Page       listPage[model.Incident]
	NextQuery  string
	Sources    []string
	Statuses   []string
	Verdicts   []string
	Severities []string
}

// incidentsPage answers GET /incidents, filtered by the store and
// keyset-paged like the alerts list, on the incidents' creation time
// (incidents name no hosts or users of their own: filter their alerts for
// those).
func (c *console) incidentsPage(w http.ResponseWriter, r *http.Request) {
	f := filterFrom(r.URL.Query())
	f.Host, f.User = "", ""
	p := f.incidentParams()
	fetch := func(after int64, limit int) ([]model.Incident, error) {
		p.AfterID, p.Limit = after, limit
		return c.store.IncidentList(r.Context(), p)
	}
	all := func(model.Incident) bool { return true }
	page, err := scan(f.After, false, fetch, func(in model.Incident) int64 { return in.ID }, all)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	d := incidentsData{Filter: f, Page: page, Sources: c.sources(), Statuses: statuses, Verdicts: verdicts, Severities: severities}
	if page.Next > 0 {
		d.NextQuery = f.query(page.Next)
	}
	c.render(w, r, http.StatusOK, "incidents", c.view(r, "incidents", "Incidents", d))
}

type incidentData struct {
	Incident model.Incident
	Members  []model.Alert
	Timeline api.Timeline
	Verdicts []string
}

// incidentPage answers GET /incidents/{id}: the incident, its alerts and
// its timeline (each member alert's events included).
func (c *console) incidentPage(w http.ResponseWriter, r *http.Request) {
	in, members, ok := c.incidentOf(w, r)
	if !ok {
		return
	}
	tl, err := c.views.Timeline(r.Context(), model.KindIncident, in.ID, timelineLimit)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	d := incidentData{Incident: in, Members: members, Timeline: tl, Verdicts: verdicts[1:]}
	c.render(w, r, http.StatusOK, "incident", c.view(r, "incidents", in.Title, d))
}

// incidentOCSF answers GET /incidents/{id}/ocsf.json.
func (c *console) incidentOCSF(w http.ResponseWriter, r *http.Request) {
	in, members, ok := c.incidentOf(w, r)
	if !ok {
		return
	}
	b, err := model.IncidentOCSF(in, members)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	writeDownload(w, "incident-"+strconv.FormatInt(in.ID, 10)+".ocsf.json", b)
}

func (c *console) incidentOf(w http.ResponseWriter, r *http.Request) (model.Incident, []model.Alert, bool) {
	id, ok := pathID(r)
	if !ok {
		c.notFound(w, r)
		return model.Incident{}, nil, false
	}
	in, err := c.store.IncidentGet(r.Context(), id)
	switch {
	case errors.Is(err, store.ErrNotFound):
		c.errorPage(w, r, http.StatusNotFound, "There is no incident with that id.")
		return model.Incident{}, nil, false
	case err != nil:
		c.fail(w, r, err)
		return model.Incident{}, nil, false
	}
	members, err := c.store.AlertGetMany(r.Context(), in.AlertIDs)
	if err != nil {
		c.fail(w, r, err)
		return model.Incident{}, nil, false
	}
	return in, members, true
}
