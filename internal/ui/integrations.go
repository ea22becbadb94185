package ui

import (
	"errors"
	"net/http"

	"github.com/alertsync/alertsync/internal/api"
	"github.com/alertsync/alertsync/internal/connector"
	"github.com/alertsync/alertsync/internal/engine"
)

// integrationView is one row of the integrations page: the API's row
// with what the pollers and budgets report.
type integrationView struct {
	api.IntegrationRow
	Stats pollStats
}

type integrationsData struct {
	Rows []integrationView
	Now  any
}

// integrationsPage answers GET /integrations: the capability table (the
// rows a parent integration covers included), health per integration and,
// for admins, a way into each one's configuration.
func (c *console) integrationsPage(w http.ResponseWriter, r *http.Request) {
	rows, err := c.views.Integrations(r.Context())
	if err != nil {
		c.fail(w, r, err)
		return
	}
	stats := c.gatherer.stats(c.tenant)
	out := make([]integrationView, 0, len(rows))
	for _, row := range rows {
		id := row.ID
		if row.InheritedVia != "" {
			id = row.InheritedVia
		}
		out = append(out, integrationView{IntegrationRow: row, Stats: stats[id]})
	}
	c.render(w, r, http.StatusOK, "integrations", c.view(r, "integrations", "Integrations", integrationsData{Rows: out, Now: c.now()}))
}

// settingView is one connector setting as its spec declares it. Secrets
// are write-only: the console shows that one is stored, never its value.
type settingView struct {
	connector.Field
	Value string
}

type editData struct {
	Row      api.IntegrationRow
	Fields   []policyField
	Settings []settingView
	Editable bool
	// SecretsEditable offers a set/replace form for each secret setting.
	SecretsEditable bool
	Error           string
}

// editIntegration answers GET /integrations/{integration}/edit: the sync
// policy as a form, with each setting's default beside it, and the
// connector's settings as its config spec declares them.
func (c *console) editIntegration(w http.ResponseWriter, r *http.Request) {
	c.showEdit(w, r, http.StatusOK, "")
}

func (c *console) showEdit(w http.ResponseWriter, r *http.Request, status int, problem string) {
	id := r.PathValue("integration")
	row, ok := c.integrationRow(w, r, id)
	if !ok {
		return
	}
	d := editData{Row: row, Fields: policyFields(row.Policy, engine.DefaultPolicy()), Editable: c.deps.SetPolicy != nil,
		SecretsEditable: c.deps.SetSecret != nil, Error: problem}
	if reg, ok := connector.Lookup(row.Kind); ok {
		for _, f := range reg.Spec {
			sv := settingView{Field: f}
			switch v, set := row.Settings[f.Name]; {
			case f.Secret():
				sv.Value = "write-only: stored encrypted, never shown"
			case set:
				sv.Value = toText(v)
			}
			d.Settings = append(d.Settings, sv)
		}
	}
	c.render(w, r, status, "edit", c.view(r, "integrations", "Edit "+row.ID, d))
}

// integrationRow finds one running integration's row, or answers 404.
func (c *console) integrationRow(w http.ResponseWriter, r *http.Request, id string) (api.IntegrationRow, bool) {
	rows, err := c.views.Integrations(r.Context())
	if err != nil {
		c.fail(w, r, err)
		return api.IntegrationRow{}, false
	}
	for _, row := range rows {
		if row.ID == id && row.InheritedVia == "" {
			return row, true
		}
	}
	c.errorPage(w, r, http.StatusNotFound, "There is no running integration with that id.")
	return api.IntegrationRow{}, false
}

// savePolicy answers POST /integrations/{integration}/policy.
func (c *console) savePolicy(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("integration")
	if _, ok := c.engine.Integration(id); !ok {
		c.errorPage(w, r, http.StatusNotFound, "There is no running integration with that id.")
		return
	}
	if c.deps.SetPolicy == nil {
		c.errorPage(w, r, http.StatusConflict, "This hub does not take policy changes from the console.")
		return
	}
	p, err := policyFromForm(r.PostForm)
	if err != nil {
		c.showEdit(w, r, http.StatusBadRequest, err.Error())
		return
	}
	if err := c.deps.SetPolicy(r.Context(), c.tenant, id, p); err != nil {
		c.fail(w, r, err)
		return
	}
	c.log.InfoContext(r.Context(), "policy saved in the console", "integration", id, "by", current(r.Context()).who.Name)
	done(w, r, "/integrations/"+id+"/edit", "Policy saved; it applies from the next change on.")
}

// saveSecret answers POST /integrations/{integration}/secrets: one secret
// setting set or replaced (write-only: the value is never shown back,
// not even in an error).
func (c *console) saveSecret(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("integration")
	if _, ok := c.engine.Integration(id); !ok {
		c.errorPage(w, r, http.StatusNotFound, "There is no running integration with that id.")
		return
	}
	if c.deps.SetSecret == nil {
		c.errorPage(w, r, http.StatusConflict, "This hub does not take secrets from the console.")
		return
	}
	field := r.PostForm.Get("field")
	if err := c.deps.SetSecret(r.Context(), c.tenant, id, field, r.PostForm.Get("value")); err != nil {
		if errors.Is(err, engine.ErrInvalid) {
			c.showEdit(w, r, http.StatusBadRequest, "The "+field+" was not changed: the connector refused it or it was empty.")
			return
		}
		c.fail(w, r, err)
		return
	}
	c.log.InfoContext(r.Context(), "secret replaced in the console", "integration", id, "setting", field, "by", current(r.Context()).who.Name)
	done(w, r, "/integrations/"+id+"/edit", "The "+field+" is stored, encrypted; the integration uses it from now on.")
}

type healthData struct {
	ID     string
	Health api.Health
}

// testConnection answers POST /integrations/{integration}/test: the
// vendor is asked now (the connector's HealthChecker), not from cache.
// htmx swaps the answer into the row; without htmx it is a page note.
func (c *console) testConnection(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("integration")
	h, ok := c.views.TestConnection(r.Context(), id)
	if !ok {
		c.errorPage(w, r, http.StatusNotFound, "There is no running integration with that id.")
		return
	}
	if r.Header.Get("HX-Request") != "" {
		c.fragment(w, r, "integrations", "health", c.view(r, "integrations", "", healthData{ID: id, Health: h}))
		return
	}
	note := "Connection to " + id + ": " + h.Status
	done(w, r, "/integrations", note)
}
