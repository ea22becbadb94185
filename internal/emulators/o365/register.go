package o365

import (
	"math/rand/v2"
	"net"
	"net/http"

	"github.com/alertsync/alertsync/internal/config"
	"github.com/alertsync/alertsync/internal/emulators/microsoft"
	"github.com/alertsync/alertsync/internal/emulators/registry"
)

// Office 365's part in the demo and `alertsync emulate`: the Management
// Activity API behind the demo tenant's Entra login, its users making
// audit records as time passes (demoRate a second, listed a few seconds
// after they are made) and an account takeover each time the long demo
// raises detections. It holds no alerts: its console is the audit log
// (registry.AuditLog), and the hub links its records to other vendors'
// alerts by user and address.
func init() {
	microsoft.Register()
	registry.Register(registry.Vendor{
		Kind: "o365", ID: "o365", Name: "Office 365 Management Activity API",
		Login: microsoft.Login, Start: startDemo,
	})
}

// Demo settings: seeded records stay the same from run to run.
const (
	demoSeed = 11
	demoRate = 0.5
)

type demo struct{ e *Emulator }

// startDemo ignores env.Alerts: records made before the hub subscribes
// are never listed, as the service keeps no content from before a
// subscription, so there is nothing to seed.
func startDemo(env registry.Env) (registry.Emulator, error) {
	entra, err := microsoft.EntraOf(env.Login)
	if err != nil {
		return nil, err
	}
	entra.Grant(Audience)
	e := New(Options{Issuer: entra.Issuer(), TenantID: entra.TenantID(), Seed: demoSeed, World: env.World,
		Logger: env.Log, Rate: demoRate})
	if env.Unlimited {
		e.Limiter().SetLimits()
	}
	return demo{e}, nil
}

func (d demo) Handler() http.Handler { return d.e.Handler() }
func (d demo) Unwrap() any           { return d.e }

// Console is empty: an audit log holds no alerts or incidents.
func (d demo) Console() registry.Console { return registry.Consoles{} }

// Raise plays an account takeover in the audit log; it raises no alert,
// so it returns no alert ids.
func (d demo) Raise(r *rand.Rand) ([]string, error) {
	d.e.Raise(r)
	return nil, nil
}

// Available lists the records the hub can read now.
func (d demo) Available() []registry.AuditRecord {
	recs := d.e.Available()
	out := make([]registry.AuditRecord, len(recs))
	for i, r := range recs {
		out[i] = registry.AuditRecord{ID: r.ID, User: r.User, IP: bareIP(r.IP)}
	}
	return out
}

// bareIP drops the port Exchange writes after a client's address.
func bareIP(s string) string {
	if host, _, err := net.SplitHostPort(s); err == nil {
		return host
	}
	return s
}

func (d demo) Integration(at registry.Hub) config.Integration {
	return config.Integration{Name: "Office 365 audit log (Management Activity API)",
		Settings: at.Settings(at.NoBudget(map[string]any{"base_url": at.Base, "content_types": append([]string(nil), ContentTypes...)},
			"requests_per_minute"))}
}

var (
	_ registry.Emulator = demo{}
	_ registry.Raiser   = demo{}
	_ registry.AuditLog = demo{}
)
