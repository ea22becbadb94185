package sentinel

import (
	"fmt"
	"net/http"

	"github.com/alertsync/alertsync/internal/config"
	"github.com/alertsync/alertsync/internal/emulators/emukit/arm"
	"github.com/alertsync/alertsync/internal/emulators/microsoft"
	"github.com/alertsync/alertsync/internal/emulators/registry"
)

// Sentinel's part in the demo and `alertsync emulate`: a workspace behind
// the ARM host (provider Microsoft.SecurityInsights) and the demo tenant's
// Entra login, with the Defender for Cloud data connector on, so every
// Defender for Cloud alert becomes an incident here. The hub config turns
// comment sync on and reconciles its incidents with the Defender for
// Cloud integration's alerts.
func init() {
	microsoft.Register()
	registry.Register(registry.Vendor{
		Kind: "sentinel", ID: "sentinel", Name: "Microsoft Sentinel incidents (ARM)",
		Login: microsoft.Login, Host: microsoft.ARM, Route: "Microsoft.SecurityInsights",
		After: []string{dfcKind}, Start: startDemo,
	})
}

// The demo workspace, and the kind of the Defender for Cloud vendor whose
// alerts it receives.
const (
	DemoResourceGroup = "soc-rg"
	DemoWorkspace     = "soc-workspace"
	dfcKind           = "defendercloud"
)

type demo struct{ e *Emulator }

func startDemo(env registry.Env) (registry.Emulator, error) {
	entra, err := microsoft.EntraOf(env.Login)
	if err != nil {
		return nil, err
	}
	entra.Grant(Audience)
	opts := Options{Issuer: entra.Issuer(), Logger: env.Log,
		SubscriptionID: microsoft.Subscription, ResourceGroup: DemoResourceGroup, Workspace: DemoWorkspace}
	if env.Unlimited {
		opts.ReadBudget, opts.WriteBudget = arm.NoBudget, arm.NoBudget
	}
	e := New(opts)
	peer, ok := env.Peer(dfcKind)
	if !ok {
		return nil, fmt.Errorf("no %s emulator to connect", dfcKind)
	}
	dfc, ok := peer.Unwrap().(DefenderForCloud)
	if !ok {
		return nil, fmt.Errorf("the %s emulator cannot stream alerts", dfcKind)
	}
	e.Connect(dfc)
	return demo{e}, nil
}

func (d demo) Handler() http.Handler { return d.e.Handler() }
func (d demo) Unwrap() any           { return d.e }
func (d demo) Console() registry.Console {
	return registry.Listing[Incident]{Kind: registry.KindIncident, List: d.e.Incidents, Get: d.e.Incident, Show: d.object}
}

// Integration turns comment sync on and reconciles the workspace's
// incidents with the Defender for Cloud integration's alerts. Sentinel
// mirrors a closed incident to its alerts within a poll or two here, so
// alertsync's own write waits that long first.
func (d demo) Integration(at registry.Hub) config.Integration {
	on := true
	return config.Integration{Name: "Microsoft Sentinel",
		Settings: at.Settings(at.NoBudget(map[string]any{"arm_base": at.Base, "subscription_id": microsoft.Subscription,
			"resource_group": DemoResourceGroup, "workspace_name": DemoWorkspace}, "requests_per_minute")),
		Policy:    config.Policy{CommentSync: &on},
		Reconcile: &config.Reconcile{AlertsFrom: []string{at.ID(dfcKind)}, MirrorGrace: 2 * at.Poll},
	}
}

// states says what incident statuses mean.
var states = map[string]registry.State{
	StatusNew: registry.StateNew, StatusActive: registry.StateInProgress, StatusClosed: registry.StateClosed,
}

func (d demo) object(in Incident) registry.Object {
	o := registry.Object{Kind: registry.KindIncident, ID: in.Name, Status: in.Properties.Status,
		State: registry.StateOf(states, in.Properties.Status)}
	for _, c := range d.e.Comments(in.Name) {
		o.Comments = append(o.Comments, c.Properties.Message)
	}
	return o
}

var (
	_ registry.Seeder = demo{}
)
