package o365

import (
	"encoding/json"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/alertsync/alertsync/internal/emulators/emukit"
	"github.com/alertsync/alertsync/internal/emulators/registry"
)

// Records are made at Rate as the clock moves, about the world's users,
// from its attackers' and its machines' addresses.
func TestRateFollowsTheClock(t *testing.T) {
	t.Parallel()
	h := setup(t, Options{Rate: 2, PublishDelay: -1, Subscribed: ContentTypes, Seed: 9})
	if got := h.emu.Available(); len(got) != 0 {
		t.Fatalf("records before the clock moved: %d", len(got))
	}
	h.clock.Advance(30 * time.Second)
	got := h.emu.Available()
	if len(got) != 60 {
		t.Fatalf("%d records after 30s at 2/s, want 60", len(got))
	}
	w := emukit.NewWorld(9)
	var ips []string
	for _, host := range w.Hosts {
		ips = append(ips, host.IP)
	}
	ips = append(ips, w.AttackerIPs...)
	kinds := map[string]bool{}
	for _, r := range got {
		kinds[r.ContentType] = true
		if r.Created.Before(t0) || r.Created.After(t0.Add(30*time.Second)) {
			t.Errorf("record %s made at %v", r.ID, r.Created)
		}
		if ip := bareIP(r.IP); ip != "" && !slices.Contains(ips, ip) {
			t.Errorf("record %s from %q, not a world address", r.ID, r.IP)
		}
		var c struct{ CreationTime, UserId string }
		if err := json.Unmarshal(r.Raw, &c); err != nil || strings.HasSuffix(c.CreationTime, "Z") || c.UserId == "" {
			t.Errorf("record %s: %s", r.ID, r.Raw)
		}
	}
	for _, ct := range []string{AzureActiveDirectory, Exchange, SharePoint} {
		if !kinds[ct] {
			t.Errorf("no %s records in 60", ct)
		}
	}
	h.clock.Advance(30 * 24 * time.Hour)
	if n := len(h.emu.Available()); n != maxBurst {
		t.Errorf("after a month %d records are available, want the burst cap %d", n, maxBurst)
	}
}

func TestDemoRegistration(t *testing.T) {
	t.Parallel()
	set, err := registry.Start(registry.Options{WorldSeed: 3})
	if err != nil {
		t.Fatal(err)
	}
	em, ok := set.Emulator("o365")
	if !ok {
		t.Fatal("o365 not registered")
	}
	if objs := em.Console().Objects(); len(objs) != 0 {
		t.Errorf("console holds %v", objs)
	}
	e := em.Unwrap().(*Emulator)
	e.Subscribe(ContentTypes...)
	ids, err := em.(registry.Raiser).Raise(rand.New(rand.NewPCG(1, 2)))
	if err != nil || len(ids) != 0 {
		t.Fatalf("Raise: %v %v", ids, err)
	}
	e.mu.Lock()
	blobs := len(e.blobs)
	e.mu.Unlock()
	if blobs == 0 {
		t.Error("Raise made no content")
	}
	for _, it := range set.Integrations("http://hub.test", nil, time.Second) {
		if it.Kind != "o365" {
			continue
		}
		if it.Settings["base_url"] != "http://hub.test/o365" || it.Settings["tenant_id"] == nil || it.Settings["client_secret"] == nil {
			t.Errorf("settings %v", it.Settings)
		}
	}
}
