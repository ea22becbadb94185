package sekoia

import (
	"math/rand/v2"
	"net"
	"slices"
	"strings"
	"testing"

	"github.com/alertsync/alertsync/internal/emulators/emukit"
	"github.com/alertsync/alertsync/internal/emulators/registry"
)

// TestDemoConsole: the demo's console shows the integration's community
// only, with the legacy statuses as states, and its hub config points the
// intake at /intake.
func TestDemoConsole(t *testing.T) {
	t.Parallel()
	em, err := startDemo(registry.Env{World: emukit.NewWorld(1), Alerts: 30})
	if err != nil {
		t.Fatal(err)
	}
	d := em.(demo)
	objs := em.Console().Objects()
	if len(objs) != 20 {
		t.Errorf("%d objects, want the community's 20", len(objs))
	}
	for _, o := range objs {
		if o.State == registry.StateUnknown {
			t.Errorf("object %+v has an unknown state", o)
		}
	}
	for _, a := range d.e.Alerts() {
		_, shown := em.Console().Object(registry.KindAlert, a.UUID)
		if shown != (a.CommunityUUID == DefaultCommunity) {
			t.Errorf("alert %s of %s shown: %v", a.UUID, a.CommunityUUID, shown)
		}
	}
	ids, _ := d.Raise(rand.New(rand.NewPCG(1, 2)))
	for _, id := range ids {
		if o, ok := em.Console().Object(registry.KindAlert, id); !ok || o.State != registry.StateNew {
			t.Errorf("raised %s: %+v", id, o)
		}
	}
	in := d.Integration(registry.Hub{Base: "http://emu/sekoia"})
	s := in.Settings
	if s["base_url"] != "http://emu/sekoia" || s["intake_url"] != "http://emu/sekoia/intake" || s["api_key"] != DefaultAPIKey ||
		s["community_uuid"] != DefaultCommunity || in.Policy.CommentSync == nil || !*in.Policy.CommentSync {
		t.Errorf("integration %+v", in)
	}
	if s := d.Integration(registry.Hub{Base: "b", Unlimited: true}).Settings; s["requests_per_minute"] != 0 {
		t.Errorf("unlimited hub: %v", s)
	}
}

// TestSeedDeterministic: one seed gives the same alerts, about the shared
// world's hosts, users and attacker addresses.
func TestSeedDeterministic(t *testing.T) {
	t.Parallel()
	w := emukit.NewWorld(5)
	a := setup(t, Options{Alerts: 40, Seed: 9, World: w}).emu.Alerts()
	b := setup(t, Options{Alerts: 40, Seed: 9, World: w}).emu.Alerts()
	if len(a) != 40 || !slices.EqualFunc(a, b, func(x, y Alert) bool { return x.UUID == y.UUID && x.Status == y.Status && x.Target == y.Target }) {
		t.Fatal("two emulators of one seed differ")
	}
	known := map[string]bool{}
	for _, h := range w.Hosts {
		known[h.IP], known[h.DNSName] = true, true
	}
	for _, u := range w.Users {
		known[u.UPN] = true
	}
	for _, ip := range w.AttackerIPs {
		known[ip] = true
	}
	statuses := map[string]int{}
	for _, x := range a {
		statuses[x.Status.Name]++
		if !known[x.Source] || !known[x.Target] {
			t.Errorf("alert %s: %s -> %s not of the world", x.UUID, x.Source, x.Target)
		}
		if net.ParseIP(x.Source) == nil || x.Urgency.Display != urgencyDisplay(x.Urgency.CurrentValue) || !strings.HasPrefix(x.ShortID, "AL") {
			t.Errorf("alert %+v", x)
		}
	}
	if statuses["Pending"] == 0 || statuses["Pending"] == 40 {
		t.Errorf("statuses %v: want most Pending and some worked", statuses)
	}
}
