package ui

import (
	"net/http"
	"slices"

	"github.com/alertsync/alertsync/internal/model"
)

type alertsData struct {
	Filter     listFilter
	Page       listPage[model.Alert]
	NextQuery  string
	Sources    []string
	Statuses   []string
	Verdicts   []string
	Severities []string
}

// alertsPage answers GET /alerts: alerts filtered by source, status,
// verdict, severity, host, user and first-seen time, keyset-paged by id
// with the store call the API's list uses.
func (c *console) alertsPage(w http.ResponseWriter, r *http.Request) {
	f := filterFrom(r.URL.Query())
	p := f.alertParams()
	fetch := func(after int64, limit int) ([]model.Alert, error) {
		p.AfterID, p.Limit = after, limit
		return c.store.AlertList(r.Context(), p)
	}
	page, err := scan(f.After, f.scanned(), fetch, func(a model.Alert) int64 { return a.ID }, f.matchAlert)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	d := alertsData{Filter: f, Page: page, Sources: c.sources(), Statuses: statuses, Verdicts: verdicts, Severities: severities}
	if page.Next > 0 {
		d.NextQuery = f.query(page.Next)
	}
	c.render(w, r, http.StatusOK, "alerts", c.view(r, "alerts", "Alerts", d))
}

// sources are the running integrations' ids, for the source filter.
func (c *console) sources() []string {
	var out []string
	for _, in := range c.engine.Integrations() {
		out = append(out, in.ID)
	}
	slices.Sort(out)
	return out
}
