package lacework

import (
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/alertsync/alertsync/internal/connector"
	"github.com/alertsync/alertsync/internal/emulators/registry"
	"github.com/alertsync/alertsync/internal/model"
)

// TestDemoIntegration builds the connector from the hub config the
// emulator's registration writes, against the registry's one plain-http
// listener with the emulator under its path prefix, as the demo and
// `alertsync emulate` run it: allow_insecure_url lets the http:// URL
// through, every seeded alert arrives whole through the prefixed next
// links, and a verdict's close shows in the emulator's console.
func TestDemoIntegration(t *testing.T) {
	t.Parallel()
	set, err := registry.Start(registry.Options{WorldSeed: 2024, Unlimited: true})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(set.Handler())
	t.Cleanup(srv.Close)
	var settings map[string]any
	for _, in := range set.Integrations(srv.URL, nil, time.Second) {
		if in.Kind == Kind {
			settings = in.Settings
		}
	}
	if settings == nil || settings["allow_insecure_url"] != true || !strings.HasSuffix(settings["account_url"].(string), "/lacework") {
		t.Fatalf("demo settings %v", settings)
	}
	c, err := connector.Build(Kind, connector.Deps{ID: "lacework", HTTP: srv.Client()}, settings)
	if err != nil {
		t.Fatal(err)
	}
	items, _ := fetchAll(t, c.(*Connector), "")
	em, _ := set.Emulator(Kind)
	objects := em.Console().Objects()
	vs, _ := registry.Vendors()
	want := 0
	for _, v := range vs {
		if v.Kind == Kind {
			want = v.DefaultAlerts
		}
	}
	if len(items) != len(objects) || len(objects) != want || want == 0 {
		t.Fatalf("%d items for %d console alerts", len(items), len(objects))
	}
	checkWhole(t, items)
	var open string
	for _, it := range items {
		if it.Alert.Status == model.StatusNew && open == "" {
			open = it.VendorID
		}
	}
	ch := connector.StateChange{VendorID: open, Status: model.StatusResolved, Verdict: model.VerdictNotAThreat, IdempotencyKey: "demo"}
	if _, err := c.(connector.StateSyncer).SetState(t.Context(), ch); err != nil {
		t.Fatal(err)
	}
	if o, _ := em.Console().Object(registry.KindAlert, open); o.State != registry.StateClosed || len(o.Comments) != 1 {
		t.Errorf("console after the close: %+v", o)
	}
	delete(settings, "allow_insecure_url")
	if _, err := connector.Build(Kind, connector.Deps{ID: "lacework"}, settings); err == nil || !strings.Contains(err.Error(), "https://") {
		t.Errorf("http:// without allow_insecure_url: %v", err)
	}
}
