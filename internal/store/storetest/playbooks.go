package storetest

import (
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/alertsync/alertsync/internal/model"
	"github.com/alertsync/alertsync/internal/store"
)

// newRun is a running run of playbook pb started at t0.
func newRun(pb, dedupe string) *store.Run {
	return &store.Run{
		PlaybookID: pb, Trigger: "alert.created", ObjectKind: model.KindAlert, ObjectID: 7,
		Status: store.RunRunning, Nodes: json.RawMessage(`[{"alert": {"id": 7}}]`),
		NextStep: 1, StartedAt: t0, Dedupe: dedupe,
	}
}

// insertRuns stores runs in one batch.
func insertRuns(t *testing.T, s *Both, runs ...*store.Run) {
	t.Helper()
	inTx(t, s, func(tx store.Tx) error { return tx.RunInsertBatch(t.Context(), runs) })
}

// testPlaybooks: definitions are created, replaced, listed by id and
// deleted; a missing one is ErrNotFound to read and to delete.
func testPlaybooks(t *testing.T, s *Both) {
	ctx := t.Context()
	b := store.StoredPlaybook{ID: "b-notify", Definition: "name: notify\n", Origin: "api", UpdatedAt: t0}
	a := store.StoredPlaybook{ID: "a-enrich", Definition: "name: enrich\n", Origin: "file", UpdatedAt: t0}
	inTx(t, s, func(tx store.Tx) error {
		if err := tx.PlaybookUpsert(ctx, b); err != nil {
			return err
		}
		return tx.PlaybookUpsert(ctx, a)
	})
	b.Definition, b.UpdatedAt = "name: notify\nsteps: []\n", t0.Add(time.Minute)
	inTx(t, s, func(tx store.Tx) error { return tx.PlaybookUpsert(ctx, b) })
	got, err := s.PlaybookGet(ctx, b.ID)
	if err != nil || got != b {
		t.Errorf("PlaybookGet after replace = %+v, %v; want %+v", got, err, b)
	}
	list, err := s.PlaybookList(ctx)
	if diff := cmp.Diff([]store.StoredPlaybook{a, b}, list); err != nil || diff != "" {
		t.Errorf("PlaybookList, by id (err %v, -want +got):\n%s", err, diff)
	}
	inTx(t, s, func(tx store.Tx) error { return tx.PlaybookDelete(ctx, a.ID) })
	_, err = s.PlaybookGet(ctx, a.ID)
	wantNotFound(t, "PlaybookGet after delete", err)
	wantNotFound(t, "PlaybookDelete of a missing playbook", s.WithTx(ctx, func(tx store.Tx) error {
		return tx.PlaybookDelete(ctx, a.ID)
	}))
	if list, err := s.PlaybookList(ctx); err != nil || len(list) != 1 || list[0].ID != b.ID {
		t.Errorf("PlaybookList after delete = %+v, %v; want only %s", list, err, b.ID)
	}
}

// testRunInsertBatch: new runs get ids and read back as inserted; a taken
// dedupe key, stored before or earlier in the same batch, is skipped with
// ID 0, while keyless runs always insert.
func testRunInsertBatch(t *testing.T, s *Both) {
	ctx := t.Context()
	keyless := newRun("pb", "")
	keyless.Nodes, keyless.DryRun, keyless.ObjectKind, keyless.ObjectID = nil, true, "", 0
	first := []*store.Run{newRun("pb", "e1"), keyless, newRun("pb", "e2"), newRun("pb", "e1"), newRun("pb", "")}
	first[2].Nodes = json.RawMessage(`null`)
	insertRuns(t, s, first...)
	if first[3].ID != 0 {
		t.Errorf("second run with key e1 in one batch got id %d, want 0", first[3].ID)
	}
	second := []*store.Run{newRun("pb", "e2"), newRun("pb", "e3"), newRun("pb", "")}
	insertRuns(t, s, second...)
	if second[0].ID != 0 {
		t.Errorf("run with stored key e2 got id %d, want 0", second[0].ID)
	}
	seen := map[int64]bool{}
	for _, r := range slices.Concat(first[:3], first[4:], second[1:]) {
		if r.ID == 0 || seen[r.ID] {
			t.Fatalf("run %q got id %d, want a new one", r.Dedupe, r.ID)
		}
		seen[r.ID] = true
		got, err := s.RunGet(ctx, r.ID)
		if diff := cmp.Diff(*r, got); err != nil || diff != "" {
			t.Errorf("RunGet(%d) (err %v, -want +got):\n%s", r.ID, err, diff)
		}
	}
	_, err := s.RunGet(ctx, 1<<40)
	wantNotFound(t, "RunGet of a missing run", err)
}

// testRunInsertLargeBatch: in a batch larger than one statement, with
// keyed, keyless and repeated runs mixed, every id reaches its own run.
func testRunInsertLargeBatch(t *testing.T, s *Both) {
	ctx := t.Context()
	var runs []*store.Run
	for i := range 1200 {
		key := ""
		switch i % 3 {
		case 0:
			key = fmt.Sprintf("k%d", i)
		case 1:
			key = fmt.Sprintf("k%d", i-1) // repeats the run before
		}
		r := newRun("pb", key)
		r.ObjectID = int64(i)
		runs = append(runs, r)
	}
	insertRuns(t, s, runs...)
	for i, r := range runs {
		if want := i%3 != 1; (r.ID != 0) != want {
			t.Fatalf("run %d (key %q) got id %d, stored = %v", i, r.Dedupe, r.ID, want)
		}
		if r.ID == 0 {
			continue
		}
		got, err := s.RunGet(ctx, r.ID)
		if err != nil || got.ObjectID != int64(i) {
			t.Fatalf("run %d got id %d, which holds run %d (%v)", i, r.ID, got.ObjectID, err)
		}
	}
}

// testRunUpdate: an update writes every field that changes as a run
// proceeds, at microsecond precision, and leaves the rest.
func testRunUpdate(t *testing.T, s *Both) {
	ctx := t.Context()
	r := newRun("pb", "e1")
	insertRuns(t, s, r)
	want := *r
	want.Status, want.Nodes, want.NextStep = store.RunFailed, json.RawMessage(`[{"a":1}, {"status": 500}]`), 3
	want.FinishedAt, want.Error = t0.Add(90*time.Second+time.Microsecond), "step 2: HTTP 500"
	want.GroupUntil, want.GroupCount = t0.Add(5*time.Minute), 4
	upd := want
	upd.PlaybookID, upd.Trigger, upd.StartedAt, upd.Dedupe, upd.DryRun = "other", "manual", t0.Add(time.Hour), "x", true
	inTx(t, s, func(tx store.Tx) error { return tx.RunUpdate(ctx, upd) })
	got, err := s.RunGet(ctx, r.ID)
	if diff := cmp.Diff(want, got); err != nil || diff != "" {
		t.Errorf("RunGet after update (err %v, -want +got):\n%s", err, diff)
	}
	want.Nodes = nil
	inTx(t, s, func(tx store.Tx) error { return tx.RunUpdate(ctx, want) })
	if got, err := s.RunGet(ctx, r.ID); err != nil || got.Nodes != nil {
		t.Errorf("nodes after update to none = %q, %v; want nil", got.Nodes, err)
	}
	missing := want
	missing.ID = r.ID + 1000
	wantNotFound(t, "RunUpdate of a missing run", s.WithTx(ctx, func(tx store.Tx) error {
		return tx.RunUpdate(ctx, missing)
	}))
}

// testRunUpdateBatch: a batch writes each run's changing fields as
// RunUpdate does, the later of two updates of one run wins, a batch
// larger than one statement reaches every run, and a missing run makes
// the batch ErrNotFound.
func testRunUpdateBatch(t *testing.T, s *Both) {
	ctx := t.Context()
	var runs []*store.Run
	for range 1100 {
		runs = append(runs, newRun("pb", ""))
	}
	insertRuns(t, s, runs...)
	a, b, c := *runs[0], *runs[1], *runs[2]
	a1, a2, b1 := a, a, b
	a1.Status, a1.NextStep = store.RunFailed, 9
	a2.Status, a2.Nodes, a2.NextStep = store.RunSucceeded, json.RawMessage(`[{"a":1},{"status":200}]`), 3
	a2.FinishedAt = t0.Add(90*time.Second + time.Microsecond)
	b1.Status, b1.Nodes, b1.Error, b1.FinishedAt = store.RunFailed, nil, "step 1: HTTP 500", t0.Add(time.Second)
	b1.GroupUntil, b1.GroupCount = t0.Add(5*time.Minute), 4
	upd := []store.Run{a1, b1, a2}
	for _, r := range runs[3:] { // runs[2] (c) stays out
		u := *r
		u.NextStep, u.Nodes = 2, json.RawMessage(fmt.Sprintf(`[{"run":%d}]`, r.ID))
		upd = append(upd, u)
	}
	inTx(t, s, func(tx store.Tx) error { return tx.RunUpdateBatch(ctx, upd) })
	for _, want := range append([]store.Run{a2, b1}, upd[3:]...) {
		got, err := s.RunGet(ctx, want.ID)
		if diff := cmp.Diff(want, got); err != nil || diff != "" {
			t.Fatalf("RunGet(%d) after the batch (err %v, -want +got):\n%s", want.ID, err, diff)
		}
	}
	if got, err := s.RunGet(ctx, c.ID); err != nil || !cmp.Equal(c, got) {
		t.Errorf("run %d, not in the batch, after it = %+v, %v; want it unchanged", c.ID, got, err)
	}
	missing := a2
	missing.ID = runs[len(runs)-1].ID + 1000
	wantNotFound(t, "RunUpdateBatch with a missing run", s.WithTx(ctx, func(tx store.Tx) error {
		return tx.RunUpdateBatch(ctx, []store.Run{b1, missing})
	}))
}

// testRunList: runs page newest first, by playbook and status.
func testRunList(t *testing.T, s *Both) {
	ctx := t.Context()
	var runs []*store.Run
	for i := range 6 {
		r := newRun([]string{"pa", "pb"}[i%2], "")
		if i >= 3 {
			r.Status = store.RunSucceeded
		}
		runs = append(runs, r)
	}
	insertRuns(t, s, runs...)
	ids := func(idx ...int) []int64 {
		out := []int64{}
		for _, i := range idx {
			out = append(out, runs[i].ID)
		}
		return out
	}
	for _, tc := range []struct {
		name string
		p    store.RunListParams
		want []int64
	}{
		{"all", store.RunListParams{}, ids(5, 4, 3, 2, 1, 0)},
		{"playbook", store.RunListParams{PlaybookID: "pa"}, ids(4, 2, 0)},
		{"status", store.RunListParams{Status: store.RunRunning}, ids(2, 1, 0)},
		{"both", store.RunListParams{PlaybookID: "pb", Status: store.RunSucceeded}, ids(5, 3)},
		{"first page", store.RunListParams{Limit: 2}, ids(5, 4)},
		{"next page", store.RunListParams{BeforeID: runs[4].ID, Limit: 2}, ids(3, 2)},
		{"playbook page", store.RunListParams{PlaybookID: "pb", BeforeID: runs[5].ID, Limit: 1}, ids(3)},
		{"none", store.RunListParams{PlaybookID: "pc"}, ids()},
	} {
		got, err := s.RunList(ctx, tc.p)
		gotIDs := []int64{}
		for _, r := range got {
			gotIDs = append(gotIDs, r.ID)
		}
		if err != nil || !slices.Equal(gotIDs, tc.want) {
			t.Errorf("%s: RunList = %v, %v; want %v", tc.name, gotIDs, err, tc.want)
		}
	}
}

// testRunOpenGroup: the open group is the oldest running run of the
// playbook whose window is still open and which has room left.
func testRunOpenGroup(t *testing.T, s *Both) {
	ctx := t.Context()
	group := func(pb, status string, until time.Duration, count int) *store.Run {
		r := newRun(pb, "")
		r.Status, r.GroupCount = status, count
		if until != 0 {
			r.GroupUntil = t0.Add(until)
		}
		return r
	}
	short := group("pb", store.RunRunning, 5*time.Minute, 4)
	long := group("pb", store.RunRunning, 10*time.Minute, 1)
	runs := []*store.Run{
		group("pb", store.RunSucceeded, 20*time.Minute, 0), // finished
		group("pb", store.RunRunning, 0, 0),                // does not group
		group("pa", store.RunRunning, 20*time.Minute, 0),   // another playbook
		short, long,
	}
	insertRuns(t, s, runs...)
	for _, tc := range []struct {
		name string
		now  time.Duration
		max  int
		want *store.Run
	}{
		{"oldest open", 0, 10, short},
		{"oldest full", 0, 4, long},
		{"oldest closed", 6 * time.Minute, 10, long},
		{"closes at group_until", 10 * time.Minute, 10, nil},
		{"all full", 6 * time.Minute, 1, nil},
	} {
		var got store.Run
		err := s.WithTx(ctx, func(tx store.Tx) (err error) {
			got, err = tx.RunOpenGroup(ctx, "pb", t0.Add(tc.now), tc.max)
			return err
		})
		if tc.want == nil {
			wantNotFound(t, tc.name, err)
			continue
		}
		if diff := cmp.Diff(*tc.want, got); err != nil || diff != "" {
			t.Errorf("%s: RunOpenGroup (err %v, -want +got):\n%s", tc.name, err, diff)
		}
	}
}

// testSteps: a step record is created, then replaced by its outcome;
// a run's records list in step order and only its own.
func testSteps(t *testing.T, s *Both) {
	ctx := t.Context()
	r, other := newRun("pb", ""), newRun("pb", "")
	insertRuns(t, s, r, other)
	sending := store.StepRecord{
		RunID: r.ID, Index: 1, Name: "notify", Type: "http", Status: store.StepSending,
		Input: json.RawMessage(`{"url": "https://hooks.example/x", "token": "****"}`), Attempts: 1, StartedAt: t0,
	}
	second := store.StepRecord{RunID: r.ID, Index: 2, Name: "close", Type: "set_status", Status: store.StepSucceeded, StartedAt: t0}
	otherStep := store.StepRecord{RunID: other.ID, Index: 1, Name: "notify", Type: "http", Status: store.StepFailed}
	inTx(t, s, func(tx store.Tx) error {
		for _, st := range []store.StepRecord{second, sending, otherStep} {
			if err := tx.StepUpsert(ctx, st); err != nil {
				return err
			}
		}
		return nil
	})
	done := sending
	done.Status, done.Output = store.StepSucceeded, json.RawMessage(`{"status":200,"body":"ok"}`)
	done.Attempts, done.Duration, done.FinishedAt = 2, 1500*time.Microsecond, t0.Add(2*time.Second)
	done.Error = "first attempt: timeout"
	inTx(t, s, func(tx store.Tx) error { return tx.StepUpsert(ctx, done) })
	got, err := s.StepList(ctx, r.ID)
	if diff := cmp.Diff([]store.StepRecord{done, second}, got); err != nil || diff != "" {
		t.Errorf("StepList (err %v, -want +got):\n%s", err, diff)
	}
	if got, err := s.StepList(ctx, r.ID+1000); err != nil || len(got) != 0 {
		t.Errorf("StepList of a run without steps = %v, %v; want none", got, err)
	}
}

// testStepUpsertBatch: a batch creates and replaces step records as
// StepUpsert does, the later of two records of one step wins, and a batch
// larger than one statement stores every record.
func testStepUpsertBatch(t *testing.T, s *Both) {
	ctx := t.Context()
	r, other := newRun("pb", ""), newRun("pb", "")
	insertRuns(t, s, r, other)
	sending := store.StepRecord{RunID: r.ID, Index: 1, Name: "notify", Type: "http", Status: store.StepSending,
		Input: json.RawMessage(`{"url": "https://hooks.example/x", "token": "****"}`), Attempts: 1, StartedAt: t0}
	inTx(t, s, func(tx store.Tx) error { return tx.StepUpsert(ctx, sending) })
	done := sending
	done.Status, done.Output = store.StepSucceeded, json.RawMessage(`{"status":200,"body":"ok"}`)
	done.Attempts, done.Duration, done.FinishedAt = 2, 1500*time.Microsecond, t0.Add(2*time.Second+time.Microsecond)
	get := store.StepRecord{RunID: r.ID, Index: 0, Name: "get alert", Type: "get_alert", Status: store.StepSucceeded,
		Output: json.RawMessage(`{"id":7}`), Attempts: 1, StartedAt: t0, FinishedAt: t0}
	failedFirst := store.StepRecord{RunID: other.ID, Index: 1, Name: "notify", Type: "http", Status: store.StepSending}
	failed := failedFirst
	failed.Status, failed.Error = store.StepFailed, "HTTP 502"
	batch := []store.StepRecord{get, failedFirst, done, failed}
	var many []store.StepRecord
	for i := range 1100 {
		many = append(many, store.StepRecord{RunID: other.ID, Index: 2 + i, Name: fmt.Sprintf("step %d", 2+i),
			Type: "http", Status: store.StepSucceeded, StartedAt: t0})
	}
	inTx(t, s, func(tx store.Tx) error { return tx.StepUpsertBatch(ctx, append(batch, many...)) })
	got, err := s.StepList(ctx, r.ID)
	if diff := cmp.Diff([]store.StepRecord{get, done}, got); err != nil || diff != "" {
		t.Errorf("StepList of run %d (err %v, -want +got):\n%s", r.ID, err, diff)
	}
	got, err = s.StepList(ctx, other.ID)
	if diff := cmp.Diff(append([]store.StepRecord{failed}, many...), got); err != nil || diff != "" {
		t.Errorf("StepList of run %d (err %v, -want +got):\n%s", other.ID, err, diff)
	}
}

// testRunPrune: the prune walks runs finished before the cutoff in id
// order, a limit at a time, and deletes them with their step records and
// their steps' outbox items; a run still running, finished after the
// cutoff, with a dead step item, or the tenant's newest stays, and so do
// another lane's items on the same reference and another tenant's runs.
// One walk takes runs of two playbooks, each on its own lane.
func testRunPrune(t *testing.T, s *Both) {
	ctx := t.Context()
	finished := func(status string, at time.Duration) *store.Run {
		r := newRun("pb", "")
		r.Status, r.FinishedAt = status, t0.Add(at)
		return r
	}
	old1, dead := finished(store.RunSucceeded, time.Minute), finished(store.RunFailed, 2*time.Minute)
	old2, running := finished(store.RunFailed, 3*time.Minute), newRun("pb", "")
	recent, old3 := finished(store.RunSucceeded, 2*time.Hour), finished(store.RunSucceeded, 4*time.Minute)
	newest := finished(store.RunSucceeded, 5*time.Minute)
	old2.PlaybookID = "pb2"
	insertRuns(t, s, old1, dead, old2, running, recent, old3, newest)
	other := s.Scope("other")
	theirs := finished(store.RunSucceeded, time.Minute)
	if err := other.WithTx(ctx, func(tx store.Tx) error {
		return tx.RunInsertBatch(ctx, []*store.Run{theirs, finished(store.RunSucceeded, time.Minute)})
	}); err != nil {
		t.Fatal(err)
	}
	// Step items: old1's two done, dead's dead, old2's skipped (on pb2's
	// lane); an edr-1 item naming old1's reference and a pending one on
	// pb's lane naming old2's, neither of them theirs.
	step := func(r *store.Run, n int) store.OutboxEnqueueParams {
		p := action(fmt.Sprintf("playbook/%d/step/%d", r.ID, n), store.RunObjectRef(r.ID))
		p.Integration, p.Action = store.RunLanePrefix+r.PlaybookID, "playbook_step"
		p.LeaseOwner, p.LeaseUntil = "w", t0.Add(lease)
		return p
	}
	stranger := action("edr/"+store.RunObjectRef(old1.ID), store.RunObjectRef(old1.ID))
	skipped := step(old2, 1)
	skipped.LeaseOwner = ""
	wrongLane := step(old2, 2)
	wrongLane.Integration, wrongLane.LeaseOwner = store.RunLanePrefix+"pb", ""
	ids := enqueue(t, s, step(old1, 1), step(old1, 2), step(dead, 1), skipped, stranger, wrongLane)
	finish(t, s, "w", store.OutboxResult{ID: ids[0], State: store.OutboxDone, Now: t0},
		store.OutboxResult{ID: ids[1], State: store.OutboxDone, Now: t0},
		store.OutboxResult{ID: ids[2], State: store.OutboxDead, Error: "400", Now: t0})
	inTx(t, s, func(tx store.Tx) error { return tx.OutboxSkip(ctx, skipped.Key, "run failed", t0) })
	inTx(t, s, func(tx store.Tx) error {
		return tx.StepUpsertBatch(ctx, []store.StepRecord{
			{RunID: old1.ID, Index: 1, Name: "get", Type: "get_alert", Status: store.StepSucceeded, StartedAt: t0},
			{RunID: old1.ID, Index: 2, Name: "post", Type: "http", Status: store.StepSucceeded, StartedAt: t0},
			{RunID: dead.ID, Index: 1, Name: "post", Type: "http", Status: store.StepFailed, StartedAt: t0},
		})
	})

	// The walk: old1 and dead (kept); old2 and old3, running and recent
	// passed over; nothing more, newest being the newest; from the
	// start again, only dead.
	cutoff := t0.Add(time.Hour)
	for _, c := range []struct {
		after          int64
		limit, deleted int
		next           int64
	}{{0, 2, 1, dead.ID}, {dead.ID, 2, 2, old3.ID}, {old3.ID, 2, 0, 0}, {0, 10, 0, 0}} {
		var n int
		var next int64
		inTx(t, s, func(tx store.Tx) error {
			var err error
			n, next, err = tx.RunPrune(ctx, store.RunPruneParams{Before: cutoff, AfterID: c.after, Limit: c.limit})
			return err
		})
		if n != c.deleted || next != c.next {
			t.Errorf("RunPrune(after %d, limit %d) = %d, next %d; want %d, next %d", c.after, c.limit, n, next, c.deleted, c.next)
		}
	}
	for _, r := range []*store.Run{old1, old2, old3} {
		_, err := s.RunGet(ctx, r.ID)
		wantNotFound(t, fmt.Sprintf("RunGet of pruned run %d", r.ID), err)
	}
	if got, err := s.StepList(ctx, old1.ID); err != nil || len(got) != 0 {
		t.Errorf("steps of a pruned run = %v, %v; want none", got, err)
	}
	for _, id := range []int64{ids[0], ids[1], ids[3]} {
		_, err := s.OutboxGet(ctx, id)
		wantNotFound(t, fmt.Sprintf("outbox item %d of a pruned run", id), err)
	}
	for _, r := range []*store.Run{dead, running, recent, newest} {
		if _, err := s.RunGet(ctx, r.ID); err != nil {
			t.Errorf("run %d (%s, finished %v) was pruned: %v", r.ID, r.Status, r.FinishedAt, err)
		}
	}
	if got, err := s.StepList(ctx, dead.ID); err != nil || len(got) != 1 {
		t.Errorf("steps of the run with a dead step = %v, %v; want its one", got, err)
	}
	if it := getItem(t, s, ids[2]); it.State != store.OutboxDead {
		t.Errorf("the dead step item = %s; want it dead, kept for a retry", it.State)
	}
	getItem(t, s, ids[4])
	if it := getItem(t, s, ids[5]); it.State != store.OutboxPending {
		t.Errorf("another lane's item naming a pruned run's reference = %s; want it left pending", it.State)
	}
	if _, err := other.RunGet(ctx, theirs.ID); err != nil {
		t.Errorf("another tenant's run was pruned: %v", err)
	}
}
