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
}

// server holds the dependencies every handler shares.
type server struct {
	store   store.Store
	engine  *engine.Engine
	log     *slog.Logger
	version string
	ready   func(ctx context.Context) error
	tokens  []tokenEntry
	health  *healthCache
	waiting func(integration string) (string, time.Time, bool)
	// playbooks is never nil: an empty runner when Deps gave none.
	playbooks *playbook.Runner
}

// New returns the API's handler.
func New(deps Deps) http.Handler {
	if deps.Logger == nil {
		deps.Logger = slog.New(slog.DiscardHandler)
	}
	deps.Logger = slog.New(LogHandler(deps.Logger.Handler()))
	s := &server{
		store: deps.Store, engine: deps.Engine, log: deps.Logger, version: deps.Version,
		ready: deps.Ready, waiting: deps.Waiting, playbooks: deps.Playbooks,
		tokens: newTokenEntries(deps.Tokens, deps.AdminToken, deps.Logger),
		health: newHealthCache(healthTTL, healthTimeout),
	}
	if s.playbooks == nil {
		s.playbooks = playbook.New(playbook.Options{Store: deps.Store, Engine: deps.Engine})
	}
	gatherer := deps.Gatherer
	if gatherer == nil {
		gatherer = prometheus.NewRegistry()
	}
	mux := http.NewServeMux()
	s.routes(mux, promhttp.HandlerFor(gatherer, promhttp.HandlerOpts{}))
	return s.logRequests(s.unrouted(mux))
}

func (s *server) routes(mux *http.ServeMux, metrics http.Handler) {
	// Each handler takes either a query it reads with newQuery or, wrapped
	// in noQuery, none at all; either way an unknown parameter is a 400.
	view := func(h http.HandlerFunc) http.Handler { return s.require(RoleViewer, h) }
	analyst := func(h http.HandlerFunc) http.Handler { return s.require(RoleAnalyst, h) }
	admin := func(h http.HandlerFunc) http.Handler { return s.require(RoleAdmin, h) }

	mux.Handle("GET /api/v1/alerts", view(s.listAlerts))
	mux.Handle("GET /api/v1/alerts/{id}", view(noQuery(s.getAlert)))
	mux.Handle("GET /api/v1/alerts/{id}/revisions", view(s.listRevisions(model.KindAlert)))
	mux.Handle("GET /api/v1/alerts/{id}/ocsf", view(noQuery(s.alertOCSF)))
	mux.Handle("GET /api/v1/alerts/{id}/comments", view(noQuery(s.listComments(model.KindAlert))))
	mux.Handle("GET /api/v1/alerts/{id}/deliveries", view(s.listDeliveries(model.KindAlert)))
	mux.Handle("POST /api/v1/alerts/{id}/verdict", analyst(noQuery(s.setVerdict(model.KindAlert))))
	mux.Handle("POST /api/v1/alerts/{id}/validation", analyst(noQuery(s.startValidation)))
	mux.Handle("POST /api/v1/alerts/{id}/comments", analyst(noQuery(s.addComment(model.KindAlert))))
	mux.Handle("GET /api/v1/alerts/{id}/timeline", view(s.timeline(model.KindAlert)))
	mux.Handle("POST /api/v1/alerts/{id}/push", analyst(noQuery(s.push(model.KindAlert))))

	mux.Handle("GET /api/v1/incidents", view(s.listIncidents))
	mux.Handle("GET /api/v1/incidents/{id}", view(noQuery(s.getIncident)))
	mux.Handle("GET /api/v1/incidents/{id}/revisions", view(s.listRevisions(model.KindIncident)))
	mux.Handle("GET /api/v1/incidents/{id}/ocsf", view(noQuery(s.incidentOCSF)))
	mux.Handle("GET /api/v1/incidents/{id}/comments", view(noQuery(s.listComments(model.KindIncident))))
	mux.Handle("GET /api/v1/incidents/{id}/deliveries", view(s.listDeliveries(model.KindIncident)))
	mux.Handle("POST /api/v1/incidents/{id}/verdict", analyst(noQuery(s.setVerdict(model.KindIncident))))
	mux.Handle("POST /api/v1/incidents/{id}/comments", analyst(noQuery(s.addComment(model.KindIncident))))
	mux.Handle("GET /api/v1/incidents/{id}/timeline", view(s.timeline(model.KindIncident)))
	mux.Handle("POST /api/v1/incidents/{id}/push", analyst(noQuery(s.push(model.KindIncident))))

	mux.Handle("GET /api/v1/evidence", view(s.listEvidence))
	mux.Handle("GET /api/v1/integrations/{integration}/feeds", view(noQuery(s.integrationFeeds)))

	mux.Handle("GET /api/v1/integrations", view(noQuery(s.listIntegrations)))
	mux.Handle("GET /api/v1/outbox", view(s.listOutbox))
	mux.Handle("GET /api/v1/outbox/counts", view(noQuery(s.outboxCounts)))
	mux.Handle("POST /api/v1/outbox/{id}/retry", admin(noQuery(s.retryOutbox)))
	mux.Handle("GET /api/v1/quarantine", view(s.listQuarantine))

	mux.Handle("GET /api/v1/playbooks", view(noQuery(s.listPlaybooks)))
	mux.Handle("GET /api/v1/playbooks/{id}", view(noQuery(s.getPlaybook)))
	mux.Handle("PUT /api/v1/playbooks/{id}", admin(noQuery(s.putPlaybook)))
	mux.Handle("DELETE /api/v1/playbooks/{id}", admin(noQuery(s.deletePlaybook)))
	mux.Handle("POST /api/v1/playbooks/{id}/runs", analyst(noQuery(s.startRun)))
	mux.Handle("POST /api/v1/playbooks/{id}/dry-run", analyst(noQuery(s.dryRun)))
	mux.Handle("GET /api/v1/playbook-runs", view(s.listRuns))
	mux.Handle("GET /api/v1/playbook-runs/{id}", view(noQuery(s.getRun)))

	// Pushes authenticate with the integration's own intake key. Their
	// query string belongs to the sender's format, so it is not checked.
	mux.HandleFunc("POST /api/v1/intake/{integration}", s.intake)

	mux.HandleFunc("GET /healthz", s.healthz)
	mux.Handle("GET /metrics", metrics)
	mux.HandleFunc("GET /openapi.json", s.openAPI)
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
		next.ServeHTTP(rec, r)
		s.log.LogAttrs(r.Context(), slog.LevelDebug, "api request",
			slog.String("method", r.Method), slog.String("route", r.Pattern),
			slog.Int("status", rec.status), slog.Duration("took", time.Since(start)))
	})
}
