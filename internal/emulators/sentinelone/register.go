package sentinelone

import (
	"math/rand/v2"
	"net/http"
	"strings"

	"github.com/alertsync/alertsync/internal/config"
	"github.com/alertsync/alertsync/internal/emulators/registry"
)

// SentinelOne's part in the demo and `alertsync emulate`: a console with
// its own static API token (no shared login) and no request quota (none
// is documented, so Env.Unlimited changes nothing here), seeded with
// threats and STAR alerts on the shared world's machines, raising new
// ones during a long demo. The hub keeps comment sync off: STAR alerts have no notes
// API, so a comment on one could never be delivered.
func init() {
	registry.Register(registry.Vendor{
		Kind: "sentinelone", ID: "sentinelone", Name: "SentinelOne Singularity (REST v2.1 threats and cloud-detection alerts)",
		DefaultAlerts: 80, Start: startDemo,
	})
}

// demoSeed keeps the demo's seeded data the same from run to run.
const demoSeed = 19

// cloudPrefix is how the hub's VendorID tells a cloud-detection alert
// from a threat (the sentinelone connector's choice); the console
// read-back uses the hub's ids.
const cloudPrefix = "cd:"

type demo struct{ e *Emulator }

func startDemo(env registry.Env) (registry.Emulator, error) {
	cloud := env.Alerts / 4
	e := New(Options{Threats: env.Alerts - cloud, CloudAlerts: cloud, Seed: demoSeed, World: env.World, Logger: env.Log})
	return demo{e}, nil
}

func (d demo) Handler() http.Handler { return d.e.Handler() }
func (d demo) Unwrap() any           { return d.e }
func (d demo) Console() registry.Console {
	return registry.AlertConsole[registry.Object]{List: d.objects, Get: d.object, Show: func(o registry.Object) registry.Object { return o }}
}

func (d demo) Raise(r *rand.Rand) ([]string, error) {
	raised := d.e.Raise(r)
	ids := append([]string{}, raised.Threats...)
	for _, id := range raised.CloudAlerts {
		ids = append(ids, cloudPrefix+id)
	}
	return ids, nil
}

// Integration points the hub at the console with its token. The
// connector keeps its own cautious default budget (SentinelOne documents
// none, and neither does the emulator enforce one) unless the run is an
// unlimited benchmark.
func (d demo) Integration(at registry.Hub) config.Integration {
	settings := map[string]any{"base_url": at.Base, "api_token": d.e.Token()}
	return config.Integration{Name: "SentinelOne Singularity", Settings: at.Settings(at.NoBudget(settings, "requests_per_minute"))}
}

// states says what the incident statuses mean; cloud alerts' read-back
// spellings are turned into the same tokens first.
var states = map[string]registry.State{
	"unresolved": registry.StateNew, "in_progress": registry.StateInProgress, "resolved": registry.StateClosed,
}

func (d demo) objects() []registry.Object {
	var out []registry.Object
	for _, t := range d.e.Threats() {
		out = append(out, threatObject(t, d.e.Notes(t.ID)))
	}
	for _, a := range d.e.CloudAlerts() {
		out = append(out, cloudObject(a))
	}
	return out
}

func (d demo) object(id string) (registry.Object, bool) {
	if cid, ok := strings.CutPrefix(id, cloudPrefix); ok {
		a, found := d.e.CloudAlert(cid)
		return cloudObject(a), found
	}
	t, found := d.e.Threat(id)
	return threatObject(t, d.e.Notes(id)), found
}

func threatObject(t Threat, notes []Note) registry.Object {
	o := registry.Object{Kind: registry.KindAlert, ID: t.ID, Status: t.ThreatInfo.IncidentStatus,
		State: registry.StateOf(states, t.ThreatInfo.IncidentStatus)}
	for _, n := range notes {
		o.Comments = append(o.Comments, n.Text)
	}
	return o
}

// cloudObject shows a STAR alert with its status as a write token
// ("in_progress"), the word the hub keeps as the alert's remote status.
func cloudObject(a CloudAlert) registry.Object {
	st := token(a.AlertInfo.IncidentStatus)
	return registry.Object{Kind: registry.KindAlert, ID: cloudPrefix + a.AlertInfo.AlertID, Status: st, State: registry.StateOf(states, st)}
}

var (
	_ registry.Raiser   = demo{}
	_ registry.Emulator = demo{}
)
