package httpkit

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"

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
