// Package ui is alertsync's web console: server-rendered html/template
// pages with htmx (vendored, served from go:embed, no JavaScript build
// step) over the same store, engine, tokens and roles as the JSON API.
// Each page's handler lives in a file of its own; this file declares the
// route table, which sits beside the API's (api.Routes) so one test walks
// both with every role.
package ui

import (
	"context"
	"embed"
	"io/fs"
	"log/slog"
	"net/http"
	"time"

	"github.com/alertsync/alertsync/internal/api"
	"github.com/alertsync/alertsync/internal/config"
	"github.com/alertsync/alertsync/internal/engine"
	"github.com/alertsync/alertsync/internal/playbook"
	"github.com/alertsync/alertsync/internal/store"
)

//go:embed static
var staticFS embed.FS

// Deps are what the console needs from the rest of the hub.
type Deps struct {
	// API holds the store, engine, tokens, rate-limit waits and playbooks
	// the API serves; the console shows and changes the same.
	API api.Deps
	// SetPolicy changes an integration's sync policy durably; nil makes
	// the policy read-only in the console.
	SetPolicy func(ctx context.Context, tenant, integration string, p engine.Policy) error
	// SetSecret sets or replaces one secret setting durably; nil makes
	// secrets read-only (never shown either way).
	SetSecret func(ctx context.Context, tenant, integration, field, value string) error
	// SessionTTL bounds a console session; 8 hours when zero.
	SessionTTL time.Duration
	// Users log in with a username and a password (console.users), as
	// the role and tenant configured for each.
	Users []config.ConsoleUser
	// RunRetention is how long a finished playbook run is kept
	// (playbooks.run_retention; 0: for ever), which the runs page says.
	RunRetention time.Duration
}

// console holds what every page handler shares.
type console struct {
	store     store.Scoped
	engine    *engine.Engine
	views     *api.Views
	auth      *api.Authenticator
	sessions  *sessions
	users     *users
	limits    *loginLimits
	pages     *pages
	log       *slog.Logger
	deps      Deps
	now       func() time.Time
	static    http.Handler
	gatherer  gatherer
	playbooks *playbook.Runner
	// tenant is the tenant this copy serves; copies are the per-tenant
	// consoles, shared by every copy; routes are this copy's handlers.
	tenant string
	copies *consoleCopies
	routes map[string]http.HandlerFunc
}

// New returns the console's handler. Mount it at "/" beside the API.
func New(deps Deps) http.Handler {
	c := newConsole(deps)
	mux := http.NewServeMux()
	for _, rt := range c.table() {
		mux.Handle(rt.Method+" "+rt.Pattern, c.guard(rt))
	}
	mux.Handle("/", c.headers(http.HandlerFunc(c.notFound)))
	return mux
}

func newConsole(deps Deps) *console {
	log := deps.API.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	log = log.With("component", "console")
	if deps.SessionTTL <= 0 {
		deps.SessionTTL = 8 * time.Hour
	}
	sub, err := fs.Sub(staticFS, "static")
	if err != nil {
		panic(err) // the embedded folder is part of the binary
	}
	c := &console{
		store: deps.API.Store.Scope(store.DefaultTenant), engine: deps.API.Engine, views: api.NewViews(deps.API),
		auth: api.NewAuthenticator(deps.API.Tokens, deps.API.AdminToken, log), log: log, deps: deps,
		pages: mustParsePages(), static: http.FileServerFS(sub), tenant: store.DefaultTenant,
		copies:   &consoleCopies{byID: map[string]*console{}},
		gatherer: gatherer{deps.API.Gatherer}, playbooks: runnerOf(deps.API),
	}
	c.now = time.Now
	if deps.API.Engine != nil {
		c.now = deps.API.Engine.Now
	}
	c.users, c.limits = newUsers(deps.Users, log), newLoginLimits(c.now)
	c.sessions = &sessions{st: deps.API.Store, ttl: deps.SessionTTL, now: c.now, tokens: c.auth, users: c.users}
	return c
}

// route is one row of the console's table with its handler.
type route struct {
	api.Access
	h http.HandlerFunc
}

// Routes is the console's route table, without handlers.
func Routes() []api.Access {
	rows := (&console{}).table()
	out := make([]api.Access, len(rows))
	for i, r := range rows {
		out[i] = r.Access
	}
	return out
}

// table declares every page and action, who may use it and what serves
// it. Roles mean what they mean on the API: a viewer reads, an analyst
// also decides (verdicts, comments, validation, dry runs), an admin also
// changes configuration and retries dead letters.
func (c *console) table() []route {
	r := func(method, pattern string, role api.Role, h http.HandlerFunc) route {
		return route{api.Access{Method: method, Pattern: pattern, Role: role}, h}
	}
	const get, post = http.MethodGet, http.MethodPost
	const viewer, analyst, admin, public = api.RoleViewer, api.RoleAnalyst, api.RoleAdmin, api.RolePublic
	return []route{
		r(get, "/static/", public, c.serveStatic),
		r(get, "/login", public, c.loginPage),
		r(post, "/login", public, c.login),
		r(post, "/logout", viewer, c.logout),
		r(post, "/tenant", viewer, c.pickTenant),

		r(get, "/{$}", viewer, c.dashboard),
		r(get, "/integrations", viewer, c.integrationsPage),
		r(get, "/integrations/{integration}/edit", admin, c.editIntegration),
		r(post, "/integrations/{integration}/policy", admin, c.savePolicy),
		r(post, "/integrations/{integration}/secrets", admin, c.saveSecret),
		r(post, "/integrations/{integration}/test", analyst, c.testConnection),

		r(get, "/alerts", viewer, c.alertsPage),
		r(get, "/alerts/{id}", viewer, c.alertPage),
		r(get, "/alerts/{id}/deliveries", viewer, c.alertDeliveries),
		r(get, "/alerts/{id}/ocsf.json", viewer, c.alertOCSF),
		r(post, "/alerts/{id}/verdict", analyst, c.setVerdict),
		r(post, "/alerts/{id}/comments", analyst, c.addComment),
		r(post, "/alerts/{id}/validation", analyst, c.startValidation),
		r(post, "/alerts/{id}/validation/stop", analyst, c.stopValidation),

		r(get, "/incidents", viewer, c.incidentsPage),
		r(get, "/incidents/{id}", viewer, c.incidentPage),
		r(get, "/incidents/{id}/ocsf.json", viewer, c.incidentOCSF),
		r(post, "/incidents/{id}/verdict", analyst, c.setVerdict),
		r(post, "/incidents/{id}/comments", analyst, c.addComment),

		r(get, "/outbox", viewer, c.outboxPage),
		r(post, "/outbox/{id}/retry", admin, c.retryOutbox),

		r(get, "/runs", viewer, c.runsPage),
		r(get, "/cluster", viewer, c.clusterPage),
		r(get, "/runs/{id}", viewer, c.runPage),
		r(get, "/playbooks/{id}/dry-run", viewer, c.dryRunPage),
		r(post, "/playbooks/{id}/dry-run", analyst, c.dryRun),
	}
}

func (c *console) serveStatic(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "public, max-age=3600")
	http.StripPrefix("/static", c.static).ServeHTTP(w, r)
}
