package sentinelone

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/alertsync/alertsync/internal/emulators/emukit"
	"github.com/alertsync/alertsync/internal/emulators/registry"
)

// TestDemoConsole: the demo's read-back names threats by id and STAR
// alerts by the hub's "cd:" id, with statuses as write tokens.
func TestDemoConsole(t *testing.T) {
	t.Parallel()
	em, err := startDemo(registry.Env{World: emukit.NewWorld(1), Alerts: 20})
	if err != nil {
		t.Fatal(err)
	}
	d := em.(demo)
	objs := em.Console().Objects()
	cloud := 0
	for _, o := range objs {
		if strings.HasPrefix(o.ID, cloudPrefix) {
			cloud++
		}
		if o.State == registry.StateUnknown || strings.ContainsAny(o.Status, " ") {
			t.Errorf("object %+v: unknown state or a read-back spelling", o)
		}
		if got, ok := em.Console().Object(registry.KindAlert, o.ID); !ok || got.Status != o.Status {
			t.Errorf("object %s not found again", o.ID)
		}
	}
	if len(objs) != 20 || cloud != 5 {
		t.Errorf("%d objects, %d STAR alerts; want 20 and 5", len(objs), cloud)
	}
	ids, _ := d.Raise(rand.New(rand.NewPCG(1, 2)))
	for _, id := range ids {
		if _, ok := em.Console().Object(registry.KindAlert, id); !ok {
			t.Errorf("raised %s not in the console", id)
		}
	}
	s := d.Integration(registry.Hub{Base: "http://emu/sentinelone"}).Settings
	if s["base_url"] != "http://emu/sentinelone" || s["api_token"] != DefaultToken {
		t.Errorf("integration settings %v", s)
	}
}
