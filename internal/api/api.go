// Package api is alertsync's HTTP JSON API: alerts, incidents, verdicts,
// comments, deliveries, integrations, the outbox and quarantine, push
// intake, health, metrics and the OpenAPI document that describes it all.
// Each handler lives in a file of its own; this file wires the routes.
package api

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/alertsync/alertsync/internal/config"
	"github.com/alertsync/alertsync/internal/engine"
	"github.com/alertsync/alertsync/internal/model"
	"github.com/alertsync/alertsync/internal/playbook"
	"github.com/alertsync/alertsync/internal/store"
)

// Deps are what the API needs from the rest of the hub.
type Deps struct {
	Store  store.Store
	Engine *engine.Engine
	// Tokens are the named bearer tokens the API accepts.
	Tokens []Token
	// AdminToken, when set, is accepted as an admin token named "admin".
	AdminToken config.Secret
	// Gatherer backs /metrics; nil serves an empty registry.
	Gatherer prometheus.Gatherer
	Logger   *slog.Logger
	Version  string
	// Ready reports whether the hub can serve; nil means always ready.
	Ready func(ctx context.Context) error
	// Waiting reports why an integration's pending writes are held (its
	// vendor's rate limit) and until when; nil means never held.
	Waiting func(integration string) (reason string, until time.Time, ok bool)
	// Playbooks runs playbooks; nil serves an empty list.
	Playbooks *playbook.Runner
	// Replica is this process's name among the replicas sharing the
	// store (GET /api/v1/cluster).
	Replica string
	// Tenants, when set, are the hub's running tenants: each request is
	// served by the tenant its token acts in (an operator's token names
	// one in the X-Alertsync-Tenant header), and operators manage them.
	// Without it the API serves the default tenant from Store, Engine,
	// Playbooks and Waiting.
	Tenants Tenants
}

// server holds the dependencies every handler shares.
type server struct {
	// store is the tenant the API serves; hub is the whole store, for
	// what no tenant owns (leases).
	store   store.Scoped
	hub     store.Store
	engine  *engine.Engine
	log     *slog.Logger
	version string
	ready   func(ctx context.Context) error
	auth    *Authenticator
	health  *healthCache
	waiting func(integration string) (string, time.Time, bool)
	// playbooks is never nil: an empty runner when Deps gave none.
	playbooks *playbook.Runner
	replica   string
	// tenant is the tenant this copy of the server serves; tenants, the
	// hub's running tenants (nil: only the default one), and copies the
	// per-tenant servers built so far, shared by every copy.
	tenant  string
	tenants Tenants
	copies  *tenantCopies
	// metrics serves /metrics; routes are this copy's handlers, by
	// "METHOD pattern".
	metrics http.Handler
	routes  map[string]http.Handler
}

// newServer builds the handlers' shared state.
func newServer(deps Deps) *server {
	if deps.Logger == nil {
		deps.Logger = slog.New(slog.DiscardHandler)
	}
	deps.Logger = slog.New(LogHandler(deps.Logger.Handler()))
	s := &server{
		store: deps.Store.Scope(store.DefaultTenant), hub: deps.Store, engine: deps.Engine, log: deps.Logger, version: deps.Version,
		ready: deps.Ready, waiting: deps.Waiting, playbooks: deps.Playbooks, replica: deps.Replica,
		auth:   NewAuthenticator(deps.Tokens, deps.AdminToken, deps.Logger),
		health: newHealthCache(healthTTL, healthTimeout),
		tenant: store.DefaultTenant, tenants: deps.Tenants, copies: &tenantCopies{byID: map[string]*server{}},
	}
	if s.playbooks == nil {
		s.playbooks = playbook.New(playbook.Options{Store: s.store, Engine: deps.Engine})
	}
	gatherer := deps.Gatherer
	if gatherer == nil {
		gatherer = prometheus.NewRegistry()
	}
	s.metrics = promhttp.HandlerFor(gatherer, promhttp.HandlerOpts{})
	s.routes = s.handlers()
	return s
}

// handlers are this copy's route handlers, by "METHOD pattern".
func (s *server) handlers() map[string]http.Handler {
	out := map[string]http.Handler{}
	for _, rt := range s.table(s.metrics) {
		out[rt.Method+" "+rt.Pattern] = rt.handler
	}
	return out
}

// New returns the API's handler.
func New(deps Deps) http.Handler {
	s := newServer(deps)
	mux := http.NewServeMux()
	for _, rt := range s.table(s.metrics) {
		mux.Handle(rt.Method+" "+rt.Pattern, s.dispatch(rt.Access))
	}
	return s.logRequests(s.unrouted(mux))
}

// Access is one row of a route table: a method and path pattern (as
// net/http.ServeMux reads them) and the least role that may call it. The
// API's table and the web console's sit side by side, and one test walks
// both with every role.
type Access struct {
	Method  string
	Pattern string
	Role    Role
}

// route is a table row with its handler.
type route struct {
	Access
	handler http.Handler
}

// Routes is the API's route table, without handlers.
func Routes() []Access {
	rows := (&server{}).table(nil)
	out := make([]Access, len(rows))
	for i, r := range rows {
		out[i] = r.Access
	}
	return out
}

// table declares every route, who may call it and what serves it. Each
// handler takes either a query it reads with newQuery or, wrapped in
// noQuery, none at all; either way an unknown parameter is a 400.
func (s *server) table(metrics http.Handler) []route {
	r := func(method, pattern string, role Role, h http.HandlerFunc) route {
		return route{Access{method, pattern, role}, h}
	}
	const get, post = http.MethodGet, http.MethodPost
	return []route{
		r(get, "/api/v1/alerts", RoleViewer, s.listAlerts),
		r(get, "/api/v1/alerts/{id}", RoleViewer, noQuery(s.getAlert)),
		r(get, "/api/v1/alerts/{id}/revisions", RoleViewer, s.listRevisions(model.KindAlert)),
		r(get, "/api/v1/alerts/{id}/ocsf", RoleViewer, noQuery(s.alertOCSF)),
		r(get, "/api/v1/alerts/{id}/comments", RoleViewer, noQuery(s.listComments(model.KindAlert))),
		r(get, "/api/v1/alerts/{id}/deliveries", RoleViewer, s.listDeliveries(model.KindAlert)),
		r(post, "/api/v1/alerts/{id}/verdict", RoleAnalyst, noQuery(s.setVerdict(model.KindAlert))),
		r(post, "/api/v1/alerts/{id}/validation", RoleAnalyst, noQuery(s.startValidation)),
		r(post, "/api/v1/alerts/{id}/comments", RoleAnalyst, noQuery(s.addComment(model.KindAlert))),
		r(get, "/api/v1/alerts/{id}/timeline", RoleViewer, s.timeline(model.KindAlert)),
		r(post, "/api/v1/alerts/{id}/push", RoleAnalyst, noQuery(s.push(model.KindAlert))),

		r(get, "/api/v1/incidents", RoleViewer, s.listIncidents),
		r(get, "/api/v1/incidents/{id}", RoleViewer, noQuery(s.getIncident)),
		r(get, "/api/v1/incidents/{id}/revisions", RoleViewer, s.listRevisions(model.KindIncident)),
		r(get, "/api/v1/incidents/{id}/ocsf", RoleViewer, noQuery(s.incidentOCSF)),
		r(get, "/api/v1/incidents/{id}/comments", RoleViewer, noQuery(s.listComments(model.KindIncident))),
		r(get, "/api/v1/incidents/{id}/deliveries", RoleViewer, s.listDeliveries(model.KindIncident)),
		r(post, "/api/v1/incidents/{id}/verdict", RoleAnalyst, noQuery(s.setVerdict(model.KindIncident))),
		r(post, "/api/v1/incidents/{id}/comments", RoleAnalyst, noQuery(s.addComment(model.KindIncident))),
		r(get, "/api/v1/incidents/{id}/timeline", RoleViewer, s.timeline(model.KindIncident)),
		r(post, "/api/v1/incidents/{id}/push", RoleAnalyst, noQuery(s.push(model.KindIncident))),

		r(get, "/api/v1/evidence", RoleViewer, s.listEvidence),
		r(get, "/api/v1/integrations/{integration}/feeds", RoleViewer, noQuery(s.integrationFeeds)),

		r(get, "/api/v1/integrations", RoleViewer, noQuery(s.listIntegrations)),
		r(get, "/api/v1/outbox", RoleViewer, s.listOutbox),
		r(get, "/api/v1/outbox/counts", RoleViewer, noQuery(s.outboxCounts)),
		r(post, "/api/v1/outbox/{id}/retry", RoleAdmin, noQuery(s.retryOutbox)),
		r(get, "/api/v1/quarantine", RoleViewer, s.listQuarantine),
		r(get, "/api/v1/cluster", RoleViewer, noQuery(s.cluster)),

		r(get, "/api/v1/playbooks", RoleViewer, noQuery(s.listPlaybooks)),
		r(get, "/api/v1/playbooks/{id}", RoleViewer, noQuery(s.getPlaybook)),
		r(http.MethodPut, "/api/v1/playbooks/{id}", RoleAdmin, noQuery(s.putPlaybook)),
		r(http.MethodDelete, "/api/v1/playbooks/{id}", RoleAdmin, noQuery(s.deletePlaybook)),
		r(post, "/api/v1/playbooks/{id}/runs", RoleAnalyst, noQuery(s.startRun)),
		r(post, "/api/v1/playbooks/{id}/dry-run", RoleAnalyst, noQuery(s.dryRun)),
		r(get, "/api/v1/playbook-runs", RoleViewer, s.listRuns),
		r(get, "/api/v1/playbook-runs/{id}", RoleViewer, noQuery(s.getRun)),

		// Pushes authenticate with the integration's own intake key. Their
		// query string belongs to the sender's format, so it is not checked.
		r(post, "/api/v1/intake/{integration}", RolePublic, s.intake),
		r(post, "/api/v1/tenants/{tenant}/intake/{integration}", RolePublic, s.intake),

		// Tenants, for a provider's operators.
		r(get, "/api/v1/tenants", RoleOperator, noQuery(s.listTenants)),
		r(post, "/api/v1/tenants", RoleOperator, noQuery(s.createTenant)),
		r(http.MethodPatch, "/api/v1/tenants/{tenant}", RoleOperator, noQuery(s.updateTenant)),
		r(http.MethodDelete, "/api/v1/tenants/{tenant}", RoleOperator, noQuery(s.deleteTenant)),

		r(get, "/healthz", RolePublic, s.healthz),
		{Access{get, "/metrics", RolePublic}, metrics},
		r(get, "/openapi.json", RolePublic, s.openAPI),
	}
}

// statusRecorder remembers the status a handler wrote, for the access log.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.ResponseWriter.Write(b)
}

func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// logRequests gives the request its id (see RequestIDHeader) before
// anything else runs, so every line logged about it and every error body
// carries the id, and writes one debug line per request. It logs the
// route and status, never the Authorization header or the query string.
func (s *server) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := requestIDFor(r.Header.Get(RequestIDHeader))
		w.Header().Set(RequestIDHeader, id)
		r = r.WithContext(withRequestID(r.Context(), id))
		rec := &statusRecorder{ResponseWriter: w}
		served := new(string)
		next.ServeHTTP(rec, r.WithContext(context.WithValue(r.Context(), servedKey{}, served)))
		s.log.LogAttrs(r.Context(), slog.LevelDebug, "api request",
			slog.String("method", r.Method), slog.String("route", r.Pattern), slog.String("tenant", *served),
			slog.Int("status", rec.status), slog.Duration("took", time.Since(start)))
	})
}
