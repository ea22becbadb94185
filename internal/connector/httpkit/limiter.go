package httpkit

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
	"weak"

	"golang.org/x/time/rate"

	"github.com/alertsync/alertsync/internal/connector"
)

// Headroom is the share of a vendor's documented quota alertsync spends.
// Running at the quota itself lands a 429 or two at every window edge
// (our minute and the vendor's never line up, and the vendor counts
// retries and other clients of the same app); a tenth kept back makes the
// vendor's throttling the exception it should be.
const Headroom = 0.9

// PerMinute returns a limiter for a vendor quota of n requests a minute.
// It spends Headroom of n, so no sliding minute sees more than the quota
// (Graph security allows 150 per minute per app and tenant: alertsync
// sends at most 136 in any minute, 135 and the one a full bucket holds).
//
// Part of it is the decisions' reserve (WriteReserve): the limiter holds
// that many requests beyond the one a steady flow of polls uses, and
// polls never spend them (Client leaves them), so a verdict's writes go
// out at once even while polls keep the budget busy. Without it, with
// polls spending every request as it came, each of a verdict's calls
// waited for the next one: 1.1 s a call on SentinelOne's default of 60 a
// minute, two calls for a verdict. The reserve comes out of the steady
// rate, so the most any sliding minute sees stays Headroom of n, plus
// one, as it was with no burst at all.
func PerMinute(n int) *rate.Limiter {
	if n <= 0 {
		return rate.NewLimiter(rate.Inf, 1)
	}
	spend := float64(n) * Headroom
	reserve := WriteReserve(spend)
	return Divisible(rate.NewLimiter(rate.Limit((spend-float64(reserve))/60), 1+reserve))
}

// maxReserve is the most requests a budget keeps for decisions: a
// verdict's writes are one to three calls at every vendor (SentinelOne's
// analyst verdict, incident status and note the most).
const maxReserve = 3

// WriteReserve is the decisions' reserve of a budget that spends perMinute
// requests a minute: maxReserve, but never more than a tenth of the
// minute's spend, so a small budget keeps its polls going.
func WriteReserve(perMinute float64) int { return min(maxReserve, int(perMinute/10)) }

var (
	sharedMu       sync.Mutex
	sharedLimiters = map[string]*rate.Limiter{}
)

// SharedPerMinute is PerMinute for a budget the vendor counts across every
// client of one principal (Graph: 150 a minute per app per tenant; ARM: per
// principal), so two integrations of the same app draw on one budget
// instead of each getting a full one. key names the principal and API;
// integrations configured with different budgets keep separate limiters.
//
// A budget is per credential and hub tenant: two tenants never wait on
// each other's budget, even where a provider uses one credential for
// both (one Sekoia.io key over two communities), so one customer's flood
// never delays another's writes. The vendor still counts that credential
// once; its 429s then slow each tenant's lane on its own.
func SharedPerMinute(tenant, key string, n int) *rate.Limiter {
	if n <= 0 {
		return PerMinute(n)
	}
	sharedMu.Lock()
	defer sharedMu.Unlock()
	k := fmt.Sprintf("%s|%s|%d", tenant, key, n)
	if l, ok := sharedLimiters[k]; ok {
		return l
	}
	l := PerMinute(n)
	sharedLimiters[k] = l
	return l
}

// budgetState is what the clients sharing one limiter know of each other.
type budgetState struct {
	// writers counts the foreground requests (writes) waiting for a
	// token; background requests (polls) stand back while it is above
	// zero, so write-back goes first on a budget both share.
	writers atomic.Int32
	// background lets one background request at a time wait for the
	// budget to hold more than its reserve and take its token, so two
	// polls that find it full do not both spend from it.
	background chan struct{}
}

// budgetStates holds each limiter's budgetState, keyed by a weak pointer
// to it: a limiter of a client rebuilt since (an integration reconfigured,
// a secret replaced) is collected, and its entry with it, as Divisible's
// registry drops it.
var budgetStates sync.Map // weak.Pointer[rate.Limiter] -> *budgetState

func stateOf(l *rate.Limiter) *budgetState {
	k := weak.Make(l)
	if v, ok := budgetStates.Load(k); ok {
		return v.(*budgetState)
	}
	v, loaded := budgetStates.LoadOrStore(k, &budgetState{background: make(chan struct{}, 1)})
	if !loaded {
		runtime.AddCleanup(l, func(k weak.Pointer[rate.Limiter]) { budgetStates.Delete(k) }, k)
	}
	return v.(*budgetState)
}

func waitingOn(l *rate.Limiter) *atomic.Int32 { return &stateOf(l).writers }

// yieldPoll is how often a background request looks again while writes
// wait for the budget; maxYield bounds how long it stands back, so a long
// run of decisions delays polling but never stops it.
const (
	yieldPoll = 20 * time.Millisecond
	maxYield  = 10 * time.Second
)

// wait spends one request of the budget. When the wait would outlast the
// context's deadline it gives up at once with a rate-limited error carrying
// the wait, so a poller can snooze instead of blocking a worker. A
// background request first lets every waiting write go.
func (c *Client) wait(ctx context.Context) error {
	background := connector.IsBackground(ctx)
	if c.limiter == nil {
		if c.usage != nil {
			c.usage.spent(background, 0)
		}
		return nil
	}
	start := time.Now()
	st := stateOf(c.limiter)
	if background {
		if err := standBack(ctx, &st.writers); err != nil {
			return err
		}
		select {
		case st.background <- struct{}{}:
		case <-ctx.Done():
			return waitEnded(ctx, "wait for rate budget")
		}
		defer func() { <-st.background }()
		if err := leaveReserve(ctx, c.limiter); err != nil {
			return err
		}
	} else {
		st.writers.Add(1)
		defer st.writers.Add(-1)
	}
	err := c.reserve(ctx)
	if err == nil && c.usage != nil {
		c.usage.spent(background, time.Since(start))
	}
	return err
}

// standBack waits until no write waits for the budget, for at most
// maxYield.
func standBack(ctx context.Context, writers *atomic.Int32) error {
	until := time.Now().Add(maxYield)
	for writers.Load() > 0 && time.Now().Before(until) {
		if err := Sleep(ctx, yieldPoll, "wait for rate budget"); err != nil {
			return err
		}
	}
	return nil
}

// Sleep waits d, or until ctx ends: that is a retryable error whose
// message says what the wait was for, so the poll or delivery it stopped
// is tried again, as any request cut short.
func Sleep(ctx context.Context, d time.Duration, what string) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return waitEnded(ctx, what)
	}
}

func waitEnded(ctx context.Context, what string) error {
	return &connector.Error{Class: connector.ClassRetryable, Message: what, Err: context.Cause(ctx)}
}

// leaveReserve waits until the budget holds its whole burst, so that a
// background request takes the one token a steady flow uses and leaves
// the rest (the decisions' reserve, see PerMinute) to writes. It waits at
// most maxYield, as standBack does, so decisions that keep the reserve
// spent delay polls but never stop them; a wait that would outlast ctx's
// deadline gives up at once as rate limited, as Spend does.
func leaveReserve(ctx context.Context, l *rate.Limiter) error {
	until := time.Now().Add(maxYield)
	for {
		now := time.Now()
		short := float64(l.Burst()) - l.TokensAt(now)
		if l.Burst() <= 1 || short <= 0 || l.Limit() == rate.Inf || l.Limit() <= 0 || !now.Before(until) {
			return nil
		}
		d := min(time.Duration(short/float64(l.Limit())*float64(time.Second))+time.Millisecond, until.Sub(now))
		if dl, ok := ctx.Deadline(); ok && dl.Before(now.Add(d)) {
			return &connector.Error{Class: connector.ClassRateLimited, RetryAfter: d, Message: "local rate budget kept for decisions"}
		}
		if err := Sleep(ctx, d, "wait for rate budget"); err != nil {
			return err
		}
	}
}

func (c *Client) reserve(ctx context.Context) error {
	return Spend(ctx, "local rate budget", c.limiter)
}

// Spend takes one request from each budget (nil ones are skipped) and
// waits for the longest. When that wait would outlast ctx's deadline it
// gives up at once, with a rate-limited error carrying the wait, so a
// poller or the outbox can snooze instead of blocking; a wait ended by
// ctx is a retryable error. what names the budgets in errors. Vendor
// packages spend their extra budgets with it (an endpoint's own quota).
func Spend(ctx context.Context, what string, budgets ...*rate.Limiter) error {
	now := time.Now()
	var rs []*rate.Reservation
	var d time.Duration
	cancel := func() {
		for _, r := range rs {
			r.CancelAt(now)
		}
	}
	for _, l := range budgets {
		if l == nil {
			continue
		}
		r := l.ReserveN(now, 1)
		if !r.OK() {
			cancel()
			return &connector.Error{Class: connector.ClassRateLimited, Message: "request exceeds the " + what}
		}
		rs = append(rs, r)
		d = max(d, r.DelayFrom(now))
	}
	if d <= 0 {
		return nil
	}
	if dl, ok := ctx.Deadline(); ok && dl.Before(now.Add(d)) {
		cancel()
		return &connector.Error{Class: connector.ClassRateLimited, RetryAfter: d, Message: what + " exhausted"}
	}
	if err := Sleep(ctx, d, "wait for "+what); err != nil {
		for _, r := range rs {
			r.Cancel()
		}
		return err
	}
	return nil
}
