package ui_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/alertsync/alertsync/internal/api"
	"github.com/alertsync/alertsync/internal/config"
	"github.com/alertsync/alertsync/internal/engine"
	"github.com/alertsync/alertsync/internal/model"
	"github.com/alertsync/alertsync/internal/store"
	"github.com/alertsync/alertsync/internal/store/sqlite"
	"github.com/alertsync/alertsync/internal/ui"
)

var alertRow = regexp.MustCompile(`<tr><td><a href="/alerts/(\d+)">`)

// TestListFiltersInTheStore: severity and the first-seen window are the
// store's filters, so a rare match far down a long list is found on the
// first page, where a budgeted scan stopped short; only a user beside a
// host is still checked by the console.
func TestListFiltersInTheStore(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), sqlite.FileName))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	const n, rare = 12_000, 11_000
	base := time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)
	alerts := make([]*model.Alert, n)
	for i := range alerts {
		at := base.Add(time.Duration(i) * time.Minute)
		sev := model.SeverityLow
		if i == rare {
			sev = model.SeverityCritical
		}
		alerts[i] = &model.Alert{Integration: "edr", VendorID: strconv.Itoa(i), Title: "alert " + strconv.Itoa(i), Severity: sev,
			Status: model.StatusNew, CreatedAt: at, UpdatedAt: at, FirstSeenAt: at, LastChangedAt: at, Revision: 1,
			Entities: model.Entities{Hosts: []string{"host-" + strconv.Itoa(i%10)}, Users: []string{"user-" + strconv.Itoa(i%7)}}}
	}
	sc := st.Scope(store.DefaultTenant)
	if err := sc.WithTx(ctx, func(tx store.Tx) error { return tx.AlertInsertBatch(ctx, alerts) }); err != nil {
		t.Fatal(err)
	}
	eng := engine.New(engine.Options{Store: sc})
	srv := httptest.NewServer(ui.New(ui.Deps{API: api.Deps{Store: st, Engine: eng, AdminToken: config.NewSecret(adminToken)}}))
	t.Cleanup(srv.Close)
	br := (&hub{t: t, base: srv.URL}).browser().login(adminToken)
	id := func(i int) int64 { return alerts[i].ID }
	minute := func(i int) string { return base.Add(time.Duration(i) * time.Minute).Format("2006-01-02T15:04") }
	tests := []struct {
		name, query string
		first       int64
		rows        int
		next        bool
	}{
		{"rare severity far down", "severity=critical", id(rare), 1, false},
		{"a window far down", "from=" + minute(rare) + "&to=" + minute(rare+3), id(rare), 3, false},
		{"a window's first page", "from=" + minute(100), id(100), 50, true},
		{"severity in the window", "severity=low&from=" + minute(rare-1) + "&to=" + minute(rare+2), id(rare - 1), 2, false},
		{"severity outside the window", "severity=critical&to=" + minute(rare), 0, 0, false},
		{"a window after the last alert", "from=" + minute(n+5), 0, 0, false},
		{"host and user, the user checked here", "host=host-3&user=user-5", id(33), 50, true},
	}
	for _, tc := range tests {
		p := br.get("/alerts?"+tc.query).want(t, http.StatusOK)
		rows := alertRow.FindAllStringSubmatch(p.body, -1)
		if len(rows) != tc.rows {
			t.Errorf("%s: %d rows, want %d", tc.name, len(rows), tc.rows)
			continue
		}
		if tc.rows > 0 && rows[0][1] != fmt.Sprint(tc.first) {
			t.Errorf("%s: first row %s, want %d", tc.name, rows[0][1], tc.first)
		}
		if got := regexp.MustCompile(`rel="next"`).MatchString(p.body); got != tc.next {
			t.Errorf("%s: next page link %t, want %t", tc.name, got, tc.next)
		}
		if regexp.MustCompile(`Looked through`).MatchString(p.body) {
			t.Errorf("%s: the page spent a scan budget", tc.name)
		}
	}
}
