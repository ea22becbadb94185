package elastic

import (
	"math/rand/v2"
	"net/http"
	"time"

	"github.com/alertsync/alertsync/internal/config"
	"github.com/alertsync/alertsync/internal/emulators/registry"
)

// Elastic Security's part in the demo and `alertsync emulate`: a Kibana
// with detection alerts about the shared world's hosts and users, raising
// new ones during a long demo. Kibana alerts have no comments of their
// own; the hub config turns comment sync on, which the connector writes
// as alert notes.
func init() {
	registry.Register(registry.Vendor{
		Kind: "elastic", ID: "elastic", Name: "Elastic Security (Kibana detection alerts)",
		DefaultAlerts: 80, Start: startDemo,
	})
}

// demoSeed keeps the demo's seeded data the same from run to run.
const demoSeed = 11

type demo struct{ e *Emulator }

func startDemo(env registry.Env) (registry.Emulator, error) {
	return demo{New(Options{Alerts: env.Alerts, Seed: demoSeed, World: env.World, Logger: env.Log})}, nil
}

func (d demo) Handler() http.Handler { return d.e.Handler() }
func (d demo) Unwrap() any           { return d.e }

// Console is the Alerts page of the default space, which hides building
// block alerts.
func (d demo) Console() registry.Console {
	return registry.AlertConsole[Alert]{List: d.alerts, Get: d.alert, Show: d.object}
}

func (d demo) alerts() []Alert {
	var out []Alert
	for _, a := range d.e.Alerts() {
		if a.Space == DefaultSpace && !a.BuildingBlock {
			out = append(out, a)
		}
	}
	return out
}

func (d demo) alert(id string) (Alert, bool) {
	a, ok := d.e.AlertSummary(id)
	if !ok || a.BuildingBlock || a.Space != DefaultSpace {
		return Alert{}, false
	}
	return a, true
}

func (d demo) Raise(r *rand.Rand) ([]string, error) { return d.e.Raise(r), nil }

func (d demo) Integration(at registry.Hub) config.Integration {
	on := true
	return config.Integration{Name: "Elastic Security",
		Settings: at.Settings(at.NoBudget(map[string]any{"kibana_url": at.Base, "api_key": d.e.EncodedAPIKey(),
			"requests_per_minute": budget(at)}, "requests_per_minute")),
		Policy: config.Policy{CommentSync: &on}}
}

// budget is the hub's request budget for the demo Kibana. Kibana has no
// quota; the connector's default (60 a minute) suits its production poll
// interval, but the demo polls every second with two or three searches a
// poll, so it gets room for twice that, and writes never queue behind
// polls.
func budget(at registry.Hub) int {
	perMinute := 60
	if at.Poll > 0 {
		perMinute = max(perMinute, int(6*time.Minute/at.Poll))
	}
	return perMinute
}

// states says what Kibana's workflow statuses mean.
var states = map[string]registry.State{
	"open": registry.StateNew, "acknowledged": registry.StateInProgress, "in-progress": registry.StateInProgress, "closed": registry.StateClosed,
}

func (d demo) object(a Alert) registry.Object {
	o := registry.Object{Kind: registry.KindAlert, ID: a.ID, Status: a.Status, State: registry.StateOf(states, a.Status)}
	for _, n := range d.e.Notes(a.ID) {
		o.Comments = append(o.Comments, n.Text())
	}
	return o
}

var (
	_ registry.Raiser   = demo{}
	_ registry.Emulator = demo{}
)
