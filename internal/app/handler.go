package app

import (
	"context"
	"net/http"

	"github.com/alertsync/alertsync/internal/api"
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
		Store: a.store, Engine: a.engine,
		Tokens: api.TokensFrom(a.cfg.API.Tokens), AdminToken: a.cfg.API.AdminToken,
		Gatherer: a.registry, Logger: a.log.With("component", "api"), Version: BuildVersion(),
		Ready: a.ready, Waiting: a.worker.Waiting, Playbooks: a.playbooks, Replica: a.replica,
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
	mux.Handle("/", ui.New(ui.Deps{API: deps, SetPolicy: a.SetPolicy, SetSecret: a.SetSecret}))
	return mux
}

// ready reports whether the store answers.
func (a *App) ready(ctx context.Context) error {
	_, err := a.store.OutboxCounts(ctx)
	return err
}
