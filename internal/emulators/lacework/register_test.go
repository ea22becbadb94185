package lacework

import (
	"math/rand/v2"
	"testing"

	"github.com/alertsync/alertsync/internal/emulators/emukit"
	"github.com/alertsync/alertsync/internal/emulators/registry"
)

func TestRegistration(t *testing.T) {
	t.Parallel()
	em, err := startDemo(registry.Env{World: emukit.NewWorld(2024), Alerts: 12, Unlimited: true})
	if err != nil {
		t.Fatal(err)
	}
	objs := em.Console().Objects()
	if len(objs) != 12 {
		t.Fatalf("%d console objects", len(objs))
	}
	for _, o := range objs {
		if o.Kind != registry.KindAlert || o.State == registry.StateUnknown {
			t.Errorf("console object %+v", o)
		}
	}
	ids, err := em.(registry.Raiser).Raise(rand.New(rand.NewPCG(1, 2)))
	if err != nil || len(ids) == 0 {
		t.Fatalf("raise: %v %v", ids, err)
	}
	if o, ok := em.Console().Object(registry.KindAlert, ids[0]); !ok || o.State != registry.StateNew {
		t.Errorf("raised alert %s: %+v", ids[0], o)
	}
	tests := []struct {
		base     string
		insecure bool
	}{{"http://127.0.0.1:9/lacework", true}, {"https://emulators.example/lacework", false}}
	for _, tt := range tests {
		in := em.Integration(registry.Hub{Base: tt.base, Unlimited: true})
		s := in.Settings
		if s["account_url"] != tt.base || s["allow_insecure_url"] != tt.insecure || s["key_id"] != DefaultKeyID ||
			s["secret"] != DefaultSecret || s["requests_per_minute"] != 0 || in.Policy.CommentSync == nil || !*in.Policy.CommentSync {
			t.Errorf("integration at %s: %+v", tt.base, in)
		}
	}
}
