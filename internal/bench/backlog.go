package bench

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"

	"github.com/alertsync/alertsync/internal/connector"
	"github.com/alertsync/alertsync/internal/engine"
	"github.com/alertsync/alertsync/internal/model"
	"github.com/alertsync/alertsync/internal/outbox"
	"github.com/alertsync/alertsync/internal/store"
)

// Backlog is the figure of the backlog case: how long an analyst's verdict
// takes to reach its vendor while one integration has a large backlog of
// automatic comments and its vendor throttles (429 with Retry-After).
// SameVendor is a verdict on the throttled integration, OtherVendor one on
// another integration, given at the same moment.
type Backlog struct {
	Pending     int       `json:"pending_automatic_comments"`
	Samples     int       `json:"samples"`
	SameVendor  Latencies `json:"same_vendor"`
	OtherVendor Latencies `json:"other_vendor"`
	// Throttled counts the 429s the throttled vendor answered meanwhile.
	Throttled int64 `json:"throttled_answers"`
	// CommentsQueued is how many comments ingesting IngestedAlerts alerts
	// (sharing hosts and users, so correlation finds related alerts) and
	// running the first validation passes queued, with comment sync on:
	// under the default policy, and with auto-validate on at its default
	// cap.
	IngestedAlerts int            `json:"ingested_alerts"`
	CommentsQueued map[string]int `json:"comments_queued"`
}

// Latencies are milliseconds from a verdict's commit to its state write
// being recorded as delivered.
type Latencies struct {
	P50 float64 `json:"p50"`
	P99 float64 `json:"p99"`
	Max float64 `json:"max"`
}

// vendorBudget is the throttled vendor's quota: Graph security's 150
// requests a minute, with a burst of 5.
const vendorBudget = 150

func measureBacklog(ctx context.Context, st store.Store, o Options) (Backlog, error) {
	res := Backlog{Pending: o.Backlog, Samples: o.BacklogSamples}
	slow, fast := newThrottledReceiver(vendorBudget), newReceiver()
	defer slow.Close()
	defer fast.Close()
	sc := st.Scope(store.DefaultTenant)
	eng := engine.New(engine.Options{Store: sc, Logger: o.Logger})
	policy := engine.DefaultPolicy()
	policy.CommentSync = true
	var err error
	for id, url := range map[string]string{"throttled": slow.URL, "other": fast.URL} {
		c, err := connector.Build("httpintake", connector.Deps{ID: id, Logger: o.Logger, HTTP: http.DefaultClient},
			map[string]any{"intake_key": "bench-intake-key-0123456789", "writeback_url": url})
		if err != nil {
			return res, fmt.Errorf("build bench connector: %w", err)
		}
		eng.AddIntegration(engine.Integration{ID: id, Kind: "httpintake", Policy: policy, Connector: c})
	}
	if res.CommentsQueued, err = commentsQueuedByIngest(ctx, eng, o.Backlog); err != nil {
		return res, err
	}
	res.IngestedAlerts = o.Backlog
	alerts, err := backlogAlerts(ctx, eng, o.BacklogSamples)
	if err != nil {
		return res, err
	}
	if err := enqueueBacklog(ctx, sc, o.Backlog); err != nil {
		return res, err
	}
	done := newDoneSet()
	w := outbox.New(outbox.Options{Store: st, Deliver: eng.Deliver, Logger: o.Logger, IdleWait: 50 * time.Millisecond, Finished: done.note})
	wctx, stop := context.WithCancel(ctx)
	defer stop()
	go func() { _ = w.Run(wctx) }()
	var same, other []float64
	for i := range o.BacklogSamples {
		s, ot, err := verdictRound(ctx, eng, sc, done, alerts["throttled"][i], alerts["other"][i])
		if err != nil {
			return res, err
		}
		same, other = append(same, s), append(other, ot)
	}
	res.SameVendor, res.OtherVendor = latencies(same), latencies(other)
	res.Throttled = slow.throttled.Load()
	return res, nil
}

// commentsQueuedByIngest ingests n alerts into an integration with comment
// sync on, under the default policy and then with auto-validate on, runs
// the due passes and counts the comments each queued.
func commentsQueuedByIngest(ctx context.Context, eng *engine.Engine, n int) (map[string]int, error) {
	sink := newReceiver()
	defer sink.Close()
	out := map[string]int{"default_policy": 0, "auto_validate": 0}
	for _, name := range []string{"default_policy", "auto_validate"} {
		pol := engine.DefaultPolicy()
		pol.CommentSync = true
		pol.AutoValidate.Enabled = name == "auto_validate"
		c, err := connector.Build("httpintake", connector.Deps{ID: name, HTTP: http.DefaultClient},
			map[string]any{"intake_key": "bench-intake-key-0123456789", "writeback_url": sink.URL})
		if err != nil {
			return nil, err
		}
		eng.AddIntegration(engine.Integration{ID: name, Kind: "httpintake", Policy: pol, Connector: c})
		if _, err := eng.Ingest(ctx, name, makeItems(n)); err != nil {
			return nil, err
		}
		if _, err := eng.RunDuePasses(ctx); err != nil {
			return nil, err
		}
		items, err := eng.Store().OutboxList(ctx, store.OutboxListParams{Integration: name, Limit: 1000})
		if err != nil {
			return nil, err
		}
		for _, it := range items {
			if it.Action == engine.ActionAddComment && it.State == store.OutboxPending {
				out[name]++
			}
		}
		// Nothing of this integration may reach the backlog case's worker.
		if err := skipAll(ctx, eng.Store(), items); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func skipAll(ctx context.Context, st store.Scoped, items []store.OutboxItem) error {
	return st.WithTx(ctx, func(tx store.Tx) error {
		for _, it := range items {
			if err := tx.OutboxSkip(ctx, it.Key, "skipped: counted by the bench only", time.Now()); err != nil {
				return err
			}
		}
		return nil
	})
}

// backlogAlerts ingests n alerts in each integration for the verdicts.
func backlogAlerts(ctx context.Context, eng *engine.Engine, n int) (map[string][]int64, error) {
	out := map[string][]int64{}
	for _, id := range []string{"throttled", "other"} {
		items := makeItems(n)
		if _, err := eng.Ingest(ctx, id, items); err != nil {
			return nil, err
		}
		for _, it := range items {
			a, err := eng.Store().AlertGetByVendor(ctx, id, it.VendorID)
			if err != nil {
				return nil, err
			}
			out[id] = append(out[id], a.ID)
		}
	}
	return out, nil
}

// enqueueBacklog queues n automatic comments on distinct alerts of the
// throttled integration, as validation passes would.
func enqueueBacklog(ctx context.Context, st store.Scoped, n int) error {
	for start := 0; start < n; start += 1000 {
		err := st.WithTx(ctx, func(tx store.Tx) error {
			for i := start; i < min(start+1000, n); i++ {
				vid := fmt.Sprintf("backlog-%07d", i)
				key := "throttled/alert/" + vid + "/pass/1"
				payload, _ := json.Marshal(connector.CommentAction{Kind: model.KindAlert, VendorID: vid,
					Body: "alertsync is validating this alert", IdempotencyKey: key, Origin: connector.OriginValidation})
				if _, _, err := tx.OutboxEnqueue(ctx, store.OutboxEnqueueParams{Key: key, Integration: "throttled",
					ObjectRef: "alert:" + vid, Action: engine.ActionAddComment, Payload: payload, Now: time.Now(),
					Priority: store.PriorityAutomatic}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("enqueue backlog: %w", err)
		}
	}
	return nil
}

// verdictRound gives one verdict on each integration at once and returns
// the milliseconds until each one's state write was recorded delivered.
func verdictRound(ctx context.Context, eng *engine.Engine, st store.Scoped, done *doneSet, same, other int64) (float64, float64, error) {
	start := time.Now()
	ids := make([]int64, 2)
	for i, id := range []int64{same, other} {
		if _, err := eng.SetAlertVerdict(ctx, engine.VerdictParams{ID: id, Verdict: model.VerdictNotAThreat,
			Actor: model.Actor{Kind: model.ActorAnalyst, Name: "bench"}}); err != nil {
			return 0, 0, err
		}
		items, err := st.OutboxList(ctx, store.OutboxListParams{OriginKind: model.KindAlert, OriginID: id, Limit: 10})
		if err != nil {
			return 0, 0, fmt.Errorf("find the verdict's state write: %w", err)
		}
		if len(items) == 0 {
			return 0, 0, errors.New("find the verdict's state write: none queued")
		}
		ids[i] = items[0].ID
	}
	var out [2]float64
	for i, id := range ids {
		at, err := done.wait(ctx, id, 5*time.Minute)
		if err != nil {
			return 0, 0, err
		}
		out[i] = float64(at.Sub(start).Microseconds()) / 1000
	}
	return out[0], out[1], nil
}

func latencies(ms []float64) Latencies {
	s := slices.Clone(ms)
	slices.Sort(s)
	at := func(q float64) float64 { return s[min(len(s)-1, int(q*float64(len(s))))] }
	return Latencies{P50: at(0.5), P99: at(0.99), Max: s[len(s)-1]}
}

// doneSet remembers when each outbox item was recorded done.
type doneSet struct {
	mu   sync.Mutex
	at   map[int64]time.Time
	tick chan struct{}
}

func newDoneSet() *doneSet { return &doneSet{at: map[int64]time.Time{}, tick: make(chan struct{}, 1)} }

func (d *doneSet) note(results []store.OutboxResult) {
	now := time.Now()
	d.mu.Lock()
	for _, r := range results {
		if r.State == store.OutboxDone {
			d.at[r.ID] = now
		}
	}
	d.mu.Unlock()
	select {
	case d.tick <- struct{}{}:
	default:
	}
}

func (d *doneSet) wait(ctx context.Context, id int64, limit time.Duration) (time.Time, error) {
	deadline := time.After(limit)
	for {
		d.mu.Lock()
		at, ok := d.at[id]
		d.mu.Unlock()
		if ok {
			return at, nil
		}
		select {
		case <-d.tick:
		case <-ctx.Done():
			return time.Time{}, ctx.Err()
		case <-deadline:
			return time.Time{}, fmt.Errorf("outbox item %d not delivered within %v", id, limit)
		}
	}
}

// throttledReceiver is a vendor that allows perMinute requests a minute
// (burst 5) and answers the rest 429 with Retry-After: 1.
type throttledReceiver struct {
	*httptest.Server
	throttled atomic.Int64
}

func newThrottledReceiver(perMinute int) *throttledReceiver {
	r := &throttledReceiver{}
	lim := rate.NewLimiter(rate.Every(time.Minute/time.Duration(perMinute)), 5)
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		_, _ = io.Copy(io.Discard, req.Body)
		if !lim.Allow() {
			r.throttled.Add(1)
			w.Header().Set("Retry-After", "1")
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusTooManyRequests)
			_, _ = io.WriteString(w, `{"error":{"code":"TooManyRequests","message":"Please retry again later."}}`)
			return
		}
		w.WriteHeader(http.StatusOK)
	}))
	return r
}
