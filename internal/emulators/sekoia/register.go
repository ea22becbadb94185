package sekoia

import (
	"encoding/json"
	"math/rand/v2"
	"net/http"

	"github.com/alertsync/alertsync/internal/config"
	"github.com/alertsync/alertsync/internal/emulators/registry"
)

// Sekoia.io's part in the demo and `alertsync emulate`: the SIC Alert API
// with a static API key (no shared login), alerts on the shared world in
// two communities of which the hub reads one, raising new ones during a
// long demo. A second organisation (Env.Org) reads the other community,
// as a provider's second customer does. The registry serves one handler per vendor, so the HTTP
// intake is served under /intake of the same handler and the hub's
// intake_url points there. Comment sync is on.
func init() {
	registry.Register(registry.Vendor{
		Kind: "sekoia", ID: "sekoia", Name: "Sekoia.io SIC alert API and HTTP intake",
		DefaultAlerts: 60, Start: startDemo,
	})
}

// demoSeed keeps the demo's seeded data the same from run to run.
const demoSeed = 23

type demo struct {
	e *Emulator
	// community is the one the hub reads.
	community string
}

func startDemo(env registry.Env) (registry.Emulator, error) {
	o := Options{Alerts: env.Alerts, Seed: demoSeed, World: env.World, Logger: env.Log}
	if env.Unlimited {
		o.PerMinute = -1
	}
	community := DefaultCommunity
	if env.Org != "" {
		community = OtherCommunity
	}
	return demo{New(o), community}, nil
}

func (d demo) Handler() http.Handler { return d.e.Handler() }
func (d demo) Unwrap() any           { return d.e }

// Console lists the integration's community only: the other one's
// alerts are there to prove the hub never sees them.
func (d demo) Console() registry.Console {
	return registry.AlertConsole[Alert]{List: d.ours, Get: d.get, Show: object}
}

func (d demo) ours() []Alert {
	var out []Alert
	for _, a := range d.e.Alerts() {
		if a.CommunityUUID == d.community {
			out = append(out, a)
		}
	}
	return out
}

func (d demo) get(id string) (Alert, bool) {
	a, ok := d.e.Alert(id)
	return a, ok && a.CommunityUUID == d.community
}

func (d demo) Raise(r *rand.Rand) ([]string, error) { return d.e.Raise(r), nil }

// Integration points the hub at the API with the default key and
// community, and at the intake under /intake.
func (d demo) Integration(at registry.Hub) config.Integration {
	on := true
	settings := map[string]any{
		"base_url": at.Base, "api_key": DefaultAPIKey, "community_uuid": d.community,
		"intake_url": at.Base + "/intake", "intake_key": DefaultIntakeKey,
		// The seeded alerts go back two weeks: read them all.
		"lookback": "360h",
	}
	return config.Integration{Name: "Sekoia.io XDR", Settings: at.Settings(at.NoBudget(settings, "requests_per_minute")),
		Policy: config.Policy{CommentSync: &on}}
}

// states says what the legacy statuses mean.
var states = map[string]registry.State{
	"Pending": registry.StateNew, "Acknowledged": registry.StateInProgress, "Ongoing": registry.StateInProgress,
	"Rejected": registry.StateClosed, "Closed": registry.StateClosed,
}

func object(a Alert) registry.Object {
	o := registry.Object{Kind: registry.KindAlert, ID: a.UUID, Status: a.Status.Name, State: registry.StateOf(states, a.Status.Name)}
	for _, c := range a.Comments {
		o.Comments = append(o.Comments, c.Content)
	}
	return o
}

var (
	_ registry.Raiser   = demo{}
	_ registry.Emulator = demo{}
)

// Received lists what the intake stored, each event's JSON string as the
// document it holds (as Sekoia.io parses a JSON event).
func (d demo) Received() []json.RawMessage {
	var out []json.RawMessage
	for _, ev := range d.e.Events() {
		if json.Valid([]byte(ev.JSON)) {
			out = append(out, json.RawMessage(ev.JSON))
		}
	}
	return out
}

var _ registry.Intake = demo{}
