package app_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alertsync/alertsync/internal/app"
	"github.com/alertsync/alertsync/internal/config"
	"github.com/alertsync/alertsync/internal/emulators/sekoia"
	"github.com/alertsync/alertsync/internal/store/storetest"
)

// testClock is a clock a test moves.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *testClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *testClock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// TestReplicasShareOnePoller: two replicas on one PostgreSQL; the first
// to poll an integration holds it and the other is refused, naming the
// holder; when the holder's lease lapses (its clock, here, stops while
// the other's runs on) the other takes over, and the former holder is
// then refused; a holder that stops hands its leases back at once.
func TestReplicasShareOnePoller(t *testing.T) {
	t.Parallel()
	cfg := intakeConfig(t, map[string]any{"intake_key": "replica-test-intake-key"})
	cfg.Store = config.StoreConfig{Driver: "postgres", DSN: config.NewSecret(storetest.PostgresSchemaDSN(t))}
	ctx := context.Background()
	start := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	clockA, clockB := &testClock{now: start}, &testClock{now: start}
	a, err := app.New(ctx, cfg, app.Options{Replica: "replica-a", Now: clockA.Now})
	if err != nil {
		t.Fatal(err)
	}
	b, err := app.New(ctx, cfg, app.Options{Replica: "replica-b", Now: clockB.Now})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.PollOnce(ctx, "push"); err != nil {
		t.Fatalf("first replica: %v", err)
	}
	if err := b.PollOnce(ctx, "push"); err == nil || !strings.Contains(err.Error(), "replica-a") {
		t.Fatalf("second replica while the first holds: err = %v", err)
	}
	clockB.add(time.Minute) // a's lease, renewed last at start, has lapsed by b's clock
	if err := b.PollOnce(ctx, "push"); err != nil {
		t.Fatalf("takeover after the lease lapsed: %v", err)
	}
	clockA.add(time.Minute)
	if err := a.PollOnce(ctx, "push"); err == nil || !strings.Contains(err.Error(), "replica-b") {
		t.Fatalf("former holder after the takeover: err = %v", err)
	}
	if err := b.Start(ctx); err != nil {
		t.Fatal(err)
	}
	if err := b.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	if err := a.PollOnce(ctx, "push"); err != nil {
		t.Fatalf("after the holder stopped and released: %v", err)
	}
	leases, err := a.Hub().LeaseList(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range leases {
		if l.Name == "poll:push" && (l.Holder != "replica-a" || l.Epoch != 3) {
			t.Errorf("poll lease after the hand-back: %+v", l)
		}
	}
	if err := a.Stop(ctx); err != nil {
		t.Fatal(err)
	}
}

// TestStandbyReplicaAsksNowAndThen: while one replica polls an
// integration, another asks for its poll lease about every leaseTTL/3,
// not in a loop (a refused poll once left its next time in the past).
func TestStandbyReplicaAsksNowAndThen(t *testing.T) {
	t.Parallel()
	emu := sekoia.New(sekoia.Options{Alerts: 6, Seed: 3, PerMinute: -1})
	srv := httptest.NewServer(emu.Handler())
	t.Cleanup(srv.Close)
	cfg := sekoiaConfig(t, srv.URL)
	cfg.Store = config.StoreConfig{Driver: "postgres", DSN: config.NewSecret(storetest.PostgresSchemaDSN(t))}
	ctx := context.Background()
	start := func(replica string) *app.App {
		a, err := app.New(ctx, cfg, app.Options{Replica: replica})
		if err != nil {
			t.Fatal(err)
		}
		if err := a.Start(ctx); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = a.Stop(context.Background()) })
		return a
	}
	a := start("replica-a")
	deadline := time.Now().Add(10 * time.Second)
	for held := false; !held; {
		leases, err := a.Hub().LeaseList(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range leases {
			held = held || (l.Name == "poll:sekoia" && l.Holder == "replica-a")
		}
		if time.Now().After(deadline) {
			t.Fatal("replica-a never took the poll lease")
		}
		time.Sleep(20 * time.Millisecond)
	}
	b := start("replica-b")
	time.Sleep(2 * time.Second)
	_, metrics := apiCaller(t, b)("GET", "/metrics", "", "")
	const series = `alertsync_poll_standby_total{integration="sekoia",tenant="default"} `
	asked := -1.0
	for _, line := range strings.Split(metrics, "\n") {
		if v, ok := strings.CutPrefix(line, series); ok {
			if _, err := fmt.Sscan(v, &asked); err != nil {
				t.Fatal(err)
			}
		}
	}
	if asked < 1 || asked > 2 {
		t.Errorf("the standby replica asked for the poll lease %v times in 2 s, want 1 or 2 (every %v)", asked, 10*time.Second/3)
	}
}
