package ui_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/alertsync/alertsync/internal/api"
	"github.com/alertsync/alertsync/internal/config"
	"github.com/alertsync/alertsync/internal/engine"
	"github.com/alertsync/alertsync/internal/model"
	"github.com/alertsync/alertsync/internal/store"
	"github.com/alertsync/alertsync/internal/store/sqlite"
	"github.com/alertsync/alertsync/internal/store/storetest"
	"github.com/alertsync/alertsync/internal/ui"
)

// BenchmarkPagesAtScale times the alerts list (first page, a page deep
// in, pages filtered by severity, host and first-seen window, alone and
// together, near the start and near the end) and one alert's page with
// its timeline over a SQLite store holding ALERTSYNC_UI_BENCH_ALERTS
// alerts (1,000,000 when unset), one first seen a second. The store is
// filled once into ALERTSYNC_UI_BENCH_DIR when that is set and reused by
// later runs.
func BenchmarkPagesAtScale(b *testing.B) {
	n := 1_000_000
	if v, err := strconv.Atoi(os.Getenv("ALERTSYNC_UI_BENCH_ALERTS")); err == nil && v > 0 {
		n = v
	}
	dir := os.Getenv("ALERTSYNC_UI_BENCH_DIR")
	if dir == "" {
		dir = b.TempDir()
	}
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(dir, "alertsync.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = st.Close() })
	if err := st.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	fillAlerts(b, storetest.Default(st), n)
	eng := engine.New(engine.Options{Store: st.Scope(store.DefaultTenant)})
	eng.AddIntegration(engine.Integration{ID: "bench", Kind: "httpintake", Policy: engine.DefaultPolicy()})
	giveHistory(b, eng, int64(n/2))
	srv := httptest.NewServer(ui.New(ui.Deps{API: api.Deps{Store: st, Engine: eng, AdminToken: config.NewSecret(adminToken)}}))
	b.Cleanup(srv.Close)
	br := (&hub{t: b, base: srv.URL}).browser().login(adminToken)
	for _, c := range []struct{ name, path string }{
		{"alerts first page", "/alerts"},
		{"alerts page 900k in", fmt.Sprintf("/alerts?after=%d", n*9/10)},
		{"alerts filtered by severity and host", "/alerts?severity=critical&host=host-7"},
		{"alerts filtered by a severity none has", "/alerts?severity=informational"},
		{"alerts filtered by severity, a day's window early", "/alerts?severity=critical&from=2026-01-02T00:00&to=2026-01-03T00:00"},
		{"alerts filtered by severity, a day's window late", "/alerts?severity=high&from=" + day(n, -1) + "&to=" + day(n, 0)},
		{"alerts filtered by a window, an hour late", "/alerts?from=" + day(n, -1)[:11] + "12:00&to=" + day(n, -1)[:11] + "13:00"},
		{"alerts filtered by a window after the newest", "/alerts?from=2026-12-01T00:00"},
		{"dashboard", "/"},
		{"alert timeline", fmt.Sprintf("/alerts/%d", n/2)},
	} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				if p := br.get(c.path); p.status != http.StatusOK {
					b.Fatalf("%s = %d", c.path, p.status)
				}
			}
		})
	}
}

// day is the midnight that starts the day alert n was first seen on,
// moved by back days, as the console's time filter takes it.
func day(n, back int) string {
	at := benchStart.Add(time.Duration(n)*time.Second).Truncate(24*time.Hour).AddDate(0, 0, back)
	return at.Format("2006-01-02T15:04")
}

// benchStart is when the bench's first alert was first seen.
var benchStart = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// fillAlerts inserts alerts until the store holds n.
func fillAlerts(b *testing.B, st *storetest.Both, n int) {
	ctx := context.Background()
	have, err := st.AlertList(ctx, store.AlertListParams{AfterID: int64(n - 1), Limit: 1})
	if err != nil {
		b.Fatal(err)
	}
	if len(have) > 0 {
		return
	}
	start := time.Now()
	sevs := []model.Severity{model.SeverityLow, model.SeverityMedium, model.SeverityHigh, model.SeverityCritical}
	at := benchStart
	const batch = 5000
	for done := 0; done < n; done += batch {
		alerts := make([]*model.Alert, 0, batch)
		for i := done; i < min(done+batch, n); i++ {
			t := at.Add(time.Duration(i) * time.Second)
			alerts = append(alerts, &model.Alert{Integration: "bench", VendorID: "b-" + strconv.Itoa(i), Title: "Bench alert " + strconv.Itoa(i),
				Severity: sevs[i%len(sevs)], Status: model.StatusNew, Source: "edr", CreatedAt: t, UpdatedAt: t, FirstSeenAt: t,
				LastChangedAt: t, Revision: 1, Raw: []byte(`{"id":"b"}`),
				Entities: model.Entities{Hosts: []string{"host-" + strconv.Itoa(i%1000)}, Users: []string{"user-" + strconv.Itoa(i%500)}}})
		}
		if err := st.WithTx(ctx, func(tx store.Tx) error { return tx.AlertInsertBatch(ctx, alerts) }); err != nil {
			b.Fatal(err)
		}
	}
	b.Logf("stored %d alerts in %v", n, time.Since(start).Round(time.Second))
}

// giveHistory gives the timed alert what an alert's page shows: verdicts
// (revisions and write-backs), comments and a validation.
func giveHistory(b *testing.B, eng *engine.Engine, id int64) {
	ctx := context.Background()
	who := model.Actor{Kind: model.ActorAnalyst, Name: "bench"}
	for _, v := range []model.Verdict{model.VerdictSuspicious, model.VerdictNotAThreat} {
		if _, err := eng.SetAlertVerdict(ctx, engine.VerdictParams{ID: id, Verdict: v, Actor: who}); err != nil {
			b.Fatal(err)
		}
	}
	for i := range 5 {
		if _, err := eng.AddComment(ctx, model.KindAlert, id, who, fmt.Sprintf("looked at it (%d)", i)); err != nil {
			b.Fatal(err)
		}
	}
	if err := eng.StartValidation(ctx, id); err != nil {
		b.Fatal(err)
	}
}
