// Package demo runs alertsync end to end against the vendor emulators:
// it starts every registered emulator (internal/emulators/registry) on
// one listener, runs the hub on embedded SQLite against them, walks a
// scenario whose every step is checked against the emulators' own state,
// can keep traffic flowing for a set duration, and reports what the
// vendors' consoles show against what the hub holds.
package demo

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/alertsync/alertsync/internal/emulators/defendercloud"
	"github.com/alertsync/alertsync/internal/emulators/graph"
	"github.com/alertsync/alertsync/internal/emulators/mde"
	"github.com/alertsync/alertsync/internal/emulators/registry"
	"github.com/alertsync/alertsync/internal/emulators/sentinel"

	_ "github.com/alertsync/alertsync/internal/emulators/all" // every vendor emulator
)

// worldSeed draws the fake organisation every emulator's alerts are about.
const worldSeed = 2024

// world is the running emulators and the one server in front of them.
// The typed fields serve the scenario's Microsoft-specific rows; the
// summary, the load and emulate use only the registry.
type world struct {
	set      *registry.Set
	url      string // where set's handler is served: vendors are under it
	server   *http.Server
	graph    *graph.Emulator
	mde      *mde.Emulator
	dfc      *defendercloud.Emulator
	sentinel *sentinel.Emulator
}

// newWorld starts every registered emulator, each seeding alerts[kind]
// alerts (its default when absent), served on listen ("127.0.0.1:0" when
// empty).
func newWorld(log *slog.Logger, alerts map[string]int, listen string) (*world, error) {
	if listen == "" {
		listen = "127.0.0.1:0"
	}
	ln, err := (&net.ListenConfig{}).Listen(context.Background(), "tcp", listen)
	if err != nil {
		return nil, fmt.Errorf("listen for the emulators: %w", err)
	}
	w, err := newWorldOn(log, alerts, ln)
	if err != nil {
		_ = ln.Close()
	}
	return w, err
}

// newWorldOn is newWorld on a listener the caller opened.
func newWorldOn(log *slog.Logger, alerts map[string]int, ln net.Listener) (*world, error) {
	return startWorld(registry.Options{Logger: log, Alerts: alerts, WorldSeed: worldSeed}, ln)
}

// newOrgWorld starts the emulators of another organisation (see
// registry.Env.Org) on a port of their own: the same seeded alerts, the
// same vendor ids, another Entra tenant and Sekoia.io community.
func newOrgWorld(log *slog.Logger, alerts map[string]int, org string) (*world, error) {
	ln, err := (&net.ListenConfig{}).Listen(context.Background(), "tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("listen for the emulators of %s: %w", org, err)
	}
	w, err := startWorld(registry.Options{Logger: log, Alerts: alerts, WorldSeed: worldSeed, Org: org}, ln)
	if err != nil {
		_ = ln.Close()
	}
	return w, err
}

// startWorld starts the emulators o asks for, served on ln.
func startWorld(o registry.Options, ln net.Listener) (*world, error) {
	set, err := registry.Start(o)
	if err != nil {
		return nil, err
	}
	w := &world{set: set}
	if w.graph, err = registry.As[*graph.Emulator](set, "graph"); err != nil {
		return nil, err
	}
	if w.mde, err = registry.As[*mde.Emulator](set, "mde"); err != nil {
		return nil, err
	}
	if w.dfc, err = registry.As[*defendercloud.Emulator](set, "defendercloud"); err != nil {
		return nil, err
	}
	if w.sentinel, err = registry.As[*sentinel.Emulator](set, "sentinel"); err != nil {
		return nil, err
	}
	w.server = &http.Server{Handler: set.Handler(), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = w.server.Serve(ln) }()
	w.url = "http://" + ln.Addr().String()
	return w, nil
}

func (w *world) close() { _ = w.server.Close() }

// base is the URL the emulators serve name (a kind or a login) at.
func (w *world) base(name string) string { return w.set.Base(w.url, nil, name) }
