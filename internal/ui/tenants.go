package ui

import (
	"net/http"
	"sync"

	"github.com/alertsync/alertsync/internal/store"
)

// Tenants: a session acts in one tenant, the one its token is scoped to,
// or for a provider's operator the one picked in the switcher (the
// default tenant at first). Every page is served by that tenant's copy of
// the console, built over the tenant's store, engine and playbooks
// exactly as the API's copy is, so a page can show and change nothing of
// another tenant.

// consoleCopies are the per-tenant consoles built so far.
type consoleCopies struct {
	mu   sync.Mutex
	byID map[string]*console
}

// forTenant returns the console that serves tenant id, or false when no
// such tenant runs.
func (c *console) forTenant(id string) (*console, bool) {
	views, parts, ok := c.views.ForTenant(id)
	if !ok {
		return nil, false
	}
	c.copies.mu.Lock()
	defer c.copies.mu.Unlock()
	if cc := c.copies.byID[id]; cc != nil && cc.engine == parts.Engine {
		return cc, true
	}
	cc := *c
	cc.tenant, cc.store, cc.engine, cc.views, cc.playbooks = id, parts.Scope, parts.Engine, views, parts.Playbooks
	cc.log = c.log.With("tenant", id)
	cc.routes = map[string]http.HandlerFunc{}
	for _, rt := range cc.table() {
		cc.routes[rt.Method+" "+rt.Pattern] = rt.h
	}
	c.copies.byID[id] = &cc
	return &cc, true
}

// tenantChoice is one entry of an operator's switcher.
type tenantChoice struct {
	ID, Name string
	Current  bool
}

// tenantChoices lists the tenants an operator may switch to; nil for a
// tenant's own users, who see no switcher.
func (c *console) tenantChoices(r *http.Request) []tenantChoice {
	se := current(r.Context())
	if !se.who.AllTenants() {
		return nil
	}
	list, err := c.views.TenantList(r.Context())
	if err != nil {
		c.log.WarnContext(r.Context(), "list tenants for the switcher", "err", err)
		return nil
	}
	out := make([]tenantChoice, 0, len(list))
	for _, t := range list {
		if t.Status == store.TenantActive {
			out = append(out, tenantChoice{ID: t.ID, Name: t.Name, Current: t.ID == se.tenant})
		}
	}
	return out
}

// pickTenant answers POST /tenant: an operator's switcher moves the
// session to another running tenant.
func (c *console) pickTenant(w http.ResponseWriter, r *http.Request) {
	se := current(r.Context())
	id := r.PostFormValue("tenant")
	// A tenant's own users have one tenant; any other is, for them, no
	// tenant at all (as on the API).
	if _, ok := c.forTenant(id); !ok || !se.who.AllTenants() && id != se.tenant {
		c.errorPage(w, r, http.StatusNotFound, "No such tenant runs here.")
		return
	}
	if err := c.sessions.pick(r.Context(), cookieValue(r, sessionCookie), id); err != nil {
		c.fail(w, r, err)
		return
	}
	c.log.InfoContext(r.Context(), "operator switched tenant", "name", se.who.Name, "tenant", id)
	http.Redirect(w, r, "/", http.StatusSeeOther)
}
