// Package demo runs alertsync end to end against the vendor emulators:
// it starts an Entra ID login, Microsoft Graph security, Defender for
// Endpoint and an ARM host serving Defender for Cloud and Sentinel, runs
// the hub on embedded SQLite against them, and walks a scenario whose
// every step is checked against the emulators' own state.
package demo

import (
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"

	"github.com/alertsync/alertsync/internal/emulators/defendercloud"
	"github.com/alertsync/alertsync/internal/emulators/emukit"
	"github.com/alertsync/alertsync/internal/emulators/graph"
	"github.com/alertsync/alertsync/internal/emulators/mde"
	"github.com/alertsync/alertsync/internal/emulators/sentinel"
)

// The demo tenant and its one app registration, which has permissions on
// every API the demo integrations call.
const (
	tenantID     = "7d2b6c1e-3f4a-4b8e-9c2d-1a5e6f7b8c9d"
	clientID     = "4e1f9a2b-6c3d-4e5f-8a7b-2c9d0e1f3a4b"
	clientSecret = "demo-client-secret-not-a-real-one"
	subscription = "20ff7fc3-e762-44dd-bd96-b71116dcdc23"
	resourceGrp  = "soc-rg"
	workspace    = "soc-workspace"
)

// world is the set of running emulators and the servers in front of them.
type world struct {
	issuer   *emukit.TokenIssuer
	graph    *graph.Emulator
	mde      *mde.Emulator
	dfc      *defendercloud.Emulator
	sentinel *sentinel.Emulator
	login    string
	graphURL string
	mdeURL   string
	armURL   string
	servers  []*http.Server
}

func newWorld(log *slog.Logger, graphAlerts, mdeAlerts int) (*world, error) {
	w := &world{issuer: emukit.NewTokenIssuer(emukit.IssuerOptions{})}
	w.issuer.RegisterClient(emukit.Client{Tenant: tenantID, ID: clientID, Secret: clientSecret, DisplayName: "alertsync",
		Audiences: []string{graph.Audience, mde.Audience, defendercloud.Audience}})
	w.issuer.AddAudienceAlias(mde.AudienceAlias, mde.Audience)
	quiet := log.With("component", "emulator")
	w.graph = graph.New(graph.Options{Issuer: w.issuer, TenantID: tenantID, Alerts: graphAlerts, Seed: 42, Logger: quiet})
	w.mde = mde.New(mde.Options{Issuer: w.issuer, TenantID: tenantID, Alerts: mdeAlerts, Seed: 7, Logger: quiet})
	w.dfc = defendercloud.New(defendercloud.Options{Issuer: w.issuer, Logger: quiet})
	w.sentinel = sentinel.New(sentinel.Options{Issuer: w.issuer, Logger: quiet,
		SubscriptionID: subscription, ResourceGroup: resourceGrp, Workspace: workspace})
	w.sentinel.Connect(w.dfc)
	var err error
	if w.login, err = w.serve(w.issuer.Handler()); err != nil {
		return nil, err
	}
	if w.graphURL, err = w.serve(w.graph.Handler()); err != nil {
		return nil, err
	}
	if w.mdeURL, err = w.serve(w.mde.Handler()); err != nil {
		return nil, err
	}
	if w.armURL, err = w.serve(armHost(w.dfc.Handler(), w.sentinel.Handler())); err != nil {
		return nil, err
	}
	return w, nil
}

// armHost plays management.azure.com: one host in front of both resource
// providers, routed by provider namespace as ARM does.
func armHost(dfc, sentinel http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.Contains(strings.ToLower(r.URL.Path), "/providers/microsoft.securityinsights/") {
			sentinel.ServeHTTP(w, r)
			return
		}
		dfc.ServeHTTP(w, r)
	})
}

func (w *world) serve(h http.Handler) (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("listen for emulator: %w", err)
	}
	srv := &http.Server{Handler: h}
	w.servers = append(w.servers, srv)
	go func() { _ = srv.Serve(ln) }()
	return "http://" + ln.Addr().String(), nil
}

func (w *world) close() {
	for _, s := range w.servers {
		_ = s.Close()
	}
}

// tokenURL is the Entra ID v2 token endpoint of the demo tenant.
func (w *world) tokenURL() string { return w.login + "/" + tenantID + "/oauth2/v2.0/token" }
