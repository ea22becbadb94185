package outbox_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/alertsync/alertsync/internal/connector"
	"github.com/alertsync/alertsync/internal/outbox"
	"github.com/alertsync/alertsync/internal/store"
	"github.com/alertsync/alertsync/internal/store/storetest"
)

func enqueueOn(t *testing.T, st *storetest.Both, integration, key, ref string, priority int) int64 {
	t.Helper()
	var id int64
	err := st.WithTx(context.Background(), func(tx store.Tx) error {
		var err error
		id, _, err = tx.OutboxEnqueue(context.Background(), store.OutboxEnqueueParams{
			Key: key, Integration: integration, ObjectRef: ref, Action: "add_comment",
			Payload: []byte(`{}`), Now: time.Now(), Priority: priority,
		})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// recorded collects the outcomes the worker recorded and lets a test wait
// for one item's outcome.
type recorded struct {
	mu    sync.Mutex
	seen  map[int64]store.OutboxResult
	ready chan struct{}
}

func newRecorded() *recorded {
	return &recorded{seen: map[int64]store.OutboxResult{}, ready: make(chan struct{}, 1)}
}

func (r *recorded) hook(results []store.OutboxResult) {
	r.mu.Lock()
	for _, res := range results {
		r.seen[res.ID] = res
	}
	r.mu.Unlock()
	select {
	case r.ready <- struct{}{}:
	default:
	}
}

// await waits until every id has an outcome in state want.
func (r *recorded) await(t *testing.T, want store.OutboxState, ids ...int64) {
	t.Helper()
	r.awaitFunc(t, func(seen map[int64]store.OutboxResult) bool {
		for _, id := range ids {
			if seen[id].State != want {
				return false
			}
		}
		return true
	}, fmt.Sprintf("items %v %s", ids, want))
}

// awaitFunc waits until ok holds over the outcomes recorded so far.
func (r *recorded) awaitFunc(t *testing.T, ok func(map[int64]store.OutboxResult) bool, what string) {
	t.Helper()
	deadline := time.After(20 * time.Second)
	for {
		r.mu.Lock()
		done := ok(r.seen)
		r.mu.Unlock()
		if done {
			return
		}
		select {
		case <-r.ready:
		case <-deadline:
			t.Fatalf("not in time: %s", what)
		}
	}
}

// onBothStores runs fn on a fresh store of each kind.
func onBothStores(t *testing.T, fn func(t *testing.T, st *storetest.Both)) {
	for _, s := range storetest.Stores {
		t.Run(s.Name, func(t *testing.T) {
			t.Parallel()
			fn(t, storetest.Default(s.Open(t)))
		})
	}
}

func runWorker(t *testing.T, w *outbox.Worker) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = w.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
}

// TestThrottledVendorDoesNotDelayAnother: one vendor answers only 429 with
// a minute's Retry-After and has a backlog; another vendor's write queued
// after that backlog is still delivered at once, the throttled lane
// pauses instead of spending a request per item, and the waiting items say
// why they wait.
func TestThrottledVendorDoesNotDelayAnother(t *testing.T) {
	t.Parallel()
	onBothStores(t, testThrottledVendorDoesNotDelayAnother)
}

func testThrottledVendorDoesNotDelayAnother(t *testing.T, st *storetest.Both) {
	for i := range 200 {
		enqueueOn(t, st, "graph", fmt.Sprintf("g-%d", i), fmt.Sprintf("alert:%d", i), store.PriorityAutomatic)
	}
	other := enqueueOn(t, st, "sentinel", "s-1", "incident:1", store.PriorityDecision)
	var mu sync.Mutex
	throttled := 0
	rec := newRecorded()
	w := outbox.New(outbox.Options{Store: st, Concurrency: 4, Batch: 32, IdleWait: 10 * time.Millisecond, Finished: rec.hook,
		Deliver: func(_ context.Context, it store.OutboxItem) (outbox.After, error) {
			if it.Integration == "graph" {
				mu.Lock()
				throttled++
				mu.Unlock()
				return nil, &connector.Error{Class: connector.ClassRateLimited, Status: 429, RetryAfter: time.Minute, Message: "Please retry again later."}
			}
			return nil, nil
		}})
	runWorker(t, w)
	rec.await(t, store.OutboxDone, other)
	rec.awaitFunc(t, func(seen map[int64]store.OutboxResult) bool {
		for id, res := range seen {
			if id != other && res.State == store.OutboxPending {
				return true
			}
		}
		return false
	}, "a throttled item recorded as pending")

	reason, until, ok := w.Waiting(store.Lane{Tenant: store.DefaultTenant, Integration: "graph"})
	if !ok || reason != "rate budget" || time.Until(until) < 30*time.Second {
		t.Fatalf("Waiting(graph) = %q, %v, %v; want rate budget for about a minute", reason, until, ok)
	}
	mu.Lock()
	n := throttled
	mu.Unlock()
	if n > 4 {
		t.Fatalf("%d requests sent to the throttled vendor; want at most the lane's 4 in flight", n)
	}
	pending, err := st.OutboxList(context.Background(), store.OutboxListParams{Integration: "graph", State: store.OutboxPending, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	waiting := 0
	for _, it := range pending {
		if strings.HasPrefix(it.LastError, "waiting: rate budget, next attempt at ") {
			waiting++
		}
		if it.Attempts > 1 {
			t.Fatalf("item %d has %d attempts; a paused lane must not spend attempts", it.ID, it.Attempts)
		}
	}
	if waiting == 0 {
		t.Fatal("no pending item records that it waits on the rate budget")
	}
}

// TestDecisionOvertakesAutomaticBacklog: a decision queued behind a
// backlog of automatic comments on the same integration is delivered
// within the lane's window, not after the backlog.
func TestDecisionOvertakesAutomaticBacklog(t *testing.T) {
	t.Parallel()
	onBothStores(t, testDecisionOvertakesAutomaticBacklog)
}

func testDecisionOvertakesAutomaticBacklog(t *testing.T, st *storetest.Both) {
	for i := range 60 {
		enqueueOn(t, st, "graph", fmt.Sprintf("auto-%d", i), fmt.Sprintf("alert:%d", i), store.PriorityAutomatic)
	}
	var (
		mu    sync.Mutex
		order []string
		once  sync.Once
	)
	rec := newRecorded()
	var decision int64
	decided := make(chan struct{})
	w := outbox.New(outbox.Options{Store: st, Concurrency: 1, Batch: 8, IdleWait: 10 * time.Millisecond, Finished: rec.hook,
		Deliver: func(_ context.Context, it store.OutboxItem) (outbox.After, error) {
			once.Do(func() {
				decision = enqueueOn(t, st, "graph", "verdict", "alert:verdict", store.PriorityDecision)
				close(decided)
			})
			mu.Lock()
			order = append(order, it.Key)
			mu.Unlock()
			return nil, nil
		}})
	runWorker(t, w)
	<-decided
	rec.await(t, store.OutboxDone, decision)
	mu.Lock()
	defer mu.Unlock()
	pos := -1
	for i, k := range order {
		if k == "verdict" {
			pos = i
		}
	}
	// At most the window claimed before the decision existed goes first.
	if pos < 0 || pos > 8+1 {
		t.Fatalf("decision delivered at position %d of %v; want within the first window", pos, order)
	}
}

// TestSlowItemHoldsNothingHostage: items claimed with a slow one are
// recorded as soon as each is done.
func TestSlowItemHoldsNothingHostage(t *testing.T) {
	t.Parallel()
	onBothStores(t, testSlowItemHoldsNothingHostage)
}

func testSlowItemHoldsNothingHostage(t *testing.T, st *storetest.Both) {
	slow := enqueueOn(t, st, "edr", "slow", "alert:slow", store.PriorityDecision)
	var fast []int64
	for i := range 3 {
		fast = append(fast, enqueueOn(t, st, "edr", fmt.Sprintf("fast-%d", i), fmt.Sprintf("alert:%d", i), store.PriorityDecision))
	}
	release := make(chan struct{})
	rec := newRecorded()
	w := outbox.New(outbox.Options{Store: st, Concurrency: 4, IdleWait: 10 * time.Millisecond, Finished: rec.hook,
		Deliver: func(ctx context.Context, it store.OutboxItem) (outbox.After, error) {
			if it.Key == "slow" {
				select {
				case <-release:
				case <-ctx.Done():
					return nil, ctx.Err()
				}
			}
			return nil, nil
		}})
	runWorker(t, w)
	rec.await(t, store.OutboxDone, fast...)
	it, err := st.OutboxGet(context.Background(), slow)
	if err != nil {
		t.Fatal(err)
	}
	if it.State != store.OutboxLeased {
		t.Fatalf("slow item is %s while its delivery runs; want leased", it.State)
	}
	close(release)
	rec.await(t, store.OutboxDone, slow)
}

// TestOutcomesGatheredWhileDeliveriesRun: an outcome that arrives while
// another delivery is in flight waits (up to FinishLinger, a minute here)
// to be recorded in one transaction with the ones that follow; one with
// no delivery in flight is recorded at once.
func TestOutcomesGatheredWhileDeliveriesRun(t *testing.T) {
	t.Parallel()
	onBothStores(t, testOutcomesGatheredWhileDeliveriesRun)
}

func testOutcomesGatheredWhileDeliveriesRun(t *testing.T, st *storetest.Both) {
	slow := enqueueOn(t, st, "edr", "slow", "alert:slow", store.PriorityDecision)
	fast := enqueueOn(t, st, "edr", "fast", "alert:fast", store.PriorityDecision)
	slowStarted, release, fastDone := make(chan struct{}), make(chan struct{}), make(chan struct{})
	rec := newRecorded()
	var mu sync.Mutex
	var batches [][]int64
	w := outbox.New(outbox.Options{Store: st, Concurrency: 2, IdleWait: 10 * time.Millisecond, FinishLinger: time.Minute,
		Finished: func(results []store.OutboxResult) {
			var ids []int64
			for _, r := range results {
				ids = append(ids, r.ID)
			}
			mu.Lock()
			batches = append(batches, ids)
			mu.Unlock()
			rec.hook(results)
		},
		Deliver: func(ctx context.Context, it store.OutboxItem) (outbox.After, error) {
			switch it.Key {
			case "slow":
				close(slowStarted)
				select {
				case <-release:
				case <-ctx.Done():
					return nil, ctx.Err()
				}
			case "fast":
				// Finish only once slow is in flight.
				<-slowStarted
				defer close(fastDone)
			}
			return nil, nil
		}})
	runWorker(t, w)
	<-fastDone
	time.Sleep(200 * time.Millisecond)
	if it, err := st.OutboxGet(context.Background(), fast); err != nil || it.State != store.OutboxLeased {
		t.Fatalf("fast item is %s (err %v) while slow is in flight; want leased, its outcome waiting for slow's", it.State, err)
	}
	close(release)
	rec.await(t, store.OutboxDone, slow, fast)
	mu.Lock()
	got := fmt.Sprint(batches)
	mu.Unlock()
	if got != fmt.Sprint([][]int64{{fast, slow}}) && got != fmt.Sprint([][]int64{{slow, fast}}) {
		t.Fatalf("recorded in batches %s; want one batch of %d and %d", got, slow, fast)
	}
	// Nothing else in flight: a lone outcome does not wait the minute.
	lone := enqueueOn(t, st, "edr", "lone", "alert:lone", store.PriorityDecision)
	w.WakeLanes([]store.Lane{{Tenant: store.DefaultTenant, Integration: "edr"}})
	rec.await(t, store.OutboxDone, lone)
}

// TestVendorBackFromOutageDrainsAtOnce: writes that failed while their
// vendor was down wait out backoffs of up to an hour here; the first
// write that gets through after the outage makes them due, so they go
// out at once instead of an hour later. (The store's shared suite checks
// that items waiting on a rate budget keep their wait.)
func TestVendorBackFromOutageDrainsAtOnce(t *testing.T) {
	t.Parallel()
	onBothStores(t, testVendorBackFromOutageDrainsAtOnce)
}

func testVendorBackFromOutageDrainsAtOnce(t *testing.T, st *storetest.Both) {
	w, rec, failed := afterOutage(t, st)
	// The vendor is back: the next write gets through, and the ones that
	// failed follow it at once.
	ok := enqueueOn(t, st, "edr", "ok", "alert:ok", store.PriorityDecision)
	w.WakeLanes([]store.Lane{{Tenant: store.DefaultTenant, Integration: "edr"}})
	rec.await(t, store.OutboxDone, append([]int64{ok}, failed...)...)
}

// afterOutage runs a worker whose vendor failed the first attempt of
// each of five writes on lane edr (every write but "ok" later), and
// returns once they wait out hour-long backoffs.
func afterOutage(t *testing.T, st *storetest.Both) (*outbox.Worker, *recorded, []int64) {
	t.Helper()
	var failed []int64
	for i := range 5 {
		failed = append(failed, enqueueOn(t, st, "edr", fmt.Sprintf("f-%d", i), fmt.Sprintf("alert:%d", i), store.PriorityDecision))
	}
	rec := newRecorded()
	w := outbox.New(outbox.Options{Store: st, IdleWait: 10 * time.Millisecond, Finished: rec.hook,
		BaseBackoff: time.Hour, MaxBackoff: time.Hour,
		Deliver: func(_ context.Context, it store.OutboxItem) (outbox.After, error) {
			if it.Key != "ok" && it.Attempts == 1 {
				return nil, &connector.Error{Class: connector.ClassRetryable, Status: 503, Message: "down"}
			}
			return nil, nil
		}})
	runWorker(t, w)
	rec.await(t, store.OutboxPending, failed...)
	for _, id := range failed {
		if it, err := st.OutboxGet(context.Background(), id); err != nil || time.Until(it.NextAttemptAt) < 30*time.Minute {
			t.Fatalf("failed item %d: next attempt %v, %v; want about an hour away", id, it.NextAttemptAt, err)
		}
	}
	return w, rec, failed
}

// claimCounter counts each lane's claims.
type claimCounter struct {
	*storetest.Both
	mu     sync.Mutex
	claims map[string]int
}

func (c *claimCounter) OutboxClaim(ctx context.Context, p store.OutboxClaimParams) ([]store.OutboxItem, error) {
	c.mu.Lock()
	c.claims[p.Integration]++
	c.mu.Unlock()
	return c.Both.OutboxClaim(ctx, p)
}

func (c *claimCounter) reset() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	old := c.claims
	c.claims = map[string]int{}
	return old
}

// drainedLanes runs a worker whose n lanes (edr-0 …) have each delivered
// one item and found nothing more, with claims counted from then on.
func drainedLanes(t *testing.T, n int, idleWait time.Duration) (*claimCounter, *outbox.Worker, *recorded) {
	t.Helper()
	st := &claimCounter{Both: storetest.Default(storetest.OpenSQLite(t)), claims: map[string]int{}}
	var lanes []store.Lane
	var ids []int64
	for i := range n {
		in := fmt.Sprintf("edr-%d", i)
		ids = append(ids, enqueueOn(t, st.Both, in, in, "alert:1", store.PriorityDecision))
		lanes = append(lanes, store.Lane{Tenant: store.DefaultTenant, Integration: in})
	}
	rec := newRecorded()
	w := outbox.New(outbox.Options{Store: st, IdleWait: idleWait, Finished: rec.hook,
		Deliver: func(context.Context, store.OutboxItem) (outbox.After, error) { return nil, nil }})
	runWorker(t, w)
	w.WakeLanes(lanes)
	rec.await(t, store.OutboxDone, ids...)
	time.Sleep(50 * time.Millisecond) // the lanes' claims after their deliveries
	st.reset()
	return st, w, rec
}

// TestWakingANewLaneClaimsOnItsOwn: work committed for an integration
// without a running lane starts that lane, which claims it; the other
// lanes, idle, claim nothing. (Waking the whole worker for it had every
// lane claim: with a hundred tenants, a hundred claims per first verdict.)
func TestWakingANewLaneClaimsOnItsOwn(t *testing.T) {
	t.Parallel()
	// IdleWait is long: idle lanes claim only when woken.
	st, w, rec := drainedLanes(t, 10, time.Hour)

	id := enqueueOn(t, st.Both, "new", "new", "alert:1", store.PriorityDecision)
	w.WakeLanes([]store.Lane{{Tenant: store.DefaultTenant, Integration: "new"}})
	rec.await(t, store.OutboxDone, id)
	time.Sleep(50 * time.Millisecond)
	for in, n := range st.reset() {
		if in != "new" && n > 0 {
			t.Errorf("lane %s claimed %d times for another lane's work", in, n)
		}
	}
}

// TestExpediteFromAPoll: writes that failed wait out hour-long backoffs
// with no new write to get through; the integration's poll succeeding
// (the app calls Expedite then) makes them due, and they go at once.
func TestExpediteFromAPoll(t *testing.T) {
	t.Parallel()
	st := storetest.Default(storetest.OpenSQLite(t))
	w, rec, failed := afterOutage(t, st)
	w.Expedite(context.Background(), store.Lane{Tenant: store.DefaultTenant, Integration: "edr"})
	rec.await(t, store.OutboxDone, failed...)
}

// TestIdleLanesClaimOnlyWhenToldOfWork: lanes with nothing left to do
// claim nothing however many IdleWaits pass (each idle lane claiming on
// a timer of its own was 500 claims a second with a hundred tenants),
// and work stored without waking them, as another replica stores it, is
// still found by the worker's listing and claimed by its lane alone.
func TestIdleLanesClaimOnlyWhenToldOfWork(t *testing.T) {
	t.Parallel()
	st, _, rec := drainedLanes(t, 20, 10*time.Millisecond)

	time.Sleep(300 * time.Millisecond) // 30 IdleWaits
	for in, n := range st.reset() {
		t.Errorf("idle lane %s claimed %d times with nothing stored for it", in, n)
	}

	id := enqueueOn(t, st.Both, "edr-3", "unannounced", "alert:2", store.PriorityDecision)
	rec.await(t, store.OutboxDone, id)
	time.Sleep(50 * time.Millisecond)
	for in, n := range st.reset() {
		if in != "edr-3" && n > 0 {
			t.Errorf("lane %s claimed %d times for another lane's work", in, n)
		}
	}
}

// TestWaitingItemIsTriedAgainWhenItsWaitEnds: an item whose delivery
// waits (outbox.Wait, an incident's write behind its alerts' own) is
// tried again by its lane when the wait ends, not when the worker next
// lists the lanes: here it lists them once an hour.
func TestWaitingItemIsTriedAgainWhenItsWaitEnds(t *testing.T) {
	t.Parallel()
	onBothStores(t, func(t *testing.T, st *storetest.Both) {
		rec := newRecorded()
		var calls atomic.Int32
		w := outbox.New(outbox.Options{Store: st, IdleWait: time.Hour, Finished: rec.hook,
			Deliver: func(context.Context, store.OutboxItem) (outbox.After, error) {
				if calls.Add(1) == 1 {
					return nil, &outbox.Wait{Until: time.Now().Add(200 * time.Millisecond), Reason: "its alerts' writes go first"}
				}
				return nil, nil
			}})
		id := enqueueOn(t, st, "sentinel", "close-incident-1", "incident:1", store.PriorityDecision)
		runWorker(t, w)
		rec.await(t, store.OutboxDone, id)
		if n := calls.Load(); n != 2 {
			t.Errorf("delivered %d times, want 2 (the wait, then the write)", n)
		}
	})
}
