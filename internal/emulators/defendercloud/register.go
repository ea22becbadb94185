package defendercloud

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"

	"github.com/alertsync/alertsync/internal/config"
	"github.com/alertsync/alertsync/internal/emulators/emukit"
	"github.com/alertsync/alertsync/internal/emulators/emukit/arm"
	"github.com/alertsync/alertsync/internal/emulators/microsoft"
	"github.com/alertsync/alertsync/internal/emulators/registry"
)

// Defender for Cloud's part in the demo and `alertsync emulate`: its
// alerts API behind the ARM host (provider Microsoft.Security) and the
// demo tenant's Entra login, starting empty, raising alerts on the shared
// world's VMs during a long demo, and subscription owners who change
// alert states from the portal.
func init() {
	microsoft.Register()
	registry.Register(registry.Vendor{
		Kind: "defendercloud", ID: "dfc", Name: "Microsoft Defender for Cloud alerts (ARM)",
		Login: microsoft.Login, Host: microsoft.ARM, Route: "Microsoft.Security", Start: startDemo,
	})
}

// demoGroup is the resource group of the VMs raised alerts are about.
const demoGroup = "rg-prod-web"

type demo struct {
	e     *Emulator
	world *emukit.World
}

func startDemo(env registry.Env) (registry.Emulator, error) {
	entra, err := microsoft.EntraOf(env.Login)
	if err != nil {
		return nil, err
	}
	entra.Grant(Audience)
	opts := Options{Issuer: entra.Issuer(), Logger: env.Log, SeedAlerts: env.Alerts}
	if env.Unlimited {
		opts.ReadBudget, opts.WriteBudget = arm.NoBudget, arm.NoBudget
	}
	e := New(opts)
	return demo{e, env.World}, nil
}

func (d demo) Handler() http.Handler { return d.e.Handler() }
func (d demo) Unwrap() any           { return d.e }
func (d demo) Console() registry.Console {
	return registry.AlertConsole[Alert]{List: d.e.Alerts, Get: d.e.Alert, Show: object}
}

func (d demo) Integration(at registry.Hub) config.Integration {
	return config.Integration{Name: "Defender for Cloud",
		Settings: at.Settings(at.NoBudget(map[string]any{"arm_base": at.Base, "subscription_id": microsoft.Subscription}, "requests_per_minute"))}
}

// states says what Defender for Cloud's alert statuses mean.
var states = map[string]registry.State{
	StatusActive: registry.StateNew, StatusInProgress: registry.StateInProgress,
	StatusDismissed: registry.StateClosed, StatusResolved: registry.StateClosed,
}

// object is an alert as the portal lists it; Defender for Cloud has no
// comments.
func object(a Alert) registry.Object {
	return registry.Object{Kind: registry.KindAlert, ID: a.Properties.SystemAlertID, Status: a.Properties.Status,
		State: registry.StateOf(states, a.Properties.Status)}
}

// Raise fires one to three detections on one VM of the shared world.
func (d demo) Raise(r *rand.Rand) ([]string, error) {
	host := emukit.Pick(r, d.world.Hosts)
	name := strings.ToLower(host.Name)
	res := fmt.Sprintf("/subscriptions/%s/resourceGroups/%s/providers/Microsoft.Compute/virtualMachines/%s", microsoft.Subscription, demoGroup, name)
	var ids []string
	for range 1 + r.IntN(3) {
		vm := detections[0]
		for !vm.onVM || vm.alertType == "VM_EICAR" {
			vm = emukit.Pick(r, detections)
		}
		a, err := d.e.CreateAlert(AlertSpec{
			SubscriptionID: microsoft.Subscription, ResourceGroup: demoGroup, AlertType: vm.alertType,
			DisplayName: vm.display, Description: vm.description, Severity: vm.severity, Intent: vm.intent,
			ResourceID: res, Techniques: vm.techniques,
			Entities: entities(name, host.IP, emukit.Pick(r, d.world.AttackerIPs), res),
		})
		if err != nil {
			return ids, err
		}
		ids = append(ids, a.Properties.SystemAlertID)
	}
	return ids, nil
}

// PortalChange is a subscription owner moving an Active alert to In
// progress, Dismissed or Resolved from the portal.
func (d demo) PortalChange(r *rand.Rand, skip func(registry.Object) bool) (registry.Object, bool, error) {
	var open []registry.Object
	for _, a := range d.e.Alerts() {
		if o := object(a); a.Properties.Status == StatusActive && !skip(o) {
			open = append(open, o)
		}
	}
	if len(open) == 0 {
		return registry.Object{}, false, nil
	}
	o := emukit.Pick(r, open)
	status := emukit.Pick(r, []string{StatusInProgress, StatusDismissed, StatusResolved})
	if err := d.e.SetAlertStatus(o.ID, status); err != nil {
		return registry.Object{}, false, err
	}
	d.e.Ledger().Changed(registry.KindAlert, o.ID)
	o, _ = d.Console().Object(registry.KindAlert, o.ID)
	return o, true, nil
}

var (
	_ registry.Raiser   = demo{}
	_ registry.Portal   = demo{}
	_ registry.Seeder   = demo{}
	_ registry.Emulator = demo{}
)
