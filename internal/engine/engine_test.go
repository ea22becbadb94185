package engine_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
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
	"github.com/alertsync/alertsync/internal/store"
	"github.com/alertsync/alertsync/internal/store/storetest"
	"github.com/jackc/pgx/v5/pgconn"
)

// clock is a fake clock tests move by hand.
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

// fakeVendor is a connector with state and comment sync that records what
// it was asked to write, standing in for a vendor in engine tests.
type fakeVendor struct {
	// already makes SetState report the target was already in the state.
	already  bool
	mu       sync.Mutex
	states   []connector.StateChange
	comments []connector.CommentAction
}

func (f *fakeVendor) Kind() string { return "fake" }
func (f *fakeVendor) SetState(_ context.Context, ch connector.StateChange) (connector.RemoteState, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.states = append(f.states, ch)
	return connector.RemoteState{RemoteStatus: remoteStatus(ch.Status), Unchanged: f.already}, nil
}
func (f *fakeVendor) AddComment(_ context.Context, c connector.CommentAction) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.comments = append(f.comments, c)
	return nil
}

func remoteStatus(s model.Status) string {
	switch s {
	case model.StatusResolved:
		return "Resolved"
	case model.StatusInProgress:
		return "InProgress"
	}
	return "New"
}

type harness struct {
	st     *storetest.Both
	eng    *engine.Engine
	clk    *clock
	vendor *fakeVendor
}

// validating is pol with auto-validation on for every open alert.
func validating(pol engine.Policy) engine.Policy {
	pol.AutoValidate.Enabled = true
	return pol
}

func setup(t *testing.T, pol engine.Policy) *harness {
	t.Helper()
	return setupOn(t, storetest.Default(storetest.OpenSQLite(t)), pol)
}

// setupOn is setup on a given store, for tests that run on both.
func setupOn(t *testing.T, st *storetest.Both, pol engine.Policy) *harness {
	t.Helper()
	clk := &clock{now: time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)}
	h := &harness{st: st, clk: clk, vendor: &fakeVendor{}}
	h.eng = engine.New(engine.Options{Store: st, Now: clk.Now})
	h.eng.AddIntegration(engine.Integration{ID: "edr", Kind: "fake", Policy: pol, Connector: h.vendor})
	return h
}

// onBothStores runs fn once per store, each on a fresh one.
func onBothStores(t *testing.T, fn func(t *testing.T, st *storetest.Both)) {
	for _, s := range storetest.Stores {
		t.Run(s.Name, func(t *testing.T) {
			t.Parallel()
			fn(t, storetest.Default(s.Open(t)))
		})
	}
}

func vendorAlert(id, status string, hosts ...string) connector.Item {
	a := &model.Alert{
		VendorID: id, Title: "Suspicious PowerShell " + id, Severity: model.SeverityHigh,
		Status: canonical(status), RemoteStatus: status,
		UpdatedAt: time.Date(2026, 11, 1, 8, 0, 0, 0, time.UTC),
		Entities:  model.Entities{Hosts: hosts},
	}
	raw, _ := json.Marshal(map[string]any{"id": id, "status": status, "hosts": hosts})
	return connector.Item{VendorID: id, Raw: raw, Alert: a}
}

func canonical(s string) model.Status {
	switch s {
	case "Resolved":
		return model.StatusResolved
	case "InProgress":
		return model.StatusInProgress
	}
	return model.StatusNew
}

// deliverAll runs every due outbox action through the engine, like the
// worker does, and returns how many were delivered.
func (h *harness) deliverAll(t *testing.T) int {
	t.Helper()
	ctx := context.Background()
	n := 0
	for {
		items, err := h.st.OutboxClaim(ctx, store.OutboxClaimParams{Owner: "t", Now: h.clk.Now(), Lease: time.Minute, Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		if len(items) == 0 {
			return n
		}
		var res []store.OutboxResult
		waits := 0
		for _, it := range items {
			rec, err := h.eng.Deliver(ctx, it)
			var note *outbox.Noted
			if errors.As(err, &note) {
				rec, err = note.After, nil
			}
			// A write that must follow another goes back to pending, due
			// at once: the next round delivers it after what it waited for.
			var wait *outbox.Wait
			if errors.As(err, &wait) {
				waits++
				res = append(res, store.OutboxResult{ID: it.ID, State: store.OutboxPending, Now: h.clk.Now(),
					NextAttemptAt: h.clk.Now(), Unattempted: true, Error: wait.Error()})
				continue
			}
			if err != nil {
				t.Fatalf("deliver %s: %v", it.Action, err)
			}
			if rec != nil {
				if err := h.st.WithTx(ctx, func(tx store.Tx) error { return rec.Record(ctx, tx) }); err != nil {
					t.Fatal(err)
				}
			}
			res = append(res, store.OutboxResult{ID: it.ID, State: store.OutboxDone, Now: h.clk.Now()})
		}
		if err := h.st.OutboxFinish(ctx, "t", res); err != nil {
			t.Fatal(err)
		}
		if waits == len(items) {
			t.Fatalf("every due action waits for another: %s", res[0].Error)
		}
		n += len(items) - waits
	}
}

func (h *harness) pending(t *testing.T) []store.OutboxItem {
	t.Helper()
	items, err := h.st.OutboxList(context.Background(), store.OutboxListParams{State: store.OutboxPending, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	return items
}

func (h *harness) revisions(t *testing.T, id int64) []model.Revision {
	t.Helper()
	revs, err := h.st.RevisionList(context.Background(), store.RevisionListParams{Kind: model.KindAlert, ObjectID: id, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	return revs
}

func (h *harness) alert(t *testing.T, vendorID string, integration ...string) model.Alert {
	t.Helper()
	integ := "edr"
	if len(integration) > 0 {
		integ, vendorID = vendorID, integration[0]
	}
	a, err := h.st.AlertGetByVendor(context.Background(), integ, vendorID)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func mustIngest(t *testing.T, h *harness, items ...connector.Item) engine.IngestResult {
	t.Helper()
	res, err := h.eng.Ingest(context.Background(), "edr", items)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func analyst(name string) model.Actor { return model.Actor{Kind: model.ActorAnalyst, Name: name} }

func TestIngestDedupeAndRevisions(t *testing.T) {
	t.Parallel()
	h := setup(t, engine.DefaultPolicy())
	if res := mustIngest(t, h, vendorAlert("a1", "New", "ws-01")); res.Created != 1 {
		t.Fatalf("first ingest = %+v", res)
	}
	if res := mustIngest(t, h, vendorAlert("a1", "New", "ws-01")); res.Unchanged != 1 || res.Updated != 0 {
		t.Fatalf("identical re-delivery = %+v", res)
	}
	a := h.alert(t, "a1")
	if got := len(h.revisions(t, a.ID)); got != 1 {
		t.Fatalf("revisions after re-delivery = %d, want 1", got)
	}
	changed := vendorAlert("a1", "New", "ws-01", "ws-02")
	changed.Alert.UpdatedAt = changed.Alert.UpdatedAt.Add(time.Minute)
	if res := mustIngest(t, h, changed); res.Updated != 1 {
		t.Fatalf("real change = %+v", res)
	}
	revs := h.revisions(t, a.ID)
	if len(revs) != 2 || revs[1].Actor.Kind != model.ActorRemote || revs[1].Changes[0] != "entities" {
		t.Fatalf("revisions = %+v", revs)
	}
}

func TestIngestQuarantinesUnmappable(t *testing.T) {
	t.Parallel()
	h := setup(t, engine.DefaultPolicy())
	bad := connector.Item{VendorID: "x9", Raw: json.RawMessage(`{"id":"x9","severity":"weird"}`), Err: fmt.Errorf("unknown severity %q", "weird")}
	res := mustIngest(t, h, vendorAlert("a1", "New"), bad)
	if res.Created != 1 || res.Quarantined != 1 {
		t.Fatalf("ingest = %+v", res)
	}
	q, err := h.st.QuarantineList(context.Background(), store.QuarantineListParams{Limit: 10})
	if err != nil || len(q) != 1 {
		t.Fatalf("quarantine = %v, %v", q, err)
	}
	if string(q[0].Payload) != `{"id":"x9","severity":"weird"}` || q[0].Reason != `unknown severity "weird"` {
		t.Fatalf("quarantined = %+v", q[0])
	}
}

func TestPolicyDefaults(t *testing.T) {
	t.Parallel()
	p := engine.DefaultPolicy()
	if p.CommentSync || !p.CloseOnNotAThreat || p.CloseOnSuspicious || !p.CloseOnPublishedThreat {
		t.Fatalf("DefaultPolicy = %+v", p)
	}
	tests := []struct {
		name      string
		verdict   model.Verdict
		published bool
		pol       engine.Policy
		want      model.Status
		close     bool
	}{
		{"not a threat closes", model.VerdictNotAThreat, false, p, model.StatusResolved, true},
		{"suspicious stays open", model.VerdictSuspicious, false, p, model.StatusInProgress, false},
		{"highly suspicious stays open", model.VerdictHighlySuspicious, false, p, model.StatusInProgress, false},
		{"unpublished threat counts as suspicious", model.VerdictThreat, false, p, model.StatusInProgress, false},
		{"published threat closes", model.VerdictThreat, true, p, model.StatusResolved, true},
		{"suspicious closes when enabled", model.VerdictSuspicious, false, engine.Policy{CloseOnSuspicious: true}, model.StatusResolved, true},
		{"not a threat open when disabled", model.VerdictNotAThreat, false, engine.Policy{}, "", false},
		{"published threat open when disabled", model.VerdictThreat, true, engine.Policy{}, model.StatusInProgress, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := tt.pol.Decide(tt.verdict, tt.published)
			if d.Status != tt.want || d.Close != tt.close {
				t.Fatalf("Decide = %+v, want status %q close %v", d, tt.want, tt.close)
			}
			if d.Text == "" || d.Text[:len("Validated by alertsync")] != "Validated by alertsync" {
				t.Fatalf("text %q does not say alertsync did it", d.Text)
			}
		})
	}
}

func TestVerdictDefaultPolicyEnqueuesCloseWithoutComment(t *testing.T) {
	t.Parallel()
	h := setup(t, engine.DefaultPolicy())
	mustIngest(t, h, vendorAlert("a1", "New"))
	a := h.alert(t, "a1")
	if _, err := h.eng.SetAlertVerdict(context.Background(), engine.VerdictParams{
		ID: a.ID, Verdict: model.VerdictNotAThreat, Reason: "admin script", Actor: analyst("kim"),
	}); err != nil {
		t.Fatal(err)
	}
	items := h.pending(t)
	if len(items) != 1 || items[0].Action != engine.ActionSetState {
		t.Fatalf("outbox = %+v, want one set_state (comment sync is off by default)", items)
	}
	h.deliverAll(t)
	ch := h.vendor.states[0]
	if ch.Status != model.StatusResolved || ch.Verdict != model.VerdictNotAThreat {
		t.Fatalf("state written = %+v", ch)
	}
	want := "Validated by alertsync: not a threat — all reviewed activity was non-threatening."
	if len(ch.Reason) < len(want) || ch.Reason[:len(want)] != want {
		t.Fatalf("reason %q does not identify alertsync", ch.Reason)
	}
}

func TestEchoSuppression(t *testing.T) {
	t.Parallel()
	h := setup(t, engine.DefaultPolicy())
	ctx := context.Background()
	mustIngest(t, h, vendorAlert("a1", "New"))
	a := h.alert(t, "a1")
	if _, err := h.eng.SetAlertVerdict(ctx, engine.VerdictParams{ID: a.ID, Verdict: model.VerdictNotAThreat, Actor: analyst("kim")}); err != nil {
		t.Fatal(err)
	}
	if n := h.deliverAll(t); n != 1 {
		t.Fatalf("delivered %d, want 1", n)
	}
	before := len(h.revisions(t, a.ID))

	// The next poll brings back exactly what we wrote, with the vendor's
	// own timestamp bumped by our write.
	h.clk.Add(time.Minute)
	echo := vendorAlert("a1", "Resolved")
	echo.Alert.UpdatedAt = echo.Alert.UpdatedAt.Add(time.Hour)
	res := mustIngest(t, h, echo)
	if res.Updated != 0 {
		t.Fatalf("echo ingest = %+v, want no update", res)
	}
	if got := len(h.revisions(t, a.ID)); got != before {
		t.Fatalf("revisions %d -> %d after our own echo", before, got)
	}
	if p := h.pending(t); len(p) != 0 {
		t.Fatalf("echo caused outbound actions: %+v", p)
	}

	// A genuine change at the source afterwards is still taken.
	reopen := vendorAlert("a1", "New")
	reopen.Alert.UpdatedAt = echo.Alert.UpdatedAt.Add(time.Hour)
	if res := mustIngest(t, h, reopen); res.Updated != 1 {
		t.Fatalf("genuine change = %+v", res)
	}
	revs := h.revisions(t, a.ID)
	last := revs[len(revs)-1]
	if len(revs) != before+1 || last.Actor.Kind != model.ActorRemote {
		t.Fatalf("revisions = %d (last %+v), want %d with a remote actor", len(revs), last.Actor, before+1)
	}
	if got := h.alert(t, "a1"); got.Status != model.StatusNew {
		t.Fatalf("status after reopen = %s", got.Status)
	}
	if p := h.pending(t); len(p) != 0 {
		t.Fatalf("remote change caused outbound actions: %+v", p)
	}
}

func TestEchoBeforeDeliveryIsRecorded(t *testing.T) {
	t.Parallel()
	// The vendor applied our write but we crashed before recording it: the
	// ledger entry written at enqueue time still recognises the echo.
	h := setup(t, engine.DefaultPolicy())
	ctx := context.Background()
	mustIngest(t, h, vendorAlert("a1", "New"))
	a := h.alert(t, "a1")
	if _, err := h.eng.SetAlertVerdict(ctx, engine.VerdictParams{ID: a.ID, Verdict: model.VerdictNotAThreat, Actor: analyst("kim")}); err != nil {
		t.Fatal(err)
	}
	before := len(h.revisions(t, a.ID))
	echo := vendorAlert("a1", "Resolved")
	echo.Alert.UpdatedAt = echo.Alert.UpdatedAt.Add(time.Hour)
	if res := mustIngest(t, h, echo); res.Echoes != 1 {
		t.Fatalf("ingest = %+v, want one echo", res)
	}
	if got := len(h.revisions(t, a.ID)); got != before {
		t.Fatalf("echo wrote a revision")
	}
}

// With comment_each_pass (the seed's policy) every pass comments.
func TestValidationPassSchedule(t *testing.T) {
	t.Parallel()
	pol := validating(engine.DefaultPolicy())
	pol.CommentSync, pol.CommentEachPass = true, true
	h := setup(t, pol)
	ctx := context.Background()
	mustIngest(t, h, vendorAlert("a1", "New"))
	start := h.clk.Now()
	run := func() int {
		n, err := h.eng.RunDuePasses(ctx)
		if err != nil {
			t.Fatal(err)
		}
		h.deliverAll(t)
		return n
	}
	if n := run(); n != 1 {
		t.Fatalf("passes at start = %d, want 1", n)
	}
	h.clk.Add(29 * time.Minute)
	if n := run(); n != 0 {
		t.Fatalf("passes after 29m = %d, want 0", n)
	}
	h.clk.Add(time.Minute)
	if n := run(); n != 1 {
		t.Fatalf("passes after 30m = %d, want 1", n)
	}
	total := 2
	for h.clk.Now().Before(start.Add(50 * time.Hour)) {
		h.clk.Add(30 * time.Minute)
		total += run()
	}
	if total != h.eng.PassesPerValidation() || total != 96 {
		t.Fatalf("passes over the window = %d, want 96 (every 30 min for 2 days)", total)
	}
	if len(h.vendor.comments) != 96 {
		t.Fatalf("pass comments = %d, want one per pass", len(h.vendor.comments))
	}
	if c := h.vendor.comments[0].Body; !strings.HasPrefix(c, "alertsync is validating") {
		t.Fatalf("pass comment %q does not identify alertsync", c)
	}
	if c := h.vendor.comments[95].Body; !strings.HasPrefix(c, "alertsync finished validating") {
		t.Fatalf("last pass comment %q does not say validation ended", c)
	}
}

// By default a pass comments only when it found something new, and at the
// last pass: 96 passes over an alert give two comments here.
func TestValidationCommentsOnlyOnNews(t *testing.T) {
	t.Parallel()
	pol := validating(engine.DefaultPolicy())
	pol.CommentSync = true
	h := setup(t, pol)
	ctx := context.Background()
	mustIngest(t, h, vendorAlert("a1", "New", "ws-07"))
	start := h.clk.Now()
	for h.clk.Now().Before(start.Add(50 * time.Hour)) {
		if h.clk.Now().Equal(start.Add(3 * time.Hour)) {
			mustIngest(t, h, vendorAlert("a2", "New", "WS-07"))
		}
		if _, err := h.eng.RunDuePasses(ctx); err != nil {
			t.Fatal(err)
		}
		h.deliverAll(t)
		h.clk.Add(30 * time.Minute)
	}
	var onA1 []string
	for _, c := range h.vendor.comments {
		if c.VendorID == "a1" {
			onA1 = append(onA1, c.Body)
		}
	}
	if len(onA1) != 2 || !strings.Contains(onA1[0], "found 1 new related alert") || !strings.HasPrefix(onA1[1], "alertsync finished validating") {
		t.Fatalf("comments on a1 = %q; want one when a2 showed up and one at the end", onA1)
	}
}

func TestValidationStopsOnVerdictAndNoCommentsWhenOff(t *testing.T) {
	t.Parallel()
	h := setup(t, validating(engine.DefaultPolicy()))
	ctx := context.Background()
	mustIngest(t, h, vendorAlert("a1", "New"))
	if n, _ := h.eng.RunDuePasses(ctx); n != 1 {
		t.Fatalf("first pass = %d", n)
	}
	a := h.alert(t, "a1")
	if _, err := h.eng.SetAlertVerdict(ctx, engine.VerdictParams{ID: a.ID, Verdict: model.VerdictSuspicious, Actor: analyst("kim")}); err != nil {
		t.Fatal(err)
	}
	h.clk.Add(time.Hour)
	if n, _ := h.eng.RunDuePasses(ctx); n != 0 {
		t.Fatalf("passes after verdict = %d, want 0", n)
	}
	h.deliverAll(t)
	if len(h.vendor.comments) != 0 {
		t.Fatalf("comments with comment sync off: %+v", h.vendor.comments)
	}
	if len(h.vendor.states) != 1 || h.vendor.states[0].Status != model.StatusInProgress {
		t.Fatalf("suspicious should be kept open as in progress: %+v", h.vendor.states)
	}
}

func TestCorrelationAndIncidentFanOut(t *testing.T) {
	t.Parallel()
	h := setup(t, validating(engine.DefaultPolicy()))
	other := &fakeVendor{}
	h.eng.AddIntegration(engine.Integration{ID: "xdr", Kind: "fake", Policy: engine.DefaultPolicy(), Connector: other})
	ctx := context.Background()
	mustIngest(t, h, vendorAlert("a1", "New", "WS-01"))
	if _, err := h.eng.Ingest(ctx, "xdr", []connector.Item{vendorAlert("b1", "New", "ws-01")}); err != nil {
		t.Fatal(err)
	}
	if _, err := h.eng.RunDuePasses(ctx); err != nil {
		t.Fatal(err)
	}
	a := h.alert(t, "a1")
	if a.IncidentID == 0 {
		t.Fatal("alerts sharing a host were not grouped")
	}
	in, err := h.st.IncidentGet(ctx, a.IncidentID)
	if err != nil || len(in.AlertIDs) != 2 {
		t.Fatalf("incident = %+v, %v", in, err)
	}
	if _, err := h.eng.SetIncidentVerdict(ctx, engine.VerdictParams{ID: in.ID, Verdict: model.VerdictThreat, Published: true, Actor: analyst("kim")}); err != nil {
		t.Fatal(err)
	}
	for _, id := range in.AlertIDs {
		items, err := h.st.OutboxList(ctx, store.OutboxListParams{OriginKind: model.KindAlert, OriginID: id, Limit: 10})
		if err != nil || len(items) != 1 {
			t.Fatalf("deliveries of alert %d = %+v, %v", id, items, err)
		}
	}
	h.deliverAll(t)
	if len(h.vendor.states) != 1 || len(other.states) != 1 || other.states[0].Status != model.StatusResolved {
		t.Fatalf("fan-out: edr %+v, xdr %+v", h.vendor.states, other.states)
	}
}

// An echo that arrives together with another vendor change must neither
// overwrite a newer local status nor credit the vendor with our write.
func TestEchoWithOtherChangesKeepsLocalStatus(t *testing.T) {
	t.Parallel()
	h := setup(t, engine.DefaultPolicy())
	ctx := context.Background()
	mustIngest(t, h, vendorAlert("a1", "New"))
	a := h.alert(t, "a1")
	for _, v := range []model.Verdict{model.VerdictNotAThreat, model.VerdictSuspicious} {
		if _, err := h.eng.SetAlertVerdict(ctx, engine.VerdictParams{ID: a.ID, Verdict: v, Actor: analyst("kim")}); err != nil {
			t.Fatal(err)
		}
		if v == model.VerdictNotAThreat {
			// "Resolved" reaches the vendor before the second verdict; a
			// write still waiting would be replaced instead.
			h.deliverAll(t)
		}
	}
	echo := vendorAlert("a1", "Resolved")
	echo.Alert.Title = "Suspicious PowerShell (renamed by the vendor)"
	echo.Alert.UpdatedAt = echo.Alert.UpdatedAt.Add(time.Hour)
	mustIngest(t, h, echo)
	got := h.alert(t, "a1")
	if got.Status != model.StatusInProgress || got.Verdict != model.VerdictSuspicious || got.Title != echo.Alert.Title {
		t.Fatalf("alert = status %s verdict %s title %q", got.Status, got.Verdict, got.Title)
	}
	revs := h.revisions(t, a.ID)
	last := revs[len(revs)-1]
	if last.Actor.Kind != model.ActorRemote || len(last.Changes) != 1 || last.Changes[0] != "title" {
		t.Fatalf("last revision = %+v %v; want the vendor's title change only", last.Actor, last.Changes)
	}
}

// After downtime the schedule resumes: no burst of missed passes (and of
// "still validating" comments), and nothing after the window.
func TestValidationResumesAfterDowntime(t *testing.T) {
	t.Parallel()
	pol := validating(engine.DefaultPolicy())
	pol.CommentSync, pol.CommentEachPass = true, true
	h := setup(t, pol)
	ctx := context.Background()
	mustIngest(t, h, vendorAlert("a1", "New"))
	run := func() int {
		n, err := h.eng.RunDuePasses(ctx)
		if err != nil {
			t.Fatal(err)
		}
		h.deliverAll(t)
		return n
	}
	if n := run(); n != 1 {
		t.Fatalf("first pass = %d", n)
	}
	h.clk.Add(10*time.Hour + 5*time.Minute)
	if n := run(); n != 1 {
		t.Fatalf("passes after 10h down = %d, want 1 (no burst)", n)
	}
	h.clk.Add(25 * time.Minute)
	if n := run(); n != 1 {
		t.Fatalf("next pass on the resumed schedule = %d, want 1", n)
	}
	h.clk.Add(60 * time.Hour)
	if n := run(); n != 0 {
		t.Fatalf("passes after the window = %d, want 0", n)
	}
	h.deliverAll(t)
	if len(h.vendor.comments) != 3 {
		t.Fatalf("pass comments = %d, want 3", len(h.vendor.comments))
	}
}

// localWorker stands in for the process's outbox worker: it takes every
// item handed to it.
type localWorker struct {
	mu      sync.Mutex
	adopted []store.OutboxItem
}

func (*localWorker) Owner() string             { return "local-1" }
func (*localWorker) Lease() time.Duration      { return time.Minute }
func (*localWorker) Adoptable(store.Lane) bool { return true }
func (l *localWorker) Adopt(items ...store.OutboxItem) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.adopted = append(l.adopted, items...)
}

// TestStateWriteAdoptedByLocalWorker: a verdict's state write on an
// object with nothing queued is stored leased to the local worker and
// handed to it at commit, so it needs no claim; one on an object with an
// item ahead of it waits for a claim, in order.
func TestStateWriteAdoptedByLocalWorker(t *testing.T) {
	t.Parallel()
	onBothStores(t, func(t *testing.T, st *storetest.Both) {
		h := setupOn(t, st, engine.DefaultPolicy())
		lw := &localWorker{}
		h.eng.SetLocal(lw)
		ctx := context.Background()
		mustIngest(t, h, vendorAlert("a1", "New"), vendorAlert("a2", "New"))
		// a2's object has an older write queued.
		if err := st.WithTx(ctx, func(tx store.Tx) error {
			_, _, err := tx.OutboxEnqueue(ctx, store.OutboxEnqueueParams{Key: "older", Integration: "edr", ObjectRef: "alert:a2",
				Action: engine.ActionAddComment, Payload: []byte(`{}`), Now: h.clk.Now(), Priority: store.PriorityDecision})
			return err
		}); err != nil {
			t.Fatal(err)
		}
		for _, id := range []string{"a1", "a2"} {
			if _, err := h.eng.SetAlertVerdict(ctx, engine.VerdictParams{ID: h.alert(t, id).ID, Verdict: model.VerdictNotAThreat, Actor: analyst("kim")}); err != nil {
				t.Fatal(err)
			}
		}
		lw.mu.Lock()
		adopted := slices.Clone(lw.adopted)
		lw.mu.Unlock()
		if len(adopted) != 1 || adopted[0].ObjectRef != "alert:a1" || adopted[0].Action != engine.ActionSetState {
			t.Fatalf("adopted %+v, want a1's state write only", adopted)
		}
		stored, err := st.OutboxGet(ctx, adopted[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		if stored.State != store.OutboxLeased || stored.LeaseOwner != "local-1" || stored.Attempts != 1 {
			t.Errorf("a1's write is stored %s to %q (attempts %d), want leased to local-1 (1)", stored.State, stored.LeaseOwner, stored.Attempts)
		}
		var waiting []string
		for _, it := range h.pending(t) {
			waiting = append(waiting, it.Key)
		}
		if len(waiting) != 2 || waiting[0] != "older" {
			t.Errorf("pending %v, want the older item, then a2's state write", waiting)
		}
	})
}

// TestReplicasIngestingTheSameAlertsLoseNone: two replicas on one
// PostgreSQL store take pushes that update the same alerts in opposite
// orders. Each batch locks its alerts in vendor id order, so the two
// never deadlock (which would cost a second and an aborted transaction);
// a race lost is retried; no alert is quarantined, and no push fails.
func TestReplicasIngestingTheSameAlertsLoseNone(t *testing.T) {
	t.Parallel()
	st := storetest.Default(storetest.OpenPostgres(t))
	watched := &deadlockWatch{Scoped: st.Scoped}
	a, b := setupOn(t, st, engine.DefaultPolicy()), setupOn(t, st, engine.DefaultPolicy())
	for _, h := range []*harness{a, b} {
		h.eng = engine.New(engine.Options{Store: watched, Now: h.clk.Now})
		h.eng.AddIntegration(engine.Integration{ID: "edr", Kind: "fake", Policy: engine.DefaultPolicy(), Connector: h.vendor})
	}
	ids := []string{"x1", "x2", "x3", "x4"}
	var first []connector.Item
	for _, id := range ids {
		first = append(first, vendorAlert(id, "New", "ws-1"))
	}
	mustIngest(t, a, first...)
	const rounds = 12
	var wg sync.WaitGroup
	errs := make(chan error, 2*rounds)
	for i, h := range []*harness{a, b} {
		wg.Go(func() {
			for r := range rounds {
				items := make([]connector.Item, len(ids))
				for k, id := range ids {
					it := vendorAlert(id, "New", fmt.Sprintf("ws-%d-%d", i, r))
					it.Alert.Title = fmt.Sprintf("replica %d round %d", i, r)
					// One replica's pushes name the alerts in one order,
					// the other's in the reverse.
					if i == 0 {
						items[k] = it
					} else {
						items[len(ids)-1-k] = it
					}
				}
				if _, err := h.eng.Ingest(t.Context(), "edr", items); err != nil {
					errs <- fmt.Errorf("replica %d round %d: %w", i, r, err)
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	q, err := st.QuarantineList(t.Context(), store.QuarantineListParams{Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range q {
		t.Errorf("quarantined %s: %s", e.VendorID, e.Reason)
	}
	if n := watched.deadlocks.Load(); n > 0 {
		t.Errorf("%d transactions deadlocked", n)
	}
}

// TestBatchWritesUpdatesInOneOrderAndNewAlertsInTheirs: a batch updates
// the alerts it already stores in vendor id order (so two replicas'
// batches lock rows in one order), and stores new alerts in the order
// they came, so their ids, which the console lists by, follow the
// vendor's order; an alert's own items keep theirs.
func TestBatchWritesUpdatesInOneOrderAndNewAlertsInTheirs(t *testing.T) {
	t.Parallel()
	h := setup(t, engine.DefaultPolicy())
	mustIngest(t, h, vendorAlert("m-old", "New"), vendorAlert("b-old", "New"))
	second := vendorAlert("z-new", "InProgress")
	mustIngest(t, h, vendorAlert("z-new", "New"), vendorAlert("m-old", "InProgress"), vendorAlert("a-new", "New"),
		second, vendorAlert("b-old", "InProgress"))
	list, err := h.st.AlertList(t.Context(), store.AlertListParams{Integration: "edr", Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	var order []string
	for _, a := range list {
		order = append(order, fmt.Sprintf("%s:%s", a.VendorID, a.RemoteStatus))
	}
	want := []string{"m-old:InProgress", "b-old:InProgress", "z-new:InProgress", "a-new:New"}
	if !slices.Equal(order, want) {
		t.Errorf("alerts by id %v, want %v", order, want)
	}
}

// deadlockWatch counts the write transactions PostgreSQL aborted as
// deadlocked.
type deadlockWatch struct {
	store.Scoped
	deadlocks atomic.Int64
}

func (s *deadlockWatch) WithTx(ctx context.Context, fn func(tx store.Tx) error) error {
	err := s.Scoped.WithTx(ctx, fn)
	if pe := (*pgconn.PgError)(nil); errors.As(err, &pe) && pe.Code == "40P01" {
		s.deadlocks.Add(1)
	}
	return err
}

// racingStore is a store on which every alert insert loses a race, as
// one would while another replica keeps taking the same alerts; the
// rest of a transaction (a quarantine entry) commits as usual.
type racingStore struct {
	store.Scoped
	attempts atomic.Int64
}

func (s *racingStore) WithTx(ctx context.Context, fn func(tx store.Tx) error) error {
	return s.Scoped.WithTx(ctx, func(tx store.Tx) error { return fn(&racingTx{Tx: tx, s: s}) })
}

type racingTx struct {
	store.Tx
	s *racingStore
}

func (t *racingTx) AlertInsert(context.Context, *model.Alert) error { return t.lose() }

func (t *racingTx) AlertInsertBatch(context.Context, []*model.Alert) error { return t.lose() }

func (t *racingTx) lose() error {
	t.s.attempts.Add(1)
	return fmt.Errorf("%w: another writer stored the alert first", store.ErrConflict)
}

// TestIngestLosingRacesQuarantinesNothing: an alert whose transactions
// keep losing races is not refused by the store. Ingest retries it, then
// fails, leaving it with its source to offer again; it is not
// quarantined as bad input.
func TestIngestLosingRacesQuarantinesNothing(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		items []connector.Item
	}{
		{"one pushed alert", []connector.Item{vendorAlert("r1", "New")}},
		{"a polled page", []connector.Item{vendorAlert("r2", "New"), vendorAlert("r3", "New")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			st := storetest.Default(storetest.OpenSQLite(t))
			racing := &racingStore{Scoped: st.Scoped}
			eng := engine.New(engine.Options{Store: racing})
			eng.AddIntegration(engine.Integration{ID: "edr", Kind: "fake", Policy: engine.DefaultPolicy(), Connector: &fakeVendor{}})
			_, err := eng.Ingest(t.Context(), "edr", tt.items)
			if !errors.Is(err, store.ErrConflict) {
				t.Errorf("Ingest = %v, want store.ErrConflict", err)
			}
			if n := racing.attempts.Load(); n < 4 {
				t.Errorf("%d inserts tried, want the retries too", n)
			}
			q, err := st.QuarantineList(t.Context(), store.QuarantineListParams{Limit: 10})
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range q {
				t.Errorf("quarantined %s: %s", e.VendorID, e.Reason)
			}
		})
	}
}

// retryRacingStore's transactions answer OutboxRetry with the errors in
// answers, one per call (then the store's own answer), and count the
// calls.
type retryRacingStore struct {
	store.Scoped
	answers []error
	calls   int
}

func (s *retryRacingStore) WithTx(ctx context.Context, fn func(store.Tx) error) error {
	return s.Scoped.WithTx(ctx, func(tx store.Tx) error { return fn(&retryRacingTx{Tx: tx, s: s}) })
}

type retryRacingTx struct {
	store.Tx
	s *retryRacingStore
}

func (t *retryRacingTx) OutboxRetry(ctx context.Context, id int64, now time.Time) error {
	t.s.calls++
	if t.s.calls > len(t.s.answers) {
		return t.Tx.OutboxRetry(ctx, id, now)
	}
	return t.s.answers[t.s.calls-1]
}

// deadItem stores an outbox item the outbox gave up on and returns its
// id.
func deadItem(t *testing.T, st *storetest.Both) int64 {
	t.Helper()
	ctx, now := t.Context(), time.Now()
	var id int64
	err := st.WithTx(ctx, func(tx store.Tx) error {
		var err error
		id, _, err = tx.OutboxEnqueue(ctx, store.OutboxEnqueueParams{Key: "k", Integration: "edr", ObjectRef: "alert:1",
			Action: "set_state", Payload: []byte(`{}`), OriginKind: model.KindAlert, OriginID: 1, Now: now,
			LeaseOwner: "w", LeaseUntil: now.Add(time.Minute)})
		return err
	})
	if err == nil {
		err = st.OutboxFinish(ctx, "w", []store.OutboxResult{{ID: id, State: store.OutboxDead, Error: "boom", Now: now}})
	}
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// TestRetryOutboxRunsAgainAfterALostRace: an operator's retry of a dead
// item whose transaction lost a race (a deadlock) is run again, so the
// operator is not told, wrongly, that a later action superseded it; a
// superseded item, or one that is not dead, is answered at once.
func TestRetryOutboxRunsAgainAfterALostRace(t *testing.T) {
	t.Parallel()
	lost := fmt.Errorf("retry outbox item 7: %w: deadlock detected", store.ErrConflict)
	tests := []struct {
		name      string
		answers   []error
		want      error
		wantCalls int
	}{
		{"lost one race", []error{lost}, nil, 2},
		{"lost every race", []error{lost, lost, lost, lost, lost}, store.ErrConflict, 4},
		{"superseded", []error{store.ErrSuperseded}, store.ErrSuperseded, 1},
		{"not dead", []error{store.ErrNotFound}, store.ErrNotFound, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			both := storetest.Default(storetest.OpenSQLite(t))
			id := deadItem(t, both)
			st := &retryRacingStore{Scoped: both.Scoped, answers: tt.answers}
			err := engine.New(engine.Options{Store: st}).RetryOutbox(t.Context(), id)
			if tt.want == nil && err != nil || tt.want != nil && !errors.Is(err, tt.want) {
				t.Errorf("RetryOutbox = %v, want %v", err, tt.want)
			}
			if st.calls != tt.wantCalls {
				t.Errorf("%d transactions, want %d", st.calls, tt.wantCalls)
			}
		})
	}
}
