package cortexxdr

import (
	"math/rand/v2"
	"net/http"

	"github.com/alertsync/alertsync/internal/config"
	"github.com/alertsync/alertsync/internal/emulators/emukit"
	"github.com/alertsync/alertsync/internal/emulators/registry"
)

// Cortex XDR's part in the demo and `alertsync emulate`: one tenant with
// its own API keys (no shared login), seeded with incidents on the shared
// world's endpoints and raising new ones during a long demo. The hub
// connects with the advanced key and keeps the default policy, comment
// sync off: an alert holds one resolution comment, which every comment
// overwrites, so the demo's analysts (who comment freely) would see their
// earlier comments vanish, as they would on a real tenant.
func init() {
	registry.Register(registry.Vendor{
		Kind: "cortexxdr", ID: "cortexxdr", Name: "Palo Alto Networks Cortex XDR public API",
		DefaultAlerts: 60, Start: startDemo,
	})
}

// demoSeed keeps the demo's seeded data the same from run to run.
const demoSeed = 11

type demo struct{ e *Emulator }

func startDemo(env registry.Env) (registry.Emulator, error) {
	o := Options{Alerts: env.Alerts, Seed: demoSeed, World: env.World, Logger: env.Log}
	if env.Unlimited {
		o.ExtraDataLimits = []emukit.Limit{} // none, rather than the documented 10 a minute
	}
	return demo{New(o)}, nil
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
	var ids []string
	for _, a := range d.e.Raise(r) {
		ids = append(ids, a.AlertID)
	}
	return ids, nil
}

// Integration points the hub at the emulator with the advanced key. The
// emulator enforces no general quota (Cortex XDR publishes none), and the
// demo polls every second, so the hub's own conservative default budget is
// raised for it; an unlimited run spends none.
func (d demo) Integration(at registry.Hub) config.Integration {
	return config.Integration{Name: "Cortex XDR",
		Settings: at.Settings(at.NoBudget(map[string]any{"base_url": at.Base, "api_key_id": DefaultAdvancedKeyID,
			"api_key": DefaultAdvancedKey, "key_type": string(Advanced), "requests_per_minute": 600}, "requests_per_minute"))}
}

func alertObject(a Alert) registry.Object {
	o := registry.Object{Kind: registry.KindAlert, ID: a.AlertID, Status: a.ResolutionStatus, State: stateOf(a.ResolutionStatus)}
	if a.ResolutionComment != nil && *a.ResolutionComment != "" {
		o.Comments = []string{*a.ResolutionComment}
	}
	return o
}

func incidentObject(in Incident) registry.Object {
	o := registry.Object{Kind: registry.KindIncident, ID: in.IncidentID, Status: in.Status, State: stateOf(in.Status)}
	for _, c := range in.comments {
		o.Comments = append(o.Comments, c.Value)
	}
	if in.ResolveComment != nil && *in.ResolveComment != "" {
		o.Comments = append(o.Comments, *in.ResolveComment)
	}
	return o
}

// stateOf says what an alert's resolution_status or an incident's status
// means.
func stateOf(status string) registry.State {
	switch {
	case status == "STATUS_010_NEW" || status == "new":
		return registry.StateNew
	case status == "STATUS_020_UNDER_INVESTIGATION" || status == "under_investigation":
		return registry.StateInProgress
	case alertResolved(status) || resolved(status):
		return registry.StateClosed
	}
	return registry.StateUnknown
}

var (
	_ registry.Raiser   = demo{}
	_ registry.Emulator = demo{}
)
