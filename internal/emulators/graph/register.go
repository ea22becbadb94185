package graph

import (
	"math/rand/v2"
	"net/http"

	"github.com/alertsync/alertsync/internal/config"
	"github.com/alertsync/alertsync/internal/emulators/microsoft"
	"github.com/alertsync/alertsync/internal/emulators/registry"
)

// Graph's part in the demo and `alertsync emulate`: its API behind the
// demo tenant's Entra login, seeded with attack stories about the shared
// world, raising new incidents during a long demo, and comment sync on
// in the hub config.
func init() {
	microsoft.Register()
	registry.Register(registry.Vendor{
		Kind: "graph", ID: "graph", Name: "Microsoft Graph security v1.0 (alerts_v2, incidents)",
		Login: microsoft.Login, DefaultAlerts: 300, Start: startDemo,
	})
}

// demoSeed keeps the demo's seeded data the same from run to run.
const demoSeed = 42

type demo struct{ e *Emulator }

func startDemo(env registry.Env) (registry.Emulator, error) {
	entra, err := microsoft.EntraOf(env.Login)
	if err != nil {
		return nil, err
	}
	entra.Grant(Audience)
	e := New(Options{Issuer: entra.Issuer(), TenantID: entra.TenantID(), Alerts: env.Alerts, Seed: demoSeed,
		World: env.World, Logger: env.Log})
	if env.Unlimited {
		e.Limiter().SetLimits()
	}
	return demo{e}, nil
}

func (d demo) Handler() http.Handler { return d.e.Handler() }
func (d demo) Unwrap() any           { return d.e }
func (d demo) Console() registry.Console {
	return registry.Consoles{
		registry.Listing[Alert]{Kind: registry.KindAlert, List: d.e.Alerts, Get: d.e.Alert, Show: alertObject},
		registry.Listing[Incident]{Kind: registry.KindIncident, List: d.e.Incidents, Get: d.e.Incident, Show: incidentObject},
	}
}
func (d demo) Raise(r *rand.Rand) ([]string, error) {
	_, alerts := d.e.Raise(r)
	ids := make([]string, len(alerts))
	for i, a := range alerts {
		ids[i] = a.ID
	}
	return ids, nil
}

// Integration turns comment sync on: Graph keeps comments on alerts and
// incidents.
func (d demo) Integration(at registry.Hub) config.Integration {
	on := true
	return config.Integration{Name: "Microsoft Graph security v2",
		Settings: at.Settings(at.NoBudget(map[string]any{"api_base": at.Base + "/v1.0"}, "requests_per_minute")),
		Policy:   config.Policy{CommentSync: &on}}
}

// alertStates and incidentStates say what Graph's statuses mean.
var (
	alertStates = map[string]registry.State{
		"new": registry.StateNew, "inProgress": registry.StateInProgress, "resolved": registry.StateClosed,
	}
	incidentStates = map[string]registry.State{
		"active": registry.StateNew, "inProgress": registry.StateInProgress, "awaitingAction": registry.StateInProgress,
		"resolved": registry.StateClosed, "redirected": registry.StateClosed,
	}
)

func alertObject(a Alert) registry.Object {
	return registry.Object{Kind: registry.KindAlert, ID: a.ID, Status: a.Status,
		State: registry.StateOf(alertStates, a.Status), Comments: texts(a.Comments)}
}

func incidentObject(in Incident) registry.Object {
	return registry.Object{Kind: registry.KindIncident, ID: in.ID, Status: in.Status,
		State: registry.StateOf(incidentStates, in.Status), Comments: texts(in.Comments)}
}

func texts(cs []Comment) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.Comment
	}
	return out
}

var (
	_ registry.Raiser = demo{}
)
