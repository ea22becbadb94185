package mde

import (
	"math/rand/v2"
	"net/http"

	"github.com/alertsync/alertsync/internal/config"
	"github.com/alertsync/alertsync/internal/emulators/microsoft"
	"github.com/alertsync/alertsync/internal/emulators/registry"
)

// Defender for Endpoint's part in the demo and `alertsync emulate`: its
// alerts API behind the demo tenant's Entra login (which also accepts the
// windowsatpservice audience spelling), seeded with alerts on the shared
// world's machines and raising new ones during a long demo. The hub
// config keeps the default policy: MDE carries a closing comment in the
// state write itself.
func init() {
	microsoft.Register()
	registry.Register(registry.Vendor{
		Kind: "mde", ID: "mde", Name: "Microsoft Defender for Endpoint alerts API",
		Login: microsoft.Login, DefaultAlerts: 120, Start: startDemo,
	})
}

// demoSeed keeps the demo's seeded data the same from run to run.
const demoSeed = 7

type demo struct{ e *Emulator }

func startDemo(env registry.Env) (registry.Emulator, error) {
	entra, err := microsoft.EntraOf(env.Login)
	if err != nil {
		return nil, err
	}
	entra.Grant(Audience)
	entra.Issuer().AddAudienceAlias(AudienceAlias, Audience)
	e := New(Options{Issuer: entra.Issuer(), TenantID: entra.TenantID(), Alerts: env.Alerts, Seed: demoSeed,
		World: env.World, Logger: env.Log})
	if env.Unlimited {
		e.Limiter().SetLimits()
		e.BatchLimiter().SetLimits()
	}
	return demo{e}, nil
}

func (d demo) Handler() http.Handler { return d.e.Handler() }
func (d demo) Unwrap() any           { return d.e }
func (d demo) Console() registry.Console {
	return registry.AlertConsole[Alert]{List: d.e.Alerts, Get: d.e.Alert, Show: object}
}

func (d demo) Raise(r *rand.Rand) ([]string, error) {
	var ids []string
	for _, a := range d.e.Raise(r) {
		ids = append(ids, a.ID)
	}
	return ids, nil
}

func (d demo) Integration(at registry.Hub) config.Integration {
	return config.Integration{Name: "Defender for Endpoint (ATP API Poll Alerts)",
		Settings: at.Settings(at.NoBudget(map[string]any{"api_base": at.Base},
			"requests_per_minute", "requests_per_hour", "batch_requests_per_minute", "batch_requests_per_hour"))}
}

// states says what MDE's alert statuses mean.
var states = map[string]registry.State{
	"New": registry.StateNew, "InProgress": registry.StateInProgress, "Resolved": registry.StateClosed,
}

func object(a Alert) registry.Object {
	o := registry.Object{Kind: registry.KindAlert, ID: a.ID, Status: a.Status, State: registry.StateOf(states, a.Status)}
	for _, c := range a.Comments {
		o.Comments = append(o.Comments, c.Comment)
	}
	return o
}

var (
	_ registry.Raiser   = demo{}
	_ registry.Emulator = demo{}
)
