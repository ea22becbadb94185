package httpkit

import (
	"context"
	"net/http"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"
	"weak"

	"golang.org/x/time/rate"

	"github.com/alertsync/alertsync/internal/connector"
)

// TestDecisionsGoFirstOnTheBudget: with the budget spent, a poll that
// asks while a write waits stands back, and a second write that asks
// after the poll still goes before it.
func TestDecisionsGoFirstOnTheBudget(t *testing.T) {
	t.Parallel()
	var (
		mu    sync.Mutex
		order []string
	)
	lim := rate.NewLimiter(rate.Every(150*time.Millisecond), 1)
	c, _ := setup(t, Options{Limiter: lim}, func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		order = append(order, r.URL.Query().Get("who"))
		mu.Unlock()
		_, _ = w.Write([]byte(`{}`))
	})
	ctx := context.Background()
	if err := c.GetJSON(ctx, "x?who=first", nil); err != nil { // spends the token
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	wg.Add(3)
	go func() { defer wg.Done(); _ = c.GetJSON(ctx, "x?who=write1", nil) }()
	for waitingOn(lim).Load() == 0 { // in-process: the write is now waiting
		time.Sleep(time.Millisecond)
	}
	go func() { defer wg.Done(); _ = c.GetJSON(connector.Background(ctx), "x?who=poll", nil) }()
	time.Sleep(20 * time.Millisecond) // the poll has asked; now a second decision
	go func() { defer wg.Done(); _ = c.GetJSON(ctx, "x?who=write2", nil) }()
	wg.Wait()
	if len(order) != 4 || order[1] != "write1" || order[2] != "write2" || order[3] != "poll" {
		t.Fatalf("order = %v, want both writes before the poll", order)
	}
}

// TestPollsLeaveTheReserve: polls that keep a budget busy spend only the
// token its steady rate gives, never the decisions' reserve, so the
// writes of a verdict that comes meanwhile find their requests waiting
// for them; and a poll that cannot wait for the reserve to fill within its
// deadline gives up at once as rate limited, sending nothing.
func TestPollsLeaveTheReserve(t *testing.T) {
	t.Parallel()
	var (
		mu   sync.Mutex
		seen []string
	)
	handler := func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.URL.Query().Get("who"))
		mu.Unlock()
		_, _ = w.Write([]byte(`{}`))
	}
	const reserve = 2
	lim := rate.NewLimiter(rate.Every(20*time.Millisecond), 1+reserve)
	c, _ := setup(t, Options{Limiter: lim}, handler)
	ctx := context.Background()
	for range 10 {
		if err := c.GetJSON(connector.Background(ctx), "x?who=poll", nil); err != nil {
			t.Fatal(err)
		}
		// Tokens only grow between spends: what is here now, the next
		// write would find.
		if got := lim.TokensAt(time.Now()); got < reserve {
			t.Fatalf("after a poll the budget holds %.2f requests, want the reserve of %d kept", got, reserve)
		}
	}
	for range reserve {
		if r := lim.ReserveN(time.Now(), 1); r.DelayFrom(time.Now()) > 0 {
			t.Fatalf("a write would wait %v behind the polls", r.DelayFrom(time.Now()))
		}
	}

	slow := rate.NewLimiter(rate.Every(time.Hour), 1+reserve)
	c2, _ := setup(t, Options{Limiter: slow}, handler)
	if err := c2.GetJSON(ctx, "x?who=write", nil); err != nil { // a decision spends one
		t.Fatal(err)
	}
	dctx, cancel := context.WithTimeout(connector.Background(ctx), maxYield/2)
	defer cancel()
	err := c2.GetJSON(dctx, "x?who=late-poll", nil)
	if connector.ClassOf(err) != connector.ClassRateLimited || connector.RetryAfterOf(err) <= 0 {
		t.Fatalf("poll with the reserve short: err = %v, want rate_limited with RetryAfter", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if slices.Contains(seen, "late-poll") {
		t.Error("the poll that gave up was sent")
	}
}

// TestBudgetStateGoesWithItsLimiter: what clients sharing a limiter know
// of each other is dropped with the limiter, so rebuilding a client (an
// integration reconfigured) does not leave its budget's state behind.
func TestBudgetStateGoesWithItsLimiter(t *testing.T) {
	l := PerMinute(60)
	k := weak.Make(l)
	waitingOn(l).Add(1)
	if _, ok := budgetStates.Load(k); !ok {
		t.Fatal("no state kept for a limiter in use")
	}
	runtime.KeepAlive(l)
	l = nil //nolint:ineffassign,wastedassign // the limiter's last reference goes
	for range 500 {
		runtime.GC()
		if _, ok := budgetStates.Load(k); !ok {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("the state of a limiter no longer used is still kept")
}
