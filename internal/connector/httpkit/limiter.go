package httpkit

import (
	"context"
	"time"

	"golang.org/x/time/rate"

	"github.com/alertsync/alertsync/internal/connector"
)

// PerMinute returns a limiter that spends n requests a minute evenly, with
// no burst, so no sliding minute ever sees much more than n requests (Graph
// security allows 150 per minute per app and tenant).
func PerMinute(n int) *rate.Limiter {
	if n <= 0 {
		return rate.NewLimiter(rate.Inf, 1)
	}
	return rate.NewLimiter(rate.Every(time.Minute/time.Duration(n)), 1)
}

// wait spends one request of the budget. When the wait would outlast the
// context's deadline it gives up at once with a rate-limited error carrying
// the wait, so a poller can snooze instead of blocking a worker.
func (c *Client) wait(ctx context.Context) error {
	if c.limiter == nil {
		return nil
	}
	now := time.Now()
	r := c.limiter.ReserveN(now, 1)
	if !r.OK() {
		return &connector.Error{Class: connector.ClassRateLimited, Message: "request exceeds the local rate budget"}
	}
	d := r.DelayFrom(now)
	if d <= 0 {
		return nil
	}
	if dl, ok := ctx.Deadline(); ok && dl.Before(now.Add(d)) {
		r.CancelAt(now)
		return &connector.Error{Class: connector.ClassRateLimited, RetryAfter: d, Message: "local rate budget exhausted"}
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		r.Cancel()
		return &connector.Error{Class: connector.ClassRetryable, Message: "wait for rate budget", Err: ctx.Err()}
	}
}
