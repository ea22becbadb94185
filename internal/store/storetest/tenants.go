package storetest

import (
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/alertsync/alertsync/internal/model"
	"github.com/alertsync/alertsync/internal/store"
)

// testTenants: the default tenant exists after migration; tenants are
// created, renamed, disabled and listed, keeping their creation time and
// their wrapped data key.
func testTenants(t *testing.T, s *Both) {
	ctx := t.Context()
	def, err := s.TenantGet(ctx, store.DefaultTenant)
	if err != nil {
		t.Fatalf("the default tenant after migration: %v", err)
	}
	if def.Status != store.TenantActive {
		t.Errorf("default tenant = %+v, want active", def)
	}
	acme := store.Tenant{ID: "acme", Name: "Acme", Status: store.TenantActive, DataKey: []byte{1, 2, 3}, CreatedAt: t0, UpdatedAt: t0}
	if err := s.TenantUpsert(ctx, acme); err != nil {
		t.Fatal(err)
	}
	acme.Name, acme.Status, acme.UpdatedAt = "Acme Corp", store.TenantDisabled, t0.Add(time.Hour)
	changed := acme
	changed.CreatedAt = t0.Add(time.Hour) // a later write does not move the creation time
	if err := s.TenantUpsert(ctx, changed); err != nil {
		t.Fatal(err)
	}
	got, err := s.TenantGet(ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	if got.Name != "Acme Corp" || got.Status != store.TenantDisabled || !got.CreatedAt.Equal(t0) ||
		!got.UpdatedAt.Equal(t0.Add(time.Hour)) || string(got.DataKey) != "\x01\x02\x03" {
		t.Errorf("TenantGet = %+v", got)
	}
	// A write of a tenant read before its key changed keeps the new key.
	stale := changed
	stale.DataKey = nil
	if err := s.TenantUpsert(ctx, stale); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.TenantGet(ctx, "acme"); string(got.DataKey) != "\x01\x02\x03" {
		t.Errorf("TenantUpsert of a tenant without a key erased its key: %v", got.DataKey)
	}
	list, err := s.TenantList(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, tn := range list {
		ids = append(ids, tn.ID)
	}
	if !slices.Equal(ids, []string{"acme", store.DefaultTenant}) {
		t.Errorf("TenantList = %v", ids)
	}
	if _, err := s.TenantGet(ctx, "nobody"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("TenantGet(nobody) = %v, want ErrNotFound", err)
	}
	for _, bad := range []string{"", "Acme", "a b", "-x", "x/y"} {
		if err := s.TenantUpsert(ctx, store.Tenant{ID: bad, Status: store.TenantActive}); err == nil {
			t.Errorf("TenantUpsert(%q) accepted a bad id", bad)
		}
		if err := s.Scope(bad).WithTx(ctx, func(store.Tx) error { return nil }); err == nil {
			t.Errorf("Scope(%q).WithTx accepted a bad id", bad)
		}
		if _, err := s.Scope(bad).AlertList(ctx, store.AlertListParams{}); err == nil {
			t.Errorf("Scope(%q).AlertList accepted a bad id", bad)
		}
	}
}

// testTenantKeySwap: a tenant's wrapped data key changes only from the
// key the caller read, so of several writers making a tenant's first key
// at once exactly one wins, and everyone reads the winner's key.
func testTenantKeySwap(t *testing.T, s *Both) {
	ctx := t.Context()
	if err := s.TenantUpsert(ctx, store.Tenant{ID: "acme", Name: "Acme", Status: store.TenantActive, CreatedAt: t0, UpdatedAt: t0}); err != nil {
		t.Fatal(err)
	}
	const writers = 8
	won := make(chan int, writers)
	var wg sync.WaitGroup
	for i := range writers {
		wg.Go(func() {
			err := s.TenantKeySwap(ctx, store.TenantKeySwapParams{Tenant: "acme", New: []byte{byte(i + 1), 0xee}})
			switch {
			case err == nil:
				won <- i + 1
			case !errors.Is(err, store.ErrConflict):
				t.Errorf("writer %d: %v, want ErrConflict or success", i, err)
			}
		})
	}
	wg.Wait()
	close(won)
	var winners []int
	for w := range won {
		winners = append(winners, w)
	}
	if len(winners) != 1 {
		t.Fatalf("%d writers made acme's first key: %v", len(winners), winners)
	}
	first := []byte{byte(winners[0]), 0xee}
	if got, _ := s.TenantGet(ctx, "acme"); !slices.Equal(got.DataKey, first) {
		t.Fatalf("acme's key = %v, want the winner's %v", got.DataKey, first)
	}
	steps := []struct {
		name     string
		p        store.TenantKeySwapParams
		wantErr  error
		wantHeld []byte
	}{
		{"from no key, once there is one", store.TenantKeySwapParams{Tenant: "acme", New: []byte{7}}, store.ErrConflict, first},
		{"from a key it no longer holds", store.TenantKeySwapParams{Tenant: "acme", Old: []byte{9}, New: []byte{7}}, store.ErrConflict, first},
		{"from the key it holds", store.TenantKeySwapParams{Tenant: "acme", Old: first, New: []byte{7}}, nil, []byte{7}},
		{"to none", store.TenantKeySwapParams{Tenant: "acme", Old: []byte{7}}, nil, nil},
		{"from none again", store.TenantKeySwapParams{Tenant: "acme", New: []byte{8}}, nil, []byte{8}},
		{"of a tenant that does not exist", store.TenantKeySwapParams{Tenant: "nobody", New: []byte{1}}, store.ErrNotFound, []byte{8}},
	}
	for _, st := range steps {
		err := s.TenantKeySwap(ctx, st.p)
		if (st.wantErr == nil && err != nil) || (st.wantErr != nil && !errors.Is(err, st.wantErr)) {
			t.Errorf("swap %s: %v, want %v", st.name, err, st.wantErr)
		}
		if got, _ := s.TenantGet(ctx, "acme"); !slices.Equal(got.DataKey, st.wantHeld) {
			t.Errorf("after the swap %s acme holds %v, want %v", st.name, got.DataKey, st.wantHeld)
		}
	}
}

// tenantWorld is what testTenantIsolation stores in each tenant: the same
// vendor payloads, so every vendor id, integration id, idempotency key,
// playbook id and cursor collides between the two.
type tenantWorld struct {
	alert, other model.Alert
	incident     model.Incident
	outboxID     int64
	run          store.Run
	evidence     model.Evidence
}

func fillTenant(t *testing.T, sc store.Scoped) tenantWorld {
	t.Helper()
	ctx := t.Context()
	var w tenantWorld
	w.alert = newAlert("edr", "ldt:1")
	w.alert.Entities = model.Entities{Hosts: []string{"ws-1"}, Users: []string{"alice"}}
	w.alert.SameAs = "same-1"
	w.other = newAlert("edr", "ldt:2")
	w.other.Entities = model.Entities{Hosts: []string{"ws-1"}}
	w.incident = model.Incident{Integration: "sentinel", VendorID: "inc-1", Title: "case", Severity: model.SeverityHigh,
		Status: model.StatusNew, RemoteAlerts: []string{"ldt:1"}, Revision: 1}
	w.evidence = model.Evidence{Integration: "o365", VendorID: "rec-1", Operation: "UserLoggedIn", Summary: "login",
		OccurredAt: t0, IngestedAt: t0, Entities: model.Entities{Users: []string{"alice"}}}
	err := sc.WithTx(ctx, func(tx store.Tx) error {
		if err := tx.IncidentInsert(ctx, &w.incident); err != nil {
			return err
		}
		w.alert.IncidentID = w.incident.ID
		if err := tx.AlertInsertBatch(ctx, []*model.Alert{&w.alert, &w.other}); err != nil {
			return err
		}
		if _, err := tx.MembershipAdd(ctx, model.Membership{IncidentID: w.incident.ID, AlertID: w.alert.ID, Source: "remote", AddedAt: t0}); err != nil {
			return err
		}
		if err := tx.RevisionAppend(ctx, model.Revision{Kind: model.KindAlert, ObjectID: w.alert.ID, Seq: 1,
			Actor: model.Actor{Kind: model.ActorRemote, Name: "edr"}, Reason: "ingest", At: t0}); err != nil {
			return err
		}
		if err := tx.CommentAdd(ctx, &model.Comment{Kind: model.KindAlert, ObjectID: w.alert.ID,
			Author: model.Actor{Kind: model.ActorAnalyst, Name: "ann"}, Body: "looked at it", At: t0}); err != nil {
			return err
		}
		if err := tx.QuarantineAdd(ctx, store.QuarantineEntry{Integration: "edr", VendorID: "bad", Reason: "no id", Payload: []byte(`{}`), At: t0}); err != nil {
			return err
		}
		if err := tx.IntegrationUpsert(ctx, store.Integration{ID: "edr", Kind: "crowdstrike", Name: "EDR", Enabled: true,
			Settings: []byte(`{}`), Policy: []byte(`{}`), UpdatedAt: t0}); err != nil {
			return err
		}
		if err := tx.CursorSet(ctx, "edr", "alerts", "c-"+tx.Tenant(), t0); err != nil {
			return err
		}
		if err := tx.ValidationUpsert(ctx, store.Validation{AlertID: w.alert.ID, StartedAt: t0, NextPassAt: t0, EndsAt: t0.Add(time.Hour)}); err != nil {
			return err
		}
		if err := tx.LedgerAdd(ctx, store.LedgerEntry{Integration: "edr", Kind: model.KindAlert, VendorID: "ldt:1", RemoteStatus: "closed", At: t0}); err != nil {
			return err
		}
		if _, err := tx.EvidenceInsertBatch(ctx, []*model.Evidence{&w.evidence}); err != nil {
			return err
		}
		id, inserted, err := tx.OutboxEnqueue(ctx, store.OutboxEnqueueParams{Key: "edr/alert/ldt:1/state", Integration: "edr",
			ObjectRef: "alert:ldt:1", Action: "set_state", Payload: []byte(`{}`), OriginKind: model.KindAlert, OriginID: w.alert.ID, Now: t0})
		if err != nil || !inserted {
			return errors.Join(err, errors.New("the key was taken"))
		}
		w.outboxID = id
		if err := tx.PlaybookUpsert(ctx, store.StoredPlaybook{ID: "notify", Definition: "id: notify", Origin: "api", UpdatedAt: t0}); err != nil {
			return err
		}
		w.run = store.Run{PlaybookID: "notify", Trigger: "alert_created", ObjectKind: model.KindAlert, ObjectID: w.alert.ID,
			Status: store.RunRunning, Nodes: []byte(`[{}]`), NextStep: 1, StartedAt: t0, Dedupe: "notify/alert/ldt:1"}
		if err := tx.RunInsertBatch(ctx, []*store.Run{&w.run}); err != nil {
			return err
		}
		if w.run.ID == 0 {
			return errors.New("the run's dedupe key was taken")
		}
		return tx.StepUpsert(ctx, store.StepRecord{RunID: w.run.ID, Index: 1, Name: "get", Type: "get_alert", Status: "ok", StartedAt: t0})
	})
	if err != nil {
		t.Fatalf("tenant %s: %v", sc.Tenant(), err)
	}
	return w
}

// testTenantIsolation stores identical vendor data in two tenants and
// checks that every read of one sees its own rows only, that another
// tenant's object ids are not found, and that the hub's cross-tenant
// outbox work keeps each item's tenant.
func testTenantIsolation(t *testing.T, s *Both) {
	ctx := t.Context()
	a, b := s.Scope("tenant-a"), s.Scope("tenant-b")
	wa, wb := fillTenant(t, a), fillTenant(t, b)
	if wa.alert.ID == wb.alert.ID {
		t.Fatal("two tenants' alerts share an id")
	}
	for _, side := range []struct {
		sc          store.Scoped
		own, theirs tenantWorld
	}{{a, wa, wb}, {b, wb, wa}} {
		sc, own, theirs := side.sc, side.own, side.theirs
		name := sc.Tenant()
		// Another tenant's ids are not found, however they are asked for.
		if _, err := sc.AlertGet(ctx, theirs.alert.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("%s: AlertGet(other tenant's alert) = %v, want ErrNotFound", name, err)
		}
		if _, err := sc.IncidentGet(ctx, theirs.incident.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("%s: IncidentGet(other tenant's incident) = %v", name, err)
		}
		if _, err := sc.OutboxGet(ctx, theirs.outboxID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("%s: OutboxGet(other tenant's item) = %v", name, err)
		}
		if _, err := sc.RunGet(ctx, theirs.run.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("%s: RunGet(other tenant's run) = %v", name, err)
		}
		if got, _ := sc.AlertGetMany(ctx, []int64{theirs.alert.ID, own.alert.ID}); len(got) != 1 || got[0].ID != own.alert.ID {
			t.Errorf("%s: AlertGetMany = %d alerts", name, len(got))
		}
		if got, _ := sc.RevisionList(ctx, store.RevisionListParams{Kind: model.KindAlert, ObjectID: theirs.alert.ID}); len(got) != 0 {
			t.Errorf("%s: another tenant's revisions: %d", name, len(got))
		}
		if got, _ := sc.CommentList(ctx, model.KindAlert, theirs.alert.ID); len(got) != 0 {
			t.Errorf("%s: another tenant's comments: %d", name, len(got))
		}
		if _, err := sc.ValidationGet(ctx, theirs.alert.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("%s: ValidationGet(other tenant's alert) = %v", name, err)
		}
		if got, _ := sc.MembershipList(ctx, store.MembershipListParams{IncidentID: theirs.incident.ID}); len(got) != 0 {
			t.Errorf("%s: another tenant's memberships: %d", name, len(got))
		}
		if got, _ := sc.StepList(ctx, theirs.run.ID); len(got) != 0 {
			t.Errorf("%s: another tenant's steps: %d", name, len(got))
		}
		// The same vendor ids resolve to the tenant's own rows.
		if got, err := sc.AlertGetByVendor(ctx, "edr", "ldt:1"); err != nil || got.ID != own.alert.ID {
			t.Errorf("%s: AlertGetByVendor = %d, %v; want %d", name, got.ID, err, own.alert.ID)
		}
		if got, err := sc.IncidentGetByVendor(ctx, "sentinel", "inc-1"); err != nil || got.ID != own.incident.ID ||
			!slices.Equal(got.AlertIDs, []int64{own.alert.ID}) {
			t.Errorf("%s: IncidentGetByVendor = %+v, %v", name, got, err)
		}
		counts := map[string]int{}
		count := func(what string, n int, err error) {
			if err != nil {
				t.Errorf("%s: %s: %v", name, what, err)
			}
			counts[what] = n
		}
		alerts, err := sc.AlertList(ctx, store.AlertListParams{})
		count("alerts", len(alerts), err)
		byHost, err := sc.AlertList(ctx, store.AlertListParams{Entity: "ws-1"})
		count("alerts naming ws-1", len(byHost), err)
		refs, err := sc.AlertRefsByEntity(ctx, store.AlertRefParams{Entity: "ws-1"})
		count("alert refs naming ws-1", len(refs), err)
		inIncident, err := sc.AlertList(ctx, store.AlertListParams{IncidentID: own.incident.ID})
		count("alerts of the incident", len(inIncident), err)
		incidents, err := sc.IncidentList(ctx, store.IncidentListParams{})
		count("incidents", len(incidents), err)
		linked, err := sc.IncidentList(ctx, store.IncidentListParams{RemoteAlert: "ldt:1"})
		count("incidents naming ldt:1", len(linked), err)
		q, err := sc.QuarantineList(ctx, store.QuarantineListParams{})
		count("quarantine", len(q), err)
		ins, err := sc.IntegrationList(ctx)
		count("integrations", len(ins), err)
		due, err := sc.ValidationDue(ctx, t0.Add(time.Minute), 100)
		count("validations due", len(due), err)
		active, err := sc.ValidationActive(ctx, "edr", 100)
		count("validations active", active, err)
		ledger, err := sc.LedgerList(ctx, "edr", model.KindAlert, "ldt:1")
		count("ledger", len(ledger), err)
		items, err := sc.OutboxList(ctx, store.OutboxListParams{})
		count("outbox", len(items), err)
		oc, err := sc.OutboxCounts(ctx)
		count("outbox pending", oc[store.OutboxPending], err)
		ev, err := sc.EvidenceList(ctx, store.EvidenceListParams{Values: []string{"alice"}})
		count("evidence naming alice", len(ev), err)
		evAll, err := sc.EvidenceList(ctx, store.EvidenceListParams{Integration: "o365"})
		count("evidence", len(evAll), err)
		ec, err := sc.EvidenceCounts(ctx, "o365")
		count("evidence linked", ec.Linked, err)
		pbs, err := sc.PlaybookList(ctx)
		count("playbooks", len(pbs), err)
		runs, err := sc.RunList(ctx, store.RunListParams{})
		count("runs", len(runs), err)
		want := map[string]int{
			"alerts": 2, "alerts naming ws-1": 2, "alert refs naming ws-1": 2, "alerts of the incident": 1,
			"incidents": 1, "incidents naming ldt:1": 1, "quarantine": 1, "integrations": 1,
			"validations due": 1, "validations active": 1, "ledger": 1, "outbox": 1, "outbox pending": 1,
			"evidence naming alice": 1, "evidence": 1, "evidence linked": 1, "playbooks": 1, "runs": 1,
		}
		for k, n := range want {
			if counts[k] != n {
				t.Errorf("%s: %s = %d, want %d (its own only)", name, k, counts[k], n)
			}
		}
		if c, err := sc.CursorGet(ctx, "edr", "alerts"); err != nil || c != "c-"+name {
			t.Errorf("%s: CursorGet = %q, %v", name, c, err)
		}
		// Writes by id touch the tenant's own rows only.
		err = sc.WithTx(ctx, func(tx store.Tx) error {
			stale := theirs.alert
			stale.Title, stale.Revision = "overwritten", stale.Revision+1
			if err := tx.AlertUpdate(ctx, stale); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("%s: AlertUpdate(other tenant's alert) = %v, want ErrNotFound", name, err)
			}
			if _, err := tx.MembershipRemove(ctx, theirs.incident.ID, theirs.alert.ID); err != nil {
				return err
			}
			return tx.LedgerPrune(ctx, t0.Add(time.Hour))
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := retry(ctx, sc, theirs.outboxID, t0); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("%s: OutboxRetry(other tenant's item) = %v, want ErrNotFound", name, err)
		}
	}
	// The other tenant's rows survived the first tenant's writes by id
	// (the ledger prune above ran in both, so each pruned its own).
	if got, err := b.IncidentGet(ctx, wb.incident.ID); err != nil || len(got.AlertIDs) != 1 {
		t.Errorf("tenant-b's membership after tenant-a removed it by id: %+v, %v", got.AlertIDs, err)
	}
	// The hub's outbox work sees both tenants' lanes and keeps each
	// item's tenant, and a lane claim takes its tenant's items only.
	lanes, err := s.OutboxLanes(ctx)
	if err != nil {
		t.Fatal(err)
	}
	wantLanes := []store.Lane{{Tenant: "tenant-a", Integration: "edr"}, {Tenant: "tenant-b", Integration: "edr"}}
	if !slices.Equal(lanes, wantLanes) {
		t.Errorf("OutboxLanes = %v, want %v", lanes, wantLanes)
	}
	got, err := s.OutboxClaim(ctx, store.OutboxClaimParams{Owner: "w", Now: t0, Lease: time.Minute, Limit: 10, Tenant: "tenant-b", Integration: "edr"})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].ID != wb.outboxID || got[0].Tenant != "tenant-b" {
		t.Errorf("tenant-b's lane claim = %+v", got)
	}
	all, err := s.OutboxClaim(ctx, store.OutboxClaimParams{Owner: "w", Now: t0, Lease: time.Minute, Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 1 || all[0].ID != wa.outboxID || all[0].Tenant != "tenant-a" {
		t.Errorf("the claim across tenants = %+v, want tenant-a's item", all)
	}
	// A tenant's transaction records only its own items' outcomes.
	done := []store.OutboxResult{{ID: wa.outboxID, State: store.OutboxDone, Now: t0}, {ID: wb.outboxID, State: store.OutboxDone, Now: t0}}
	if err := b.WithTx(ctx, func(tx store.Tx) error { return tx.OutboxComplete(ctx, "w", done) }); err != nil {
		t.Fatal(err)
	}
	if it, _ := a.OutboxGet(ctx, wa.outboxID); it.State != store.OutboxLeased {
		t.Errorf("tenant-b's transaction finished tenant-a's item: %s", it.State)
	}
	if it, _ := b.OutboxGet(ctx, wb.outboxID); it.State != store.OutboxDone {
		t.Errorf("tenant-b's item = %s, want done", it.State)
	}
	// The hub records outcomes by id, whatever the tenant.
	if err := s.OutboxFinish(ctx, "w", done[:1]); err != nil {
		t.Fatal(err)
	}
	if it, _ := a.OutboxGet(ctx, wa.outboxID); it.State != store.OutboxDone {
		t.Errorf("tenant-a's item after OutboxFinish = %s", it.State)
	}
	// Nothing landed in the default tenant.
	if got, _ := s.AlertList(ctx, store.AlertListParams{}); len(got) != 0 {
		t.Errorf("the default tenant sees %d alerts", len(got))
	}
	testPurge(t, s, a, b, wb)
}

// testPurge empties tenant-a in batches of 5 and deletes its row; tenant-b
// keeps everything.
func testPurge(t *testing.T, s *Both, a, b store.Scoped, wb tenantWorld) {
	ctx := t.Context()
	if err := s.TenantUpsert(ctx, store.Tenant{ID: "tenant-a", Name: "A", Status: store.TenantDisabled, DataKey: []byte{9}, CreatedAt: t0, UpdatedAt: t0}); err != nil {
		t.Fatal(err)
	}
	total, rounds := 0, 0
	for {
		n, err := a.Purge(ctx, 5)
		if err != nil {
			t.Fatal(err)
		}
		if n > 5 {
			t.Fatalf("a purge of 5 deleted %d rows", n)
		}
		if n == 0 {
			break
		}
		total, rounds = total+n, rounds+1
		if rounds > 100 {
			t.Fatal("the purge does not end")
		}
	}
	if total < 15 || rounds < 3 {
		t.Errorf("purged %d rows in %d rounds", total, rounds)
	}
	if got, _ := a.AlertList(ctx, store.AlertListParams{}); len(got) != 0 {
		t.Errorf("tenant-a keeps %d alerts after its purge", len(got))
	}
	if got, _ := a.OutboxList(ctx, store.OutboxListParams{}); len(got) != 0 {
		t.Errorf("tenant-a keeps %d outbox items after its purge", len(got))
	}
	if err := s.TenantDelete(ctx, "tenant-a"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.TenantGet(ctx, "tenant-a"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("tenant-a after TenantDelete: %v", err)
	}
	if err := s.TenantDelete(ctx, store.DefaultTenant); err == nil {
		t.Error("TenantDelete removed the default tenant")
	}
	if got, err := b.AlertGet(ctx, wb.alert.ID); err != nil || got.VendorID != "ldt:1" {
		t.Errorf("tenant-b's alert after tenant-a's purge: %v", err)
	}
	if got, _ := b.RunList(ctx, store.RunListParams{}); len(got) != 1 {
		t.Errorf("tenant-b's runs after tenant-a's purge: %d", len(got))
	}
}
