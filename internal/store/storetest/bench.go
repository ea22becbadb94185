package storetest

import (
	"encoding/json"
	"strconv"
	"testing"
	"time"

	"github.com/alertsync/alertsync/internal/model"
	"github.com/alertsync/alertsync/internal/store"
)

// benchRaw is a vendor payload of a typical size (about 600 bytes).
var benchRaw = json.RawMessage(`{"id":"ldt:0123456789abcdef:4242","device":{"hostname":"WS-0042","platform":"Windows","os_version":"Windows 11","local_ip":"10.1.2.3","external_ip":"203.0.113.7"},"behaviors":[{"tactic":"Credential Access","technique":"OS Credential Dumping","cmdline":"rundll32.exe C:\\Windows\\System32\\comsvcs.dll, MiniDump 624 lsass.dmp full","filename":"rundll32.exe","sha256":"9f2b1c6e8e4c4f7ab0d1e2f3a4b5c6d7e8f90123456789abcdef0123456789ab","user_name":"CORP\\alice","severity":70,"confidence":80}],"status":"new","max_severity_displayname":"High","first_behavior":"2025-03-01T12:00:00Z","last_behavior":"2025-03-01T12:00:05Z"}`)

// BenchIngestBatch measures ingest as the engine does it: one transaction
// per page of 500 alerts, one AlertsByVendor lookup per page, then an
// AlertInsert and a RevisionAppend per new alert. It reports alerts/s.
func BenchIngestBatch(b *testing.B, st store.Store) {
	s := Default(st)
	const batch = 500
	ctx := b.Context()
	ids := make([]string, batch)
	a := newAlert("bench", "")
	a.Severity, a.Raw = model.SeverityHigh, benchRaw
	a.Entities = model.Entities{Hosts: []string{"ws-0042"}, Users: []string{"alice"}, IPs: []string{"10.1.2.3"}}
	rev := model.Revision{Kind: model.KindAlert, Seq: 1, Actor: model.Actor{Kind: model.ActorRemote, Name: "bench"},
		Reason: "ingest", Snapshot: benchRaw, At: t0}
	n := 0
	for b.Loop() {
		for i := range ids {
			ids[i] = strconv.Itoa(n*batch + i)
		}
		err := s.WithTx(ctx, func(tx store.Tx) error {
			known, err := tx.AlertsByVendor(ctx, "bench", ids)
			if err != nil {
				return err
			}
			for _, id := range ids {
				if _, ok := known[id]; ok {
					continue
				}
				a.VendorID = id
				if err := tx.AlertInsert(ctx, &a); err != nil {
					return err
				}
				rev.ObjectID = a.ID
				if err := tx.RevisionAppend(ctx, rev); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
		n++
	}
	b.ReportMetric(float64(n*batch)/b.Elapsed().Seconds(), "alerts/s")
}

// BenchOutboxClaimFinish measures a worker's loop: claim up to 100 due
// actions, then record them all done in one OutboxFinish. Enqueueing is
// not timed. It reports actions/s.
func BenchOutboxClaimFinish(b *testing.B, st store.Store) {
	s := Default(st)
	const batch = 100
	ctx := b.Context()
	ps := make([]store.OutboxEnqueueParams, batch)
	results := make([]store.OutboxResult, 0, batch)
	n, actions := 0, 0
	for b.Loop() {
		b.StopTimer()
		for i := range ps {
			k := strconv.Itoa(n*batch + i)
			ps[i] = store.OutboxEnqueueParams{Key: k, Integration: "bench", ObjectRef: "alert:" + k,
				Action: "set_status", Payload: json.RawMessage(`{"status":"closed"}`), Now: t0}
		}
		err := s.WithTx(ctx, func(tx store.Tx) error {
			for _, p := range ps {
				if _, _, err := tx.OutboxEnqueue(ctx, p); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
		n++
		b.StartTimer()

		items, err := s.OutboxClaim(ctx, store.OutboxClaimParams{Owner: "bench", Now: t0, Lease: time.Minute, Limit: batch})
		if err != nil {
			b.Fatal(err)
		}
		results = results[:0]
		for _, it := range items {
			results = append(results, store.OutboxResult{ID: it.ID, State: store.OutboxDone, Now: t0})
		}
		if err := s.OutboxFinish(ctx, "bench", results); err != nil {
			b.Fatal(err)
		}
		actions += len(items)
	}
	b.ReportMetric(float64(actions)/b.Elapsed().Seconds(), "actions/s")
}

// BenchOutboxClaimComplete measures the worker's path as it runs today:
// claim a tenant's lane (Tenant and Integration set) 64 items at a time
// until 256 are leased, then record them all done in one transaction of
// that tenant (OutboxComplete, results naming their tenant), as the lane
// finisher does. Finished items stay in the table, as they do between
// prunes, and the run starts on a history of 20,000 of them, so a
// statement whose cost grows with the tenant's history shows up here.
// Enqueueing is not timed. One op is 256 actions; it reports actions/s.
func BenchOutboxClaimComplete(b *testing.B, st store.Store) {
	const (
		claimBatch  = 64
		finishBatch = 256
		history     = 20000
	)
	s := Default(st)
	n := 0
	cycle := func() int {
		benchEnqueue(b, s, n*finishBatch, finishBatch)
		n++
		return benchClaimComplete(b, s, claimBatch, finishBatch)
	}
	for range history / finishBatch {
		cycle()
	}
	actions := 0
	for b.Loop() {
		b.StopTimer()
		benchEnqueue(b, s, n*finishBatch, finishBatch)
		n++
		b.StartTimer()
		actions += benchClaimComplete(b, s, claimBatch, finishBatch)
	}
	b.ReportMetric(float64(actions)/b.Elapsed().Seconds(), "actions/s")
}

// benchEnqueue enqueues n pending actions for the default tenant's bench
// lane, keyed from first, in one transaction.
func benchEnqueue(b *testing.B, s *Both, first, n int) {
	ctx := b.Context()
	err := s.WithTx(ctx, func(tx store.Tx) error {
		for i := range n {
			k := strconv.Itoa(first + i)
			_, _, err := tx.OutboxEnqueue(ctx, store.OutboxEnqueueParams{Key: k, Integration: "bench",
				ObjectRef: "alert:" + k, Action: "set_status", Payload: json.RawMessage(`{"status":"closed"}`), Now: t0})
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
}

// benchClaimComplete claims the bench lane claimBatch items at a time
// until total are leased or none are left, then completes them all done
// in one tenant transaction. It returns how many it completed.
func benchClaimComplete(b *testing.B, s *Both, claimBatch, total int) int {
	ctx := b.Context()
	results := make([]store.OutboxResult, 0, total)
	for len(results) < total {
		items, err := s.OutboxClaim(ctx, store.OutboxClaimParams{Owner: "bench", Now: t0, Lease: time.Minute,
			Limit: min(claimBatch, total-len(results)), Tenant: s.Tenant(), Integration: "bench"})
		if err != nil {
			b.Fatal(err)
		}
		if len(items) == 0 {
			break
		}
		for _, it := range items {
			results = append(results, store.OutboxResult{ID: it.ID, Tenant: it.Tenant, State: store.OutboxDone, Now: t0})
		}
	}
	err := s.WithTx(ctx, func(tx store.Tx) error { return tx.OutboxComplete(ctx, "bench", results) })
	if err != nil {
		b.Fatal(err)
	}
	return len(results)
}

// BenchRunPrune measures the run history's pruning: each round stores
// 500 finished runs of a playbook like the seed's (two step records, two
// done step items), untimed, then times the prune transaction that
// deletes them. It reports runs/s.
func BenchRunPrune(b *testing.B, st store.Store) {
	s := Default(st)
	const batch = 500
	ctx := b.Context()
	nodes := json.RawMessage(`[{"alert_uuid":"ldt:0123456789abcdef:4242"},` + string(benchRaw) + `,{"status":201}]`)
	newest := &store.Run{PlaybookID: "bench", Trigger: "alert_created", Status: store.RunRunning, NextStep: 1, StartedAt: t0}
	pruned := 0
	for b.Loop() {
		b.StopTimer()
		runs := make([]*store.Run, batch)
		for i := range runs {
			runs[i] = &store.Run{PlaybookID: "bench", Trigger: "alert_created", ObjectKind: model.KindAlert, ObjectID: 1,
				Status: store.RunSucceeded, Nodes: nodes, NextStep: 3, StartedAt: t0, FinishedAt: t0.Add(time.Second)}
		}
		err := s.WithTx(ctx, func(tx store.Tx) error {
			if err := tx.RunInsertBatch(ctx, append(runs, newest)); err != nil {
				return err
			}
			var steps []store.StepRecord
			var items []store.OutboxEnqueueParams
			for _, r := range runs {
				for n := 1; n <= 2; n++ {
					steps = append(steps, store.StepRecord{RunID: r.ID, Index: n, Name: "step", Type: "http",
						Status: store.StepSucceeded, Output: benchRaw, StartedAt: t0, FinishedAt: t0})
					items = append(items, store.OutboxEnqueueParams{Key: "playbook/" + strconv.FormatInt(r.ID, 10) + "/step/" + strconv.Itoa(n),
						Integration: store.RunLanePrefix + "bench", ObjectRef: store.RunObjectRef(r.ID), Action: "playbook_step",
						OriginKind: model.KindAlert, OriginID: 1, Now: t0, LeaseOwner: "bench", LeaseUntil: t0.Add(time.Minute)})
				}
			}
			if err := tx.StepUpsertBatch(ctx, steps); err != nil {
				return err
			}
			ids, _, err := tx.OutboxEnqueueBatch(ctx, items)
			if err != nil {
				return err
			}
			done := make([]store.OutboxResult, len(ids))
			for i, id := range ids {
				done[i] = store.OutboxResult{ID: id, State: store.OutboxDone, Now: t0}
			}
			return tx.OutboxComplete(ctx, "bench", done)
		})
		if err != nil {
			b.Fatal(err)
		}
		// Each round's newest is a fresh run that stays: the one before
		// is finished now, and pruned with the rest.
		newest = &store.Run{PlaybookID: "bench", Trigger: "alert_created", Status: store.RunSucceeded, NextStep: 1,
			StartedAt: t0, FinishedAt: t0}
		b.StartTimer()
		err = s.WithTx(ctx, func(tx store.Tx) error {
			n, _, err := tx.RunPrune(ctx, store.RunPruneParams{Before: t0.Add(time.Minute), Limit: batch + 1})
			pruned += n
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(pruned)/b.Elapsed().Seconds(), "runs/s")
}
