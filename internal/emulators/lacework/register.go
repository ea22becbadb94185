package lacework

import (
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"

	"github.com/alertsync/alertsync/internal/config"
	"github.com/alertsync/alertsync/internal/emulators/registry"
)

// Lacework's part in the demo and `alertsync emulate`: the alerts API
// with its own token endpoint, seeded with cloud (CloudTrail) and
// workload (agent) alerts about the shared world's users and hosts, and
// raising new ones during a long demo. Comment sync is on: comments are
// how alertsync explains what it did, and closing is final at Lacework.
func init() {
	registry.Register(registry.Vendor{
		Kind: "lacework", ID: "lacework", Name: "Lacework FortiCNAPP alerts API (v2)",
		DefaultAlerts: 30, Start: startDemo,
		// Lacework's API only closes, and a closed alert stays closed.
		Writes: []registry.State{registry.StateClosed}, FinalClose: true,
	})
}

// demoSeed keeps the demo's seeded data the same from run to run.
const demoSeed = 17

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
		ids = append(ids, strconv.Itoa(a.ID))
	}
	return ids, nil
}

// Integration points a hub at the emulator. The demo serves plain http,
// which the connector refuses unless allow_insecure_url says the URL is
// an emulator's.
func (d demo) Integration(at registry.Hub) config.Integration {
	on := true
	settings := map[string]any{
		"account_url": at.Base, "key_id": DefaultKeyID, "secret": DefaultSecret,
		"allow_insecure_url": strings.HasPrefix(at.Base, "http://"), "requests_per_minute": DefaultPerMinute,
	}
	return config.Integration{Name: "Lacework FortiCNAPP",
		Settings: at.Settings(at.NoBudget(settings, "requests_per_minute")), Policy: config.Policy{CommentSync: &on}}
}

// states says what the alert statuses mean.
var states = map[string]registry.State{
	StatusOpen: registry.StateNew, StatusInProgress: registry.StateInProgress, StatusClosed: registry.StateClosed,
}

func object(a Alert) registry.Object {
	return registry.Object{Kind: registry.KindAlert, ID: strconv.Itoa(a.ID), Status: a.Status,
		State: registry.StateOf(states, a.Status), Comments: a.comments()}
}

var (
	_ registry.Raiser   = demo{}
	_ registry.Emulator = demo{}
)
