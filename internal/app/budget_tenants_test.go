package app_test

import (
	"context"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/alertsync/alertsync/internal/config"
	"github.com/alertsync/alertsync/internal/connector/httpkit"
	"github.com/alertsync/alertsync/internal/emulators/sekoia"
	"github.com/alertsync/alertsync/internal/engine"
	"github.com/alertsync/alertsync/internal/model"
	"github.com/alertsync/alertsync/internal/store"
)

// TestOneTenantsFloodNeverDelaysAnothers: a provider reads two customers'
// Sekoia.io communities with one API key, so both tenants' integrations
// draw on one credential with a budget of one request in 2.2 s. One
// tenant floods it with verdicts on every alert it holds; meanwhile the
// other tenant's budget keeps its token, and a verdict in it lands while
// the flood's writes are still queued, because a budget is per credential
// and tenant and each tenant's writes run in lanes of their own. No wait
// time is compared: that would flake on a loaded machine.
func TestOneTenantsFloodNeverDelaysAnothers(t *testing.T) {
	t.Parallel()
	emu := sekoia.New(sekoia.Options{Alerts: 60, Seed: 7, PerMinute: -1})
	srv := httptest.NewServer(emu.Handler())
	t.Cleanup(srv.Close)
	settings := func(community string) map[string]any {
		return map[string]any{"base_url": srv.URL, "api_key": sekoia.DefaultAPIKey, "community_uuid": community,
			"lookback": "720h", "requests_per_minute": 30}
	}
	cfg := config.Defaults()
	cfg.DataDir = t.TempDir()
	cfg.Listen = "127.0.0.1:0"
	cfg.Engine.PollInterval = time.Hour // the polls at start only: the budget is the writes'
	cfg.Outbox.IdleWait = 10 * time.Millisecond
	cfg.Integrations = []config.Integration{{ID: "sekoia", Kind: "sekoia", Settings: settings(sekoia.DefaultCommunity)}}
	cfg.Tenants = []config.Tenant{{ID: "acme", Name: "Acme", Integrations: []config.Integration{
		{ID: "sekoia", Kind: "sekoia", Settings: settings(sekoia.OtherCommunity)}}}}
	ctx := context.Background()
	a := startApp(t, cfg)
	acme, acmeEngine, ok := a.Tenant("acme")
	if !ok {
		t.Fatal("acme does not run")
	}
	newAlerts := func(st store.Scoped) []model.Alert {
		var out []model.Alert
		deadline := time.Now().Add(30 * time.Second)
		for len(out) == 0 && time.Now().Before(deadline) {
			all, err := st.AlertList(ctx, store.AlertListParams{Integration: "sekoia", Limit: 1000})
			if err != nil {
				t.Fatal(err)
			}
			for _, al := range all {
				if al.Status == model.StatusNew {
					out = append(out, al)
				}
			}
			time.Sleep(50 * time.Millisecond)
		}
		return out
	}
	flood, mine := newAlerts(acme), newAlerts(a.Store())
	deadline := time.Now().Add(30 * time.Second)
	if len(flood) < 8 || len(mine) == 0 {
		t.Fatalf("new alerts: acme %d, default %d", len(flood), len(mine))
	}
	analyst := model.Actor{Kind: model.ActorAnalyst, Name: "ana"}
	for _, al := range flood {
		if _, err := acmeEngine.SetAlertVerdict(ctx, engine.VerdictParams{ID: al.ID, Verdict: model.VerdictNotAThreat, Actor: analyst}); err != nil {
			t.Fatal(err)
		}
	}
	// The default tenant's first poll has ended and its budget has filled
	// again (one token), while the flood's lane spends acme's and queues.
	do := apiCaller(t, a)
	for polled := false; !polled; {
		_, m := do("GET", "/metrics", "", "")
		polled = strings.Contains(m, `alertsync_poll_last_success_timestamp_seconds{integration="sekoia",tenant="default"}`)
		if time.Now().After(deadline) {
			t.Fatal("the default tenant's first poll never ended")
		}
		time.Sleep(50 * time.Millisecond)
	}
	// While acme's writes queue on its budget (its tokens reserved ahead,
	// none available), the default tenant's budget on the same credential
	// fills again after its first poll (a token every 2.2 s) and reaches
	// its one token. On a shared budget both rows would read acme's empty
	// bucket, which never fills while acme floods. (The scrape is read
	// until then: a fixed sleep failed on a loaded machine, where the
	// first poll's last requests had reserved tokens further ahead.)
	available := func(m, tenant string) float64 {
		return sample(t, m, `alertsync_vendor_budget_available{integration="sekoia",tenant="`+tenant+`"}`)
	}
	// At least 2.5 s pass first, so acme's flood has waited for tokens
	// long enough for the check at the end.
	for start, refill := time.Now(), time.Now().Add(15*time.Second); ; time.Sleep(100 * time.Millisecond) {
		_, m := do("GET", "/metrics", "", "")
		mineLeft, acmeLeft := available(m, "default"), available(m, "acme")
		if acmeLeft >= 1 {
			t.Fatalf("acme's budget has %.2f tokens during its flood: the test did not flood", acmeLeft)
		}
		if mineLeft >= 0.99 && time.Since(start) >= 2500*time.Millisecond {
			break
		}
		if time.Now().After(refill) {
			t.Fatalf("the default tenant's budget has %.2f tokens 15 s after its poll while only acme sends: another tenant's flood spends it", mineLeft)
		}
	}
	target := mine[0]
	if _, err := a.Engine().SetAlertVerdict(ctx, engine.VerdictParams{ID: target.ID, Verdict: model.VerdictNotAThreat, Actor: analyst}); err != nil {
		t.Fatal(err)
	}
	var acmeDone int
	deadline = time.Now().Add(30 * time.Second)
	for {
		got, err := a.Store().AlertGet(ctx, target.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.RemoteStatus != target.RemoteStatus {
			break // written back and recorded
		}
		if time.Now().After(deadline) {
			t.Fatal("the default tenant's verdict was never written back")
		}
		time.Sleep(20 * time.Millisecond)
	}
	counts, err := acme.OutboxCounts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	acmeDone = counts[store.OutboxDone]
	if waiting := counts[store.OutboxPending] + counts[store.OutboxLeased]; waiting < 3 {
		t.Errorf("acme's flood had only %d writes left when the default tenant's landed (done %d of %d): the test did not flood", waiting, acmeDone, len(flood))
	}
	// acme's writes waited for tokens; the default's write went on its
	// own budget (checked above, before it was given). Wait times are
	// not compared: a loaded machine stretches them. A wait is counted
	// when it ends, and acme's writes still wait, so the total is read
	// until it shows two tokens' worth.
	token := time.Minute / time.Duration(30*httpkit.Headroom)
	for flooded := time.Now().Add(20 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		_, m := do("GET", "/metrics", "", "")
		w := sample(t, m, `alertsync_vendor_budget_wait_seconds_total{integration="sekoia",priority="foreground",tenant="acme"}`)
		if w >= 2*token.Seconds() {
			break
		}
		if time.Now().After(flooded) {
			t.Fatalf("acme's flood waited %.2f s for its budget: the test did not flood", w)
		}
	}
}

// sample is the value of one series (name and labels, as /metrics
// prints them) in a /metrics answer; the test fails without it.
func sample(t *testing.T, metrics, series string) float64 {
	t.Helper()
	for _, line := range strings.Split(metrics, "\n") {
		if v, ok := strings.CutPrefix(line, series+" "); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				t.Fatal(err)
			}
			return f
		}
	}
	t.Fatalf("/metrics lacks %s", series)
	return 0
}
