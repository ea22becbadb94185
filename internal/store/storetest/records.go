package storetest

import (
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/alertsync/alertsync/internal/model"
	"github.com/alertsync/alertsync/internal/store"
)

// ignoreID compares records whose ids the store assigns.
var ignoreID = cmpopts.IgnoreFields

func testRevisions(t *testing.T, s *Both) {
	ctx := t.Context()
	rev := func(kind model.Kind, obj, seq int64) model.Revision {
		return model.Revision{
			Kind: kind, ObjectID: obj, Seq: seq,
			Actor:  model.Actor{Kind: model.ActorAnalyst, Name: "alice"},
			Reason: "triage", Changes: []string{"status"},
			Snapshot: json.RawMessage(fmt.Sprintf(`{"seq": %d,"k":"v"}`, seq)),
			At:       t0.Add(time.Duration(seq) * time.Second),
		}
	}
	revs := []model.Revision{rev(model.KindAlert, 1, 1), rev(model.KindAlert, 1, 3), rev(model.KindAlert, 1, 2),
		rev(model.KindIncident, 1, 1), rev(model.KindAlert, 2, 1)}
	revs[0].Changes, revs[0].Actor = nil, model.Actor{Kind: model.ActorRemote, Name: "edr-1"}
	inTx(t, s, func(tx store.Tx) error {
		for _, r := range revs {
			if err := tx.RevisionAppend(ctx, r); err != nil {
				return err
			}
		}
		return nil
	})
	err := s.WithTx(ctx, func(tx store.Tx) error { return tx.RevisionAppend(ctx, rev(model.KindAlert, 1, 2)) })
	wantConflict(t, "RevisionAppend of a taken seq", err)

	opt := ignoreID(model.Revision{}, "ID")
	tests := []struct {
		name string
		p    store.RevisionListParams
		want []model.Revision
	}{
		{"history in seq order", store.RevisionListParams{Kind: model.KindAlert, ObjectID: 1}, []model.Revision{revs[0], revs[2], revs[1]}},
		{"after seq", store.RevisionListParams{Kind: model.KindAlert, ObjectID: 1, AfterSeq: 1}, []model.Revision{revs[2], revs[1]}},
		{"limit", store.RevisionListParams{Kind: model.KindAlert, ObjectID: 1, Limit: 1}, []model.Revision{revs[0]}},
		{"kind", store.RevisionListParams{Kind: model.KindIncident, ObjectID: 1}, []model.Revision{revs[3]}},
		{"none", store.RevisionListParams{Kind: model.KindIncident, ObjectID: 2}, nil},
	}
	for _, tc := range tests {
		got, err := s.RevisionList(ctx, tc.p)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(tc.want, got, opt); diff != "" {
			t.Errorf("RevisionList %s (-want +got):\n%s", tc.name, diff)
		}
		for _, r := range got {
			if r.ID == 0 {
				t.Errorf("RevisionList %s: revision without id", tc.name)
			}
		}
	}
}

func testComments(t *testing.T, s *Both) {
	ctx := t.Context()
	cs := []*model.Comment{
		{Kind: model.KindAlert, ObjectID: 7, Author: model.Actor{Kind: model.ActorAnalyst, Name: "bob"}, Body: "first", At: t0},
		{Kind: model.KindIncident, ObjectID: 7, Author: model.Actor{Kind: model.ActorRemote, Name: "edr"}, Body: "other kind", At: t0},
		{Kind: model.KindAlert, ObjectID: 7, Author: model.Actor{Kind: model.ActorSystem}, Body: "second\nline", At: t0.Add(time.Second)},
	}
	inTx(t, s, func(tx store.Tx) error {
		for _, c := range cs {
			if err := tx.CommentAdd(ctx, c); err != nil {
				return err
			}
		}
		return nil
	})
	if cs[0].ID == 0 || cs[2].ID <= cs[0].ID {
		t.Fatalf("CommentAdd ids = %d, %d", cs[0].ID, cs[2].ID)
	}
	got, err := s.CommentList(ctx, model.KindAlert, 7)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]model.Comment{*cs[0], *cs[2]}, got); diff != "" {
		t.Errorf("CommentList (-want +got):\n%s", diff)
	}
	testCommentRequestKeys(t, s)
}

// testCommentRequestKeys: a client's request key names one comment per
// object; comments without one never collide.
func testCommentRequestKeys(t *testing.T, s *Both) {
	ctx := t.Context()
	who := model.Actor{Kind: model.ActorAnalyst, Name: "kim"}
	keyed := &model.Comment{Kind: model.KindAlert, ObjectID: 8, Author: who, Body: "keyed", At: t0, RequestKey: "req-1"}
	inTx(t, s, func(tx store.Tx) error {
		for _, c := range []*model.Comment{
			keyed,
			{Kind: model.KindAlert, ObjectID: 8, Author: who, Body: "no key", At: t0},
			{Kind: model.KindAlert, ObjectID: 8, Author: who, Body: "no key again", At: t0},
			{Kind: model.KindAlert, ObjectID: 9, Author: who, Body: "same key, other alert", At: t0, RequestKey: "req-1"},
			{Kind: model.KindIncident, ObjectID: 8, Author: who, Body: "same key, an incident", At: t0, RequestKey: "req-1"},
		} {
			if err := tx.CommentAdd(ctx, c); err != nil {
				return err
			}
		}
		return nil
	})
	err := s.WithTx(ctx, func(tx store.Tx) error {
		return tx.CommentAdd(ctx, &model.Comment{Kind: model.KindAlert, ObjectID: 8, Author: who, Body: "again", At: t0, RequestKey: "req-1"})
	})
	wantConflict(t, "CommentAdd of a used request key", err)
	inTx(t, s, func(tx store.Tx) error {
		got, err := tx.CommentByRequestKey(ctx, model.KindAlert, 8, "req-1")
		if err != nil {
			return err
		}
		if diff := cmp.Diff(*keyed, got); diff != "" {
			t.Errorf("CommentByRequestKey (-want +got):\n%s", diff)
		}
		if _, err := tx.CommentByRequestKey(ctx, model.KindAlert, 8, "req-2"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("CommentByRequestKey of an unused key: err = %v, want ErrNotFound", err)
		}
		return nil
	})
	got, err := s.CommentList(ctx, model.KindAlert, 8)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || got[0].RequestKey != "req-1" || got[1].RequestKey != "" {
		t.Errorf("CommentList = %+v, want the keyed comment and the two without a key", got)
	}
}

func testQuarantine(t *testing.T, s *Both) {
	ctx := t.Context()
	qs := []store.QuarantineEntry{
		{Integration: "a", VendorID: "1", Reason: "no title", Payload: json.RawMessage(`{"x" : [1, 2]}`), At: t0},
		{Integration: "b", Reason: "bad json", Payload: json.RawMessage(`{"truncated`), At: t0},
		{Integration: "a", VendorID: "3", Reason: "unknown severity", Payload: json.RawMessage(`{"sev":"weird"}`), At: t0.Add(time.Second)},
	}
	inTx(t, s, func(tx store.Tx) error {
		for _, q := range qs {
			if err := tx.QuarantineAdd(ctx, q); err != nil {
				return err
			}
		}
		return nil
	})
	got, err := s.QuarantineList(ctx, store.QuarantineListParams{Integration: "a"})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]store.QuarantineEntry{qs[0], qs[2]}, got, ignoreID(store.QuarantineEntry{}, "ID")); diff != "" {
		t.Fatalf("QuarantineList (-want +got):\n%s", diff)
	}
	next, err := s.QuarantineList(ctx, store.QuarantineListParams{Integration: "a", AfterID: got[0].ID})
	if err != nil {
		t.Fatal(err)
	}
	if len(next) != 1 || next[0].ID != got[1].ID {
		t.Errorf("QuarantineList after %d = %+v", got[0].ID, next)
	}
	all, err := s.QuarantineList(ctx, store.QuarantineListParams{})
	if err != nil || len(all) != 3 {
		t.Errorf("QuarantineList all = %d entries, %v", len(all), err)
	}
}

func testIntegrations(t *testing.T, s *Both) {
	ctx := t.Context()
	b := store.Integration{ID: "b", Kind: "crowdstrike", Name: "CS", Enabled: true,
		Settings: json.RawMessage(`{"region":"eu-1"}`), Secrets: []byte{0, 1, 0xfe, 0xff, '"', 0},
		Policy: json.RawMessage(`{"sync":"two-way"}`), UpdatedAt: t0}
	a := store.Integration{ID: "a", Kind: "sentinelone", Name: "S1", UpdatedAt: t0}
	inTx(t, s, func(tx store.Tx) error {
		if err := tx.IntegrationUpsert(ctx, b); err != nil {
			return err
		}
		return tx.IntegrationUpsert(ctx, a)
	})
	list, err := s.IntegrationList(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]store.Integration{a, b}, list); diff != "" {
		t.Errorf("IntegrationList (-want +got):\n%s", diff)
	}
	b.Name, b.Enabled, b.Secrets, b.Settings, b.UpdatedAt = "CS prod", false, []byte("new sealed box"), nil, t0.Add(time.Hour)
	inTx(t, s, func(tx store.Tx) error { return tx.IntegrationUpsert(ctx, b) })
	got, err := s.IntegrationGet(ctx, "b")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(b, got); diff != "" {
		t.Errorf("IntegrationGet after upsert (-want +got):\n%s", diff)
	}
	_, err = s.IntegrationGet(ctx, "zz")
	wantNotFound(t, "IntegrationGet missing", err)
}

func testCursors(t *testing.T, s *Both) {
	ctx := t.Context()
	_, err := s.CursorGet(ctx, "a", "alerts")
	wantNotFound(t, "CursorGet never set", err)
	set := func(stream, cur string) {
		inTx(t, s, func(tx store.Tx) error { return tx.CursorSet(ctx, "a", stream, cur, t0) })
	}
	set("alerts", "page-1")
	set("incidents", "x")
	set("alerts", "page-2")
	for stream, want := range map[string]string{"alerts": "page-2", "incidents": "x"} {
		got, err := s.CursorGet(ctx, "a", stream)
		if err != nil || got != want {
			t.Errorf("CursorGet(%s) = %q, %v; want %q", stream, got, err, want)
		}
	}
}

func testValidations(t *testing.T, s *Both) {
	ctx := t.Context()
	alerts := make([]*model.Alert, 4)
	for i := range alerts {
		a := newAlert("a", fmt.Sprint(i))
		alerts[i] = &a
	}
	insertAlerts(t, s, alerts...)
	v := func(i int, next time.Duration, done bool) store.Validation {
		return store.Validation{AlertID: alerts[i].ID, StartedAt: t0.Add(-time.Hour),
			NextPassAt: t0.Add(next), EndsAt: t0.Add(time.Hour), Passes: i, Done: done}
	}
	vs := []store.Validation{v(0, -time.Minute, false), v(1, -2*time.Minute, false), v(2, time.Hour, false), v(3, -5*time.Minute, true)}
	upsert := func(vs ...store.Validation) {
		inTx(t, s, func(tx store.Tx) error {
			for _, v := range vs {
				if err := tx.ValidationUpsert(ctx, v); err != nil {
					return err
				}
			}
			return nil
		})
	}
	upsert(vs...)
	tests := []struct {
		name  string
		now   time.Time
		limit int
		want  []store.Validation
	}{
		{"due soonest first", t0, 10, []store.Validation{vs[1], vs[0]}},
		{"limit", t0, 1, []store.Validation{vs[1]}},
		{"later", t0.Add(2 * time.Hour), 10, []store.Validation{vs[1], vs[0], vs[2]}},
		{"none yet", t0.Add(-time.Hour), 10, nil},
	}
	for _, tc := range tests {
		got, err := s.ValidationDue(ctx, tc.now, tc.limit)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("ValidationDue %s (-want +got):\n%s", tc.name, diff)
		}
	}
	if n, err := s.ValidationActive(ctx, "a", 100); err != nil || n != 3 {
		t.Errorf("ValidationActive = %d, %v; want 3 not done", n, err)
	}
	if n, err := s.ValidationActive(ctx, "a", 2); err != nil || n != 2 {
		t.Errorf("ValidationActive up to 2 = %d, %v; want the count to stop at 2", n, err)
	}
	vs[1].Done, vs[1].Passes, vs[1].Found = true, 9, 4
	upsert(vs[1])
	if n, err := s.ValidationActive(ctx, "a", 100); err != nil || n != 2 {
		t.Errorf("ValidationActive after done = %d, %v; want 2", n, err)
	}
	got, err := s.ValidationGet(ctx, vs[1].AlertID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(vs[1], got); diff != "" {
		t.Errorf("ValidationGet after upsert (-want +got):\n%s", diff)
	}
	due, err := s.ValidationDue(ctx, t0, 10)
	if err != nil || len(due) != 1 || due[0].AlertID != vs[0].AlertID {
		t.Errorf("ValidationDue after done = %+v, %v", due, err)
	}
	_, err = s.ValidationGet(ctx, alerts[3].ID+100)
	wantNotFound(t, "ValidationGet missing", err)
}

func testLedger(t *testing.T, s *Both) {
	ctx := t.Context()
	e := func(vendorID, status string, at time.Duration) store.LedgerEntry {
		return store.LedgerEntry{Integration: "a", Kind: model.KindAlert, VendorID: vendorID, RemoteStatus: status, At: t0.Add(at)}
	}
	// Added out of time order: the list is oldest first regardless.
	es := []store.LedgerEntry{e("v1", "in_progress", time.Second), e("v1", "new", 0), e("v1", "closed", 2*time.Second), e("v2", "new", 0)}
	inTx(t, s, func(tx store.Tx) error {
		for _, e := range es {
			if err := tx.LedgerAdd(ctx, e); err != nil {
				return err
			}
		}
		return tx.LedgerAdd(ctx, store.LedgerEntry{Integration: "a", Kind: model.KindIncident, VendorID: "v1", At: t0})
	})
	list := func(vendorID string) []store.LedgerEntry {
		t.Helper()
		got, err := s.LedgerList(ctx, "a", model.KindAlert, vendorID)
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	opt := ignoreID(store.LedgerEntry{}, "ID")
	got := list("v1")
	if diff := cmp.Diff([]store.LedgerEntry{es[1], es[0], es[2]}, got, opt); diff != "" {
		t.Fatalf("LedgerList (-want +got):\n%s", diff)
	}
	inTx(t, s, func(tx store.Tx) error { return tx.LedgerDelete(ctx, got[1].ID) })
	if diff := cmp.Diff([]store.LedgerEntry{es[1], es[2]}, list("v1"), opt); diff != "" {
		t.Errorf("LedgerList after delete (-want +got):\n%s", diff)
	}
	inTx(t, s, func(tx store.Tx) error { return tx.LedgerPrune(ctx, t0.Add(1500*time.Millisecond)) })
	if diff := cmp.Diff([]store.LedgerEntry{es[2]}, list("v1"), opt); diff != "" {
		t.Errorf("LedgerList after prune (-want +got):\n%s", diff)
	}
	if got := list("v2"); len(got) != 0 {
		t.Errorf("LedgerList(v2) after prune = %+v", got)
	}
}
