package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/alertsync/alertsync/internal/app"
	"github.com/alertsync/alertsync/internal/config"
	"github.com/alertsync/alertsync/internal/model"
	"github.com/alertsync/alertsync/internal/store"
)

// TestRunHistoryPrunedAfterRetention: a hub started with a day's
// retention deletes every tenant's runs that finished before it, more
// than one prune transaction's worth, keeps a run finished since, and
// counts what it deleted.
func TestRunHistoryPrunedAfterRetention(t *testing.T) {
	ctx := context.Background()
	cfg := intakeConfig(t, map[string]any{"intake_key": "intake-key-0123456789"})
	cfg.Tenants = []config.Tenant{{ID: "acme", Name: "Acme"}}
	cfg.Playbooks.RunRetention = 24 * time.Hour
	a, err := app.New(ctx, cfg, app.Options{})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	old := map[string]int{model.DefaultTenant: 501, "acme": 3}
	recent := map[string]int64{}
	for tenant, n := range old {
		var runs []*store.Run
		for i := range n + 1 {
			r := &store.Run{PlaybookID: "notify", Trigger: "alert_created", ObjectKind: model.KindAlert, ObjectID: 1,
				Status: store.RunSucceeded, Nodes: json.RawMessage(`[{}]`), NextStep: 2,
				StartedAt: now.Add(-49 * time.Hour), FinishedAt: now.Add(-48 * time.Hour)}
			if i == n {
				r.StartedAt, r.FinishedAt = now.Add(-2*time.Hour), now.Add(-time.Hour)
			}
			runs = append(runs, r)
		}
		err := a.Hub().Scope(tenant).WithTx(ctx, func(tx store.Tx) error { return tx.RunInsertBatch(ctx, runs) })
		if err != nil {
			t.Fatal(err)
		}
		recent[tenant] = runs[n].ID
	}
	if err := a.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = a.Stop(context.Background()) })
	var wants []string
	for tenant, n := range old {
		wants = append(wants, fmt.Sprintf(`alertsync_playbook_runs_pruned_total{tenant=%q} %d`, tenant, n))
	}
	waitMetric(t, apiCaller(t, a), func(m string) bool {
		for _, want := range wants {
			if !strings.Contains(m, want) {
				return false
			}
		}
		return true
	}, strings.Join(wants, ", "))
	for tenant := range old {
		runs, err := a.Hub().Scope(tenant).RunList(ctx, store.RunListParams{Limit: 1000})
		if err != nil || len(runs) != 1 || runs[0].ID != recent[tenant] {
			t.Errorf("tenant %s kept %d runs (%v); want only run %d, finished an hour ago", tenant, len(runs), err, recent[tenant])
		}
	}
}
