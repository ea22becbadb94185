package playbook_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/alertsync/alertsync/internal/connector"
	"github.com/alertsync/alertsync/internal/engine"
	"github.com/alertsync/alertsync/internal/model"
	"github.com/alertsync/alertsync/internal/outbox"
	"github.com/alertsync/alertsync/internal/playbook"
	"github.com/alertsync/alertsync/internal/store"
	"github.com/alertsync/alertsync/internal/store/storetest"
)

const toolToken = "tool-token-5d1f0c9a"

// receiver is the external tool: it keeps every request it got.
type receiver struct {
	srv    *httptest.Server
	mu     sync.Mutex
	bodies []map[string]any
	auth   []string
	keys   []string
	status int
}

func newReceiver(t *testing.T) *receiver {
	rc := &receiver{status: http.StatusCreated}
	rc.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		var doc map[string]any
		if err := json.Unmarshal(b, &doc); err != nil {
			t.Errorf("receiver: body is not JSON: %v: %s", err, b)
		}
		rc.mu.Lock()
		rc.bodies = append(rc.bodies, doc)
		rc.auth = append(rc.auth, r.Header.Get("Authorization"))
		rc.keys = append(rc.keys, r.Header.Get("Idempotency-Key"))
		status := rc.status
		rc.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = w.Write([]byte(`{"id":"T-1"}`))
	}))
	t.Cleanup(rc.srv.Close)
	return rc
}

func (rc *receiver) count() int { rc.mu.Lock(); defer rc.mu.Unlock(); return len(rc.bodies) }

type env struct {
	st      *storetest.Both
	eng     *engine.Engine
	runner  *playbook.Runner
	runGets *runGetCounter
	rc      *receiver
}

// setup wires an engine and a runner on SQLite with the seed's playbook
// (edit changes its YAML first) pointed at a local receiver.
func setup(t *testing.T, edit func(string) string) *env {
	t.Helper()
	st := storetest.Default(storetest.OpenSQLite(t))
	e := &env{st: st, rc: newReceiver(t)}
	e.eng = engine.New(engine.Options{Store: st})
	e.eng.AddIntegration(engine.Integration{ID: "edr", Kind: "fake", Policy: engine.DefaultPolicy(), Connector: fakeConnector{}})
	e.runGets = &runGetCounter{Scoped: st}
	e.runner = playbook.New(playbook.Options{Store: e.runGets, Engine: e.eng,
		Secret: func(n string) (string, bool) { return toolToken, n == "external_tool" }})
	src, err := os.ReadFile("testdata/seed.yaml")
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(e.rc.srv.URL)
	yaml := strings.NewReplacer("RECEIVER_URL", e.rc.srv.URL+"/alerts", "RECEIVER_HOST", u.Host).Replace(string(src))
	if edit != nil {
		yaml = edit(yaml)
	}
	d, err := playbook.Parse([]byte(yaml))
	if err != nil {
		t.Fatal(err)
	}
	p, err := e.runner.Compile(d)
	if err != nil {
		t.Fatal(err)
	}
	e.runner.Put(p)
	e.eng.SetTriggers(e.runner)
	e.eng.Handle(playbook.ActionStep, e.runner.Deliver)
	return e
}

type fakeConnector struct{}

func (fakeConnector) Kind() string { return "fake" }

// hostile is a title that breaks naive JSON and HTML templating.
const hostile = `Mimikatz "sekurlsa" in C:\Temp\<x>&y`

func (e *env) ingest(t *testing.T, id string) model.Alert {
	t.Helper()
	raw, _ := json.Marshal(map[string]any{"id": id})
	a := &model.Alert{VendorID: id, Title: hostile, Severity: model.SeverityHigh, Status: model.StatusNew,
		Entities: model.Entities{Hosts: []string{"ws-1"}}}
	if _, err := e.eng.Ingest(t.Context(), "edr", []connector.Item{{VendorID: id, Raw: raw, Alert: a}}); err != nil {
		t.Fatal(err)
	}
	got, err := e.st.AlertGetByVendor(t.Context(), "edr", id)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// deliver runs due outbox items through the engine like the worker;
// crash, when it returns true for an item, drops its outcome as a crash
// between sending and recording would.
func (e *env) deliver(t *testing.T, crash func(store.OutboxItem) bool) {
	t.Helper()
	ctx := context.Background()
	for i := range 20 {
		// Each round claims a second after the last one's lease ended,
		// so an item whose outcome a crash dropped is claimed again
		// however fast the rounds run (on a fast machine two rounds fell
		// within the millisecond lease, and the retry never came).
		now := time.Now().Add(time.Hour + time.Duration(i)*time.Second)
		items, err := e.st.OutboxClaim(ctx, store.OutboxClaimParams{Owner: "t", Now: now, Lease: time.Millisecond, Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		if len(items) == 0 {
			return
		}
		var res []store.OutboxResult
		for _, it := range items {
			rec, err := e.eng.Deliver(ctx, it)
			if crash != nil && crash(it) {
				continue
			}
			state := store.OutboxDone
			var note *outbox.Noted
			switch {
			case errors.As(err, &note):
				rec = note.After
			case err != nil:
				state = store.OutboxPending
			}
			if rec != nil {
				if err := e.st.WithTx(ctx, func(tx store.Tx) error { return rec.Record(ctx, tx) }); err != nil {
					t.Fatal(err)
				}
			}
			res = append(res, store.OutboxResult{ID: it.ID, State: state, Now: time.Now(), NextAttemptAt: time.Now()})
		}
		if err := e.st.OutboxFinish(ctx, "t", res); err != nil {
			t.Fatal(err)
		}
	}
}

func (e *env) runs(t *testing.T) []store.Run {
	t.Helper()
	runs, err := e.st.RunList(t.Context(), store.RunListParams{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	return runs
}

// TestSeedPlaybook: an alert created runs the seed's playbook once: the
// receiver gets the seed's body with the alert's real values, valid JSON
// however hostile the title, the bearer token from the named secret, and
// the run history records each step with the token masked.
func TestSeedPlaybook(t *testing.T) {
	t.Parallel()
	e := setup(t, nil)
	a := e.ingest(t, "A-1")
	e.deliver(t, nil)
	if e.rc.count() != 1 {
		t.Fatalf("receiver got %d requests, want 1", e.rc.count())
	}
	body := e.rc.bodies[0]
	if body["alert_short_id"] != "A-1" || body["rule_name"] != hostile || body["rule_severity"] != "70" || body["description"] != "This is a description" {
		t.Errorf("body = %v", body)
	}
	if e.rc.auth[0] != "Bearer "+toolToken || e.rc.keys[0] == "" {
		t.Errorf("auth %q, idempotency key %q", e.rc.auth[0], e.rc.keys[0])
	}
	runs := e.runs(t)
	if len(runs) != 1 || runs[0].Status != store.RunSucceeded || runs[0].ObjectID != a.ID {
		t.Fatalf("runs = %+v", runs)
	}
	steps, err := e.st.StepList(t.Context(), runs[0].ID)
	if err != nil || len(steps) != 2 || steps[1].Status != store.StepSucceeded {
		t.Fatalf("steps = %+v, %v", steps, err)
	}
	if strings.Contains(string(steps[1].Input), toolToken) || !strings.Contains(string(steps[1].Output), `"status_code":201`) {
		t.Errorf("http step record: input %s output %s", steps[1].Input, steps[1].Output)
	}
	// The same alert seen again starts nothing.
	e.ingest(t, "A-1")
	e.deliver(t, nil)
	if n := len(e.runs(t)); n != 1 || e.rc.count() != 1 {
		t.Errorf("after re-ingest: %d runs, %d requests", n, e.rc.count())
	}
}

// TestRunsRecordedTogether: the finisher records the deliveries of one
// transaction as a group: each run's step records and progress land, the
// runs not over get their next step queued, and those steps then finish
// their runs.
func TestRunsRecordedTogether(t *testing.T) {
	t.Parallel()
	e := setup(t, func(s string) string {
		// A second request to the receiver, at the seed's URL.
		url := regexp.MustCompile(`(?m)^    url: .*$`).FindString(s)
		return s + "  - name: Tell again\n    type: http\n" + url + "\n    json: '{\"again\": \"{{ node.0.alert_uuid }}\"}'\n"
	})
	ctx := t.Context()
	for _, id := range []string{"G-1", "G-2", "G-3"} {
		e.ingest(t, id)
	}
	items, err := e.st.OutboxClaim(ctx, store.OutboxClaimParams{Owner: "t", Now: time.Now(), Lease: time.Minute, Limit: 100})
	if err != nil || len(items) != 3 {
		t.Fatalf("claimed %d items, %v; want 3", len(items), err)
	}
	var group []outbox.After
	for _, it := range items {
		rec, err := e.eng.Deliver(ctx, it)
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := rec.(outbox.Batched); !ok {
			t.Fatalf("a step's record is %T, not an outbox.Batched", rec)
		}
		group = append(group, rec)
	}
	var counted *enqueueCount
	if err := e.st.WithTx(ctx, func(tx store.Tx) error {
		counted = &enqueueCount{Tx: tx}
		return group[0].(outbox.Batched).RecordBatch(ctx, counted, group)
	}); err != nil {
		t.Fatal(err)
	}
	// The runs' next steps were queued together, in one batch.
	if counted.single != 0 || !slices.Equal(counted.batches, []int{3}) {
		t.Errorf("next steps queued one at a time %d times and in batches of %v; want one batch of 3", counted.single, counted.batches)
	}
	res := make([]store.OutboxResult, len(items))
	for i, it := range items {
		res[i] = store.OutboxResult{ID: it.ID, State: store.OutboxDone, Now: time.Now()}
	}
	if err := e.st.OutboxFinish(ctx, "t", res); err != nil {
		t.Fatal(err)
	}
	for _, r := range e.runs(t) {
		steps, err := e.st.StepList(ctx, r.ID)
		if r.Status != store.RunRunning || r.NextStep != 3 || err != nil || len(steps) != 2 || steps[1].Status != store.StepSucceeded {
			t.Fatalf("run %d after the group: %s at step %d, steps %+v (%v); want running at step 3, steps 1 and 2 done",
				r.ID, r.Status, r.NextStep, steps, err)
		}
	}
	e.deliver(t, nil)
	for _, r := range e.runs(t) {
		if r.Status != store.RunSucceeded {
			t.Errorf("run %d ended %s (%s), want succeeded", r.ID, r.Status, r.Error)
		}
	}
	if e.rc.count() != 6 {
		t.Errorf("receiver got %d requests, want 6: two for each of three runs", e.rc.count())
	}
}

// enqueueCount is a transaction that counts how its outbox items are
// queued.
type enqueueCount struct {
	store.Tx
	single  int
	batches []int
}

func (c *enqueueCount) OutboxEnqueue(ctx context.Context, p store.OutboxEnqueueParams) (int64, bool, error) {
	c.single++
	return c.Tx.OutboxEnqueue(ctx, p)
}

func (c *enqueueCount) OutboxEnqueueBatch(ctx context.Context, ps []store.OutboxEnqueueParams) ([]int64, []bool, error) {
	c.batches = append(c.batches, len(ps))
	return c.Tx.OutboxEnqueueBatch(ctx, ps)
}

// TestCrashMidRunSendsOnce: a crash after the request went out and before
// its outcome was recorded leaves the step marked; the delivery that
// resumes the run does not send again (the step is not idempotent) and
// the run ends failed, saying why. An idempotent step is sent again, with
// the same idempotency key.
func TestCrashMidRunSendsOnce(t *testing.T) {
	t.Parallel()
	for _, idempotent := range []bool{false, true} {
		edit := func(s string) string { return s }
		if idempotent {
			edit = func(s string) string { return strings.Replace(s, "    auth:", "    idempotent: true\n    auth:", 1) }
		}
		e := setup(t, edit)
		e.ingest(t, "A-2")
		crashed := false
		e.deliver(t, func(store.OutboxItem) bool {
			if crashed {
				return false
			}
			crashed = true
			return true
		})
		run := e.runs(t)[0]
		switch {
		case !idempotent && (e.rc.count() != 1 || run.Status != store.RunFailed || !strings.Contains(run.Error, "not idempotent")):
			t.Errorf("not idempotent: %d requests, run %s (%s)", e.rc.count(), run.Status, run.Error)
		case idempotent && (e.rc.count() != 2 || run.Status != store.RunSucceeded || e.rc.keys[0] != e.rc.keys[1]):
			t.Errorf("idempotent: %d requests, run %s, keys %v", e.rc.count(), run.Status, e.rc.keys)
		}
	}
}

// TestCrashMidCommentAddsOnce: a comment step whose outcome a crash hid
// runs again (it is keyed by its step) and finds the comment it added:
// the alert has it once, and the run goes on to its next step.
func TestCrashMidCommentAddsOnce(t *testing.T) {
	t.Parallel()
	e := setup(t, func(s string) string {
		return strings.Replace(s, "  - name: Request URL\n", "  - name: Note\n    type: add_comment\n    text: 'sent to the tool: {{ node.1.title }}'\n  - name: Request URL\n", 1)
	})
	a := e.ingest(t, "A-3")
	crashed := false
	e.deliver(t, func(it store.OutboxItem) bool {
		if crashed || it.Action != playbook.ActionStep {
			return false
		}
		crashed = true
		return true
	})
	cs, err := e.st.CommentList(t.Context(), model.KindAlert, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(cs) != 1 || cs[0].Body != "sent to the tool: "+hostile {
		t.Errorf("comments = %+v, want the step's one", cs)
	}
	run := e.runs(t)[0]
	if !crashed || run.Status != store.RunSucceeded || e.rc.count() != 1 {
		t.Errorf("crashed %v, run %s (%s), %d requests", crashed, run.Status, run.Error, e.rc.count())
	}
}

// TestEgressRefused: without the allowlist, the local receiver is
// refused and the run fails saying so; nothing reaches it.
func TestEgressRefused(t *testing.T) {
	t.Parallel()
	e := setup(t, func(s string) string {
		i := strings.Index(s, "allow: [")
		j := strings.Index(s[i:], "\n")
		return s[:i] + s[i+j+1:]
	})
	e.ingest(t, "A-3")
	e.deliver(t, nil)
	run := e.runs(t)[0]
	if e.rc.count() != 0 || run.Status != store.RunFailed || !strings.Contains(run.Error, "loopback") {
		t.Errorf("%d requests, run %s: %s", e.rc.count(), run.Status, run.Error)
	}
}

// TestGroupAndSchedule: a grouping playbook gathers the alerts created
// within its window into one run whose node.0 lists them, sent once the
// window closes; a schedule playbook runs once a slot however often it
// is ticked.
func TestGroupAndSchedule(t *testing.T) {
	t.Parallel()
	e := setup(t, func(s string) string {
		s = strings.Replace(s, "allow: [", "group: {wait: 1h, max: 10}\nallow: [", 1)
		i := strings.Index(s, "    json: ")
		j := strings.Index(s[i:], "\n")
		return s[:i] + `    json: '{"count": {{ node.0.count }}, "first": "{{ node.0.items[0].alert_uuid }}", "rule_name": "{{ node.1.rule.name }}"}'` + s[i+j:]
	})
	for _, id := range []string{"G-1", "G-2", "G-3"} {
		e.ingest(t, id)
	}
	runs := e.runs(t)
	if len(runs) != 1 || runs[0].GroupCount != 3 {
		t.Fatalf("runs = %+v, want one run gathering 3 alerts", runs)
	}
	e.deliver(t, nil) // the deliver helper claims an hour ahead: the window has closed
	if e.rc.count() != 1 || e.rc.bodies[0]["count"] != float64(3) || e.rc.bodies[0]["first"] != "G-1" {
		t.Fatalf("receiver got %d requests: %v; run %+v", e.rc.count(), e.rc.bodies, e.runs(t)[0])
	}

	s := setup(t, func(s string) string {
		s = strings.Replace(s, "type: alert_created", "type: schedule\n  every: 1h", 1)
		s = strings.Replace(s, "  - name: Get Alert\n    type: get_alert\n", "", 1)
		return strings.Replace(s, `"rule_name":"{{ node.1[''rule''][''name''] }}","rule_severity":"{{ node.1[''rule''][''severity''] }}",`, "", 1)
	})
	for range 3 {
		if err := s.runner.Tick(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	if runs := s.runs(t); len(runs) != 1 || runs[0].Trigger != "schedule" {
		t.Errorf("scheduled runs = %+v, want one for the slot", runs)
	}
}

// TestStepsAdoptedByLocalWorker: with the process's outbox worker set as
// the runner's local worker, each run's steps are stored leased to it and
// handed over on commit: every run succeeds, the receiver gets one request
// per alert, each step item went out on its first attempt, and no claim
// ever returned one.
func TestStepsAdoptedByLocalWorker(t *testing.T) {
	t.Parallel()
	e := setup(t, nil)
	cs := &claimCounter{Store: e.st}
	w := outbox.New(outbox.Options{Store: cs, Deliver: e.eng.Deliver, Lease: time.Hour,
		LaneConcurrency: e.runner.LaneConcurrency})
	e.runner.SetLocal(w)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = w.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	for deadline := time.Now().Add(10 * time.Second); !w.Adoptable(store.Lane{Tenant: store.DefaultTenant, Integration: "playbook:seed-sync-alerts"}); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the worker never became ready to adopt")
		}
	}
	const n = 20
	for i := range n {
		e.ingest(t, fmt.Sprintf("L-%d", i))
	}
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		runs := e.runs(t)
		finished := 0
		for _, r := range runs {
			if r.Status != store.RunRunning {
				finished++
			}
		}
		if len(runs) == n && finished == n {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("runs not finished in time: %d of %d", finished, len(runs))
		}
	}
	for _, r := range e.runs(t) {
		if r.Status != store.RunSucceeded {
			t.Errorf("run %d: %s (%s)", r.ID, r.Status, r.Error)
		}
	}
	if e.rc.count() != n {
		t.Errorf("receiver got %d requests, want %d", e.rc.count(), n)
	}
	items, err := e.st.OutboxList(t.Context(), store.OutboxListParams{State: store.OutboxDone, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	steps := 0
	for _, it := range items {
		if it.Action != playbook.ActionStep {
			continue
		}
		steps++
		if it.Attempts != 1 {
			t.Errorf("step item %d took %d attempts", it.ID, it.Attempts)
		}
	}
	if steps != n {
		t.Errorf("%d step items done, want %d", steps, n)
	}
	if c := cs.steps.Load(); c != 0 {
		t.Errorf("claims returned %d step items; adopted ones need none", c)
	}
	// Each run's step was handed over with its run as committed.
	if c := e.runGets.n.Load(); c != 0 {
		t.Errorf("deliveries read %d runs back from the store; handed steps carry theirs", c)
	}
}

// runGetCounter counts the runs the runner reads from the store.
type runGetCounter struct {
	store.Scoped
	n atomic.Int64
}

func (c *runGetCounter) RunGet(ctx context.Context, id int64) (store.Run, error) {
	c.n.Add(1)
	return c.Scoped.RunGet(ctx, id)
}

// claimCounter counts the playbook step items claims return.
type claimCounter struct {
	store.Store
	steps atomic.Int64
}

func (c *claimCounter) OutboxClaim(ctx context.Context, p store.OutboxClaimParams) ([]store.OutboxItem, error) {
	items, err := c.Store.OutboxClaim(ctx, p)
	for _, it := range items {
		if it.Action == playbook.ActionStep {
			c.steps.Add(1)
		}
	}
	return items, err
}

// TestOnRetryReopensTheRunItsDeadStepFailed: an operator's retry of a
// dead step reopens the run only where the dead letter left it: failed
// at that very step. A run that succeeded, failed at another step, or a
// retried item of another action is left alone.
func TestOnRetryReopensTheRunItsDeadStepFailed(t *testing.T) {
	e := setup(t, nil)
	e.ingest(t, "ldt:retry")
	runs := e.runs(t)
	if len(runs) != 1 {
		t.Fatalf("runs = %+v", runs)
	}
	failedAt := time.Now().UTC().Truncate(time.Millisecond)
	tests := []struct {
		name         string
		status       string
		next, step   int
		action       string
		wantReopened bool
	}{
		{"failed at the retried step", store.RunFailed, 1, 1, playbook.ActionStep, true},
		{"failed at a later step", store.RunFailed, 2, 1, playbook.ActionStep, false},
		{"succeeded", store.RunSucceeded, 1, 1, playbook.ActionStep, false},
		{"another action", store.RunFailed, 1, 1, "set_state", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := t.Context()
			run := runs[0]
			run.Status, run.NextStep, run.Error, run.FinishedAt = tt.status, tt.next, "step 1 dead-lettered: 503", failedAt
			payload, _ := json.Marshal(map[string]int64{"run_id": run.ID, "step": int64(tt.step)})
			item := store.OutboxItem{Action: tt.action, Payload: payload}
			err := e.st.WithTx(ctx, func(tx store.Tx) error {
				if err := tx.RunUpdate(ctx, run); err != nil {
					return err
				}
				return e.runner.OnRetry(ctx, tx, item)
			})
			if err != nil {
				t.Fatal(err)
			}
			got, err := e.st.RunGet(ctx, run.ID)
			if err != nil {
				t.Fatal(err)
			}
			reopened := got.Status == store.RunRunning && got.Error == "" && got.FinishedAt.IsZero() && got.NextStep == tt.next
			unchanged := got.Status == tt.status && got.Error == run.Error && got.FinishedAt.Equal(failedAt)
			if tt.wantReopened && !reopened || !tt.wantReopened && !unchanged {
				t.Errorf("run after the retry = %s at step %d, error %q, finished %v; want reopened %v", got.Status, got.NextStep, got.Error, got.FinishedAt, tt.wantReopened)
			}
		})
	}
}
