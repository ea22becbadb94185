package outbox_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alertsync/alertsync/internal/connector"
	"github.com/alertsync/alertsync/internal/outbox"
	"github.com/alertsync/alertsync/internal/store"
	"github.com/alertsync/alertsync/internal/store/sqlite"
	"github.com/alertsync/alertsync/internal/store/storetest"
	"github.com/prometheus/client_golang/prometheus"
)

type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func setup(t *testing.T) (*storetest.Both, *clock) {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "o.db"))
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	return storetest.Default(st), &clock{now: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)}
}

func enqueue(t *testing.T, st *storetest.Both, now time.Time, key, ref string) {
	t.Helper()
	err := st.WithTx(context.Background(), func(tx store.Tx) error {
		_, _, err := tx.OutboxEnqueue(context.Background(), store.OutboxEnqueueParams{
			Key: key, Integration: "edr", ObjectRef: ref, Action: "set_state", Payload: []byte(`{}`), Now: now,
		})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

func only(t *testing.T, st *storetest.Both, state store.OutboxState) []store.OutboxItem {
	t.Helper()
	items, err := st.OutboxList(context.Background(), store.OutboxListParams{State: state, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	return items
}

func TestErrorClassesDecideRetryOrDead(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		err       error
		wantState store.OutboxState
		minWait   time.Duration
	}{
		{"success", nil, store.OutboxDone, 0},
		{"rate limited honours Retry-After", &connector.Error{Class: connector.ClassRateLimited, RetryAfter: 45 * time.Second}, store.OutboxPending, 45 * time.Second},
		{"retryable backs off", &connector.Error{Class: connector.ClassRetryable, Status: 503}, store.OutboxPending, 500 * time.Millisecond},
		{"network error is retryable", errors.New("connection reset"), store.OutboxPending, 500 * time.Millisecond},
		{"auth is retried (fresh app registrations 403 at first)", &connector.Error{Class: connector.ClassAuth, Status: 403}, store.OutboxPending, 500 * time.Millisecond},
		{"permanent is dead at once", connector.Permanent("bad enum"), store.OutboxDead, 0},
		{"not found is dead at once", &connector.Error{Class: connector.ClassNotFound, Status: 404}, store.OutboxDead, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			st, clk := setup(t)
			enqueue(t, st, clk.Now(), "k1", "alert:1")
			reg := prometheus.NewRegistry()
			w := outbox.New(outbox.Options{Store: st, Now: clk.Now, Registerer: reg,
				Deliver: func(context.Context, store.OutboxItem) (outbox.After, error) { return nil, tt.err }})
			if n, err := w.RunOnce(context.Background()); err != nil || n != 1 {
				t.Fatalf("RunOnce = %d, %v", n, err)
			}
			items := only(t, st, tt.wantState)
			if len(items) != 1 {
				t.Fatalf("no item in state %s", tt.wantState)
			}
			if tt.wantState == store.OutboxPending {
				if wait := items[0].NextAttemptAt.Sub(clk.Now()); wait < tt.minWait {
					t.Fatalf("next attempt in %v, want at least %v", wait, tt.minWait)
				}
				if items[0].LastError == "" {
					t.Fatal("last error not recorded")
				}
			}
			if tt.wantState == store.OutboxDead {
				if got := counterSum(t, reg, "alertsync_outbox_dead_total"); got != 1 {
					t.Fatalf("dead metric = %v", got)
				}
			}
		})
	}
}

func counterSum(t *testing.T, reg *prometheus.Registry, name string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == name {
			var sum float64
			for _, m := range mf.GetMetric() {
				sum += m.GetCounter().GetValue()
			}
			return sum
		}
	}
	t.Fatalf("metric %s not found", name)
	return 0
}

func TestDeadLetterAfterCapThenRetry(t *testing.T) {
	t.Parallel()
	st, clk := setup(t)
	enqueue(t, st, clk.Now(), "k1", "alert:1")
	calls := 0
	w := outbox.New(outbox.Options{Store: st, Now: clk.Now, MaxAttempts: 3, BaseBackoff: time.Second, MaxBackoff: time.Minute,
		Deliver: func(context.Context, store.OutboxItem) (outbox.After, error) {
			calls++
			return nil, &connector.Error{Class: connector.ClassRetryable, Status: 500}
		}})
	for range 10 {
		if _, err := w.RunOnce(context.Background()); err != nil {
			t.Fatal(err)
		}
		clk.Add(2 * time.Minute)
	}
	if calls != 3 {
		t.Fatalf("attempts = %d, want 3", calls)
	}
	dead := only(t, st, store.OutboxDead)
	if len(dead) != 1 || dead[0].Attempts != 3 {
		t.Fatalf("dead = %+v", dead)
	}
	if err := st.WithTx(context.Background(), func(tx store.Tx) error { return tx.OutboxRetry(context.Background(), dead[0].ID, clk.Now()) }); err != nil {
		t.Fatal(err)
	}
	if len(only(t, st, store.OutboxPending)) != 1 {
		t.Fatal("retried item not pending")
	}
}

func TestSameObjectActionsApplyInOrder(t *testing.T) {
	t.Parallel()
	st, clk := setup(t)
	for i := range 5 {
		enqueue(t, st, clk.Now(), fmt.Sprintf("a-%d", i), "alert:A")
		enqueue(t, st, clk.Now(), fmt.Sprintf("b-%d", i), "alert:B")
	}
	var mu sync.Mutex
	var order []string
	failedOnce := false
	w := outbox.New(outbox.Options{Store: st, Now: clk.Now, Concurrency: 4, BaseBackoff: time.Millisecond, MaxBackoff: time.Millisecond,
		Deliver: func(_ context.Context, it store.OutboxItem) (outbox.After, error) {
			mu.Lock()
			defer mu.Unlock()
			if it.Key == "a-1" && !failedOnce {
				failedOnce = true
				return nil, &connector.Error{Class: connector.ClassRetryable}
			}
			order = append(order, it.Key)
			return nil, nil
		}})
	for range 50 {
		if _, err := w.RunOnce(context.Background()); err != nil {
			t.Fatal(err)
		}
		clk.Add(time.Second)
	}
	var a, b []string
	for _, k := range order {
		if k[0] == 'a' {
			a = append(a, k)
		} else {
			b = append(b, k)
		}
	}
	want := func(p string) []string { return []string{p + "-0", p + "-1", p + "-2", p + "-3", p + "-4"} }
	if !slices.Equal(a, want("a")) || !slices.Equal(b, want("b")) {
		t.Fatalf("order a=%v b=%v", a, b)
	}
}

func TestEnqueueIsIdempotentOnKey(t *testing.T) {
	t.Parallel()
	st, clk := setup(t)
	enqueue(t, st, clk.Now(), "same", "alert:1")
	enqueue(t, st, clk.Now(), "same", "alert:1")
	if n := len(only(t, st, store.OutboxPending)); n != 1 {
		t.Fatalf("pending = %d, want 1", n)
	}
}

func TestBackoffGrowsAndCaps(t *testing.T) {
	t.Parallel()
	w := outbox.New(outbox.Options{BaseBackoff: time.Second, MaxBackoff: time.Minute})
	tests := []struct {
		attempts int
		lo, hi   time.Duration
	}{
		{1, 500 * time.Millisecond, time.Second},
		{2, time.Second, 2 * time.Second},
		{4, 4 * time.Second, 8 * time.Second},
		{20, 30 * time.Second, time.Minute},
	}
	for _, tt := range tests {
		for range 50 {
			if d := w.Backoff(tt.attempts, 0); d < tt.lo || d > tt.hi {
				t.Fatalf("Backoff(%d) = %v, want within [%v, %v]", tt.attempts, d, tt.lo, tt.hi)
			}
		}
	}
	if d := w.Backoff(1, 90*time.Second); d < 90*time.Second {
		t.Fatalf("Backoff ignored Retry-After: %v", d)
	}
}

func TestBulkGroupsGoTogether(t *testing.T) {
	t.Parallel()
	st, clk := setup(t)
	for i := range 5 {
		enqueue(t, st, clk.Now(), fmt.Sprintf("k-%d", i), fmt.Sprintf("alert:%d", i))
	}
	var mu sync.Mutex
	var singles, batches [][]string
	fail := true
	w := outbox.New(outbox.Options{Store: st, Now: clk.Now, BaseBackoff: time.Millisecond, MaxBackoff: time.Millisecond,
		BatchKey: func(it store.OutboxItem) string {
			if it.Key == "k-4" {
				return ""
			}
			return "bulk"
		},
		Deliver: func(_ context.Context, it store.OutboxItem) (outbox.After, error) {
			mu.Lock()
			defer mu.Unlock()
			singles = append(singles, []string{it.Key})
			return nil, nil
		},
		DeliverBatch: func(_ context.Context, items []store.OutboxItem) ([]outbox.Outcome, error) {
			mu.Lock()
			defer mu.Unlock()
			var keys []string
			for _, it := range items {
				keys = append(keys, it.Key)
			}
			batches = append(batches, keys)
			if fail {
				fail = false
				return nil, &connector.Error{Class: connector.ClassRateLimited, RetryAfter: time.Second}
			}
			return make([]outbox.Outcome, len(items)), nil
		}})
	for range 3 {
		if _, err := w.RunOnce(context.Background()); err != nil {
			t.Fatal(err)
		}
		clk.Add(2 * time.Second)
	}
	if len(singles) != 1 || singles[0][0] != "k-4" {
		t.Fatalf("single deliveries = %v", singles)
	}
	if len(batches) != 2 || len(batches[0]) != 4 || len(batches[1]) != 4 {
		t.Fatalf("bulk deliveries = %v; want the group of 4 failed once then delivered together", batches)
	}
	if n := len(only(t, st, store.OutboxDone)); n != 5 {
		t.Fatalf("done = %d, want 5", n)
	}
}

// TestBulkPartialFailureSplits: a bulk call the vendor answers item by
// item retries only the items it failed, alone in the next call, and the
// vendor's bulk limit caps every call.
func TestBulkPartialFailureSplits(t *testing.T) {
	t.Parallel()
	st, clk := setup(t)
	for i := range 7 {
		enqueue(t, st, clk.Now(), fmt.Sprintf("k-%d", i), fmt.Sprintf("alert:%d", i))
	}
	var mu sync.Mutex
	var batches [][]string
	failed := map[string]bool{}
	w := outbox.New(outbox.Options{Store: st, Now: clk.Now, BaseBackoff: time.Millisecond, MaxBackoff: time.Millisecond,
		BatchKey: func(store.OutboxItem) string { return "bulk" },
		MaxBatch: func(string, store.OutboxItem) int { return 4 },
		// A unit of one goes through the single-item call.
		Deliver: func(_ context.Context, it store.OutboxItem) (outbox.After, error) {
			mu.Lock()
			defer mu.Unlock()
			batches = append(batches, []string{it.Key})
			return nil, nil
		},
		DeliverBatch: func(_ context.Context, items []store.OutboxItem) ([]outbox.Outcome, error) {
			mu.Lock()
			defer mu.Unlock()
			var keys []string
			out := make([]outbox.Outcome, len(items))
			for i, it := range items {
				keys = append(keys, it.Key)
				// k-1 fails once, k-5 fails for good; the others land.
				switch {
				case it.Key == "k-1" && !failed[it.Key]:
					failed[it.Key] = true
					out[i].Err = &connector.Error{Class: connector.ClassRetryable, Message: "conflict on " + it.Key}
				case it.Key == "k-5":
					out[i].Err = connector.Permanent("no such alert %s", it.Key)
				case it.Key == "k-2":
					out[i].Err = &outbox.Noted{Note: "already in state"}
				}
			}
			batches = append(batches, keys)
			return out, nil
		}})
	for range 3 {
		if _, err := w.RunOnce(context.Background()); err != nil {
			t.Fatal(err)
		}
		clk.Add(2 * time.Second)
	}
	for _, b := range batches {
		if len(b) > 4 {
			t.Fatalf("bulk call of %d items, over the limit of 4: %v", len(b), batches)
		}
	}
	sent := map[string]int{}
	for _, b := range batches {
		for _, k := range b {
			sent[k]++
		}
	}
	for _, k := range []string{"k-0", "k-2", "k-3", "k-4", "k-6"} {
		if sent[k] != 1 {
			t.Errorf("%s sent %d times, want once: %v", k, sent[k], batches)
		}
	}
	if sent["k-1"] != 2 {
		t.Errorf("k-1 sent %d times, want twice (failed once, retried alone): %v", sent["k-1"], batches)
	}
	if n := len(only(t, st, store.OutboxDone)); n != 6 {
		t.Errorf("done = %d, want 6", n)
	}
	dead := only(t, st, store.OutboxDead)
	if len(dead) != 1 || dead[0].Key != "k-5" || !strings.Contains(dead[0].LastError, "no such alert") {
		t.Errorf("dead = %+v, want k-5 with its own reason", dead)
	}
}

// TestNotedSuccess: a write the vendor did not need is done, its record
// says why, and its After still runs.
func TestNotedSuccess(t *testing.T) {
	t.Parallel()
	st, clk := setup(t)
	enqueue(t, st, clk.Now(), "k1", "alert:1")
	ran := false
	w := outbox.New(outbox.Options{Store: st, Now: clk.Now,
		Deliver: func(context.Context, store.OutboxItem) (outbox.After, error) {
			return nil, &outbox.Noted{Note: "already in state: the target was Resolved; nothing written",
				After: outbox.AfterFunc(func(context.Context, store.Tx) error { ran = true; return nil })}
		}})
	if _, err := w.RunOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	done := only(t, st, store.OutboxDone)
	if len(done) != 1 || done[0].LastError != "already in state: the target was Resolved; nothing written" || !ran {
		t.Fatalf("done = %+v, after ran = %v", done, ran)
	}
}

// TestWaitUsesNoAttempt: an action put off by its deliverer goes back to
// pending, due when it said, its record saying why; however often it
// waits, it never uses up its attempts into the dead letters, and it
// goes when it may.
func TestWaitUsesNoAttempt(t *testing.T) {
	t.Parallel()
	st, clk := setup(t)
	enqueue(t, st, clk.Now(), "k1", "incident:1")
	reg := prometheus.NewRegistry()
	var ready bool
	w := outbox.New(outbox.Options{Store: st, Now: clk.Now, Registerer: reg, MaxAttempts: 2,
		Deliver: func(context.Context, store.OutboxItem) (outbox.After, error) {
			if !ready {
				return nil, &outbox.Wait{Until: clk.Now().Add(3 * time.Second), Reason: "its alert's own write goes first"}
			}
			return nil, nil
		}})
	for range 5 {
		if n, err := w.RunOnce(context.Background()); err != nil || n != 1 {
			t.Fatalf("RunOnce = %d, %v", n, err)
		}
		p := only(t, st, store.OutboxPending)
		if len(p) != 1 || p[0].Attempts != 0 || !p[0].NextAttemptAt.Equal(clk.Now().Add(3*time.Second)) ||
			p[0].LastError != "waiting: its alert's own write goes first" {
			t.Fatalf("after a wait: %+v", p)
		}
		if n, err := w.RunOnce(context.Background()); err != nil || n != 0 {
			t.Fatalf("RunOnce before the wait ended = %d, %v; want nothing claimed", n, err)
		}
		clk.Add(3 * time.Second)
	}
	if got := counterSum(t, reg, "alertsync_outbox_waited_total"); got != 5 {
		t.Errorf("waited metric = %v; want 5", got)
	}
	ready = true
	if n, err := w.RunOnce(context.Background()); err != nil || n != 1 {
		t.Fatalf("RunOnce = %d, %v", n, err)
	}
	if done := only(t, st, store.OutboxDone); len(done) != 1 || done[0].Attempts != 1 {
		t.Fatalf("done = %+v; want the item delivered on its first counted attempt", done)
	}
}
