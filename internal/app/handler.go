package app

import (
	"context"
	"net/http"

	"github.com/alertsync/alertsync/internal/api"
)

// handler builds the HTTP surface: the JSON API plus whatever Options.Mount
// adds (the demo mounts its emulators beside the API).
func (a *App) handler() http.Handler {
	apiHandler := api.New(api.Deps{
		Store: a.store, Engine: a.engine,
		Tokens: api.TokensFrom(a.cfg.API.Tokens), AdminToken: a.cfg.API.AdminToken,
		Gatherer: a.registry, Logger: a.log.With("component", "api"), Version: BuildVersion(),
		Ready: a.ready, Waiting: a.worker.Waiting, Playbooks: a.playbooks,
	})
	if a.opts.Mount == nil {
		return apiHandler
	}
	mux := http.NewServeMux()
	a.opts.Mount(mux)
	mux.Handle("/", apiHandler)
	return mux
}

// ready reports whether the store answers.
func (a *App) ready(ctx context.Context) error {
	_, err := a.store.OutboxCounts(ctx)
	return err
}
