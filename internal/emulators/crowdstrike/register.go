package crowdstrike

import (
	"math/rand/v2"
	"net/http"

	"github.com/alertsync/alertsync/internal/config"
	"github.com/alertsync/alertsync/internal/emulators/registry"
)

// CrowdStrike's part in the demo and `alertsync emulate`: the Alerts API
// with its own token endpoint (no shared login), seeded with endpoint
// detections on the shared world's hosts and raising new ones during a
// long demo. Comment sync is on: append_comment is how CrowdStrike takes
// comments.
func init() {
	registry.Register(registry.Vendor{
		Kind: "crowdstrike", ID: "crowdstrike", Name: "CrowdStrike Falcon Insight alerts API",
		DefaultAlerts: 80, Start: startDemo,
	})
}

// demoSeed keeps the demo's seeded data the same from run to run.
const demoSeed = 11

type demo struct{ e *Emulator }

func startDemo(env registry.Env) (registry.Emulator, error) {
	o := Options{Alerts: env.Alerts, Seed: demoSeed, World: env.World, Logger: env.Log}
	if env.Unlimited {
		o.PerMinute = -1
	}
	return demo{New(o)}, nil
}

func (d demo) Handler() http.Handler { return d.e.Handler() }
func (d demo) Unwrap() any           { return d.e }
func (d demo) Console() registry.Console {
	return registry.AlertConsole[Alert]{List: d.e.Alerts, Get: d.e.Alert, Show: object}
}

func (d demo) Raise(r *rand.Rand) ([]string, error) {
	var ids []string
	for _, a := range d.e.Raise(r) {
		ids = append(ids, a.CompositeID)
	}
	return ids, nil
}

func (d demo) Integration(at registry.Hub) config.Integration {
	on := true
	settings := map[string]any{
		"base_url": at.Base, "cloud": d.e.Region(), "client_id": DefaultClientID, "client_secret": DefaultClientSecret,
	}
	return config.Integration{Name: "CrowdStrike Falcon Insight (Alerts API)",
		Settings: at.Settings(at.NoBudget(settings, "requests_per_minute")), Policy: config.Policy{CommentSync: &on}}
}

// states says what the alert statuses mean: reopened is open again and
// waiting, like new.
var states = map[string]registry.State{
	"new": registry.StateNew, "reopened": registry.StateNew, "in_progress": registry.StateInProgress, "closed": registry.StateClosed,
}

func object(a Alert) registry.Object {
	o := registry.Object{Kind: registry.KindAlert, ID: a.CompositeID, Status: a.Status, State: registry.StateOf(states, a.Status)}
	for _, c := range a.Comments {
		o.Comments = append(o.Comments, c.Value)
	}
	return o
}

var (
	_ registry.Raiser   = demo{}
	_ registry.Emulator = demo{}
)
