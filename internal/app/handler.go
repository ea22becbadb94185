package app

import (
	"context"
	"net/http"
	"time"

	"github.com/alertsync/alertsync/internal/api"
	"github.com/alertsync/alertsync/internal/store"
	"github.com/alertsync/alertsync/internal/ui"
)

// apiPaths are what the JSON API serves; everything else is the web
// console's, mounted at "/".
var apiPaths = []string{"/api/", "/healthz", "/metrics", "/openapi.json"}

// handler builds the HTTP surface: the JSON API, the web console beside
// it on the same tokens and roles, plus whatever Options.Mount adds (the
// demo mounts its emulators beside the API).
func (a *App) handler() http.Handler {
	deps := api.Deps{
		Store: a.store, Engine: a.def.engine,
		Tokens: api.TokensFrom(a.cfg.API.Tokens), AdminToken: a.cfg.API.AdminToken,
		Gatherer: a.registry, Logger: a.log.With("component", "api"), Version: BuildVersion(),
		Ready: a.ready, Waiting: a.waiting, Playbooks: a.def.playbooks, Replica: a.replica,
		Tenants: apiTenants{a},
	}
	apiHandler := api.New(deps)
	mux := http.NewServeMux()
	if a.opts.Mount != nil {
		a.opts.Mount(mux)
	}
	for _, p := range apiPaths {
		mux.Handle(p, apiHandler)
	}
	deps.Logger = a.log
	mux.Handle("/", ui.New(ui.Deps{API: deps, SetPolicy: a.SetTenantPolicy, SetSecret: a.SetTenantSecret,
		Users: a.cfg.Console.Users, SessionTTL: a.cfg.Console.SessionTTL, RunRetention: a.cfg.Playbooks.RunRetention}))
	return mux
}

// ready reports whether the store answers.
func (a *App) ready(ctx context.Context) error {
	_, err := a.def.scope.OutboxCounts(ctx)
	return err
}

// waiting is the outbox's Waiting for an integration of the default
// tenant.
func (a *App) waiting(integration string) (string, time.Time, bool) {
	return a.worker.Waiting(store.Lane{Tenant: a.def.id, Integration: integration})
}

// apiTenants is the app's running tenants as the API sees them.
type apiTenants struct{ *App }

// Tenant implements api.Tenants.
func (t apiTenants) Tenant(id string) (api.TenantParts, bool) {
	rt, ok := t.tenant(id)
	if !ok {
		return api.TenantParts{}, false
	}
	return api.TenantParts{
		Scope: rt.scope, Engine: rt.engine, Playbooks: rt.playbooks,
		Waiting: func(integration string) (string, time.Time, bool) {
			return t.worker.Waiting(store.Lane{Tenant: rt.id, Integration: integration})
		},
	}, true
}
