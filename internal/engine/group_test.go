package engine_test

import (
	"fmt"
	"sync"
	"testing"

	"github.com/alertsync/alertsync/internal/connector"
	"github.com/alertsync/alertsync/internal/engine"
	"github.com/alertsync/alertsync/internal/store"
	"github.com/alertsync/alertsync/internal/store/storetest"
)

// TestConcurrentIngestsShareCommits: many small ingests at once (pushes,
// one alert each) are committed in shared transactions, and each caller
// still gets its own result: new alerts created once, a repeat seen as
// unchanged, an unmappable item quarantined for its caller only.
func TestConcurrentIngestsShareCommits(t *testing.T) {
	t.Parallel()
	onBothStores(t, func(t *testing.T, st *storetest.Both) {
		h := setupOn(t, st, engine.DefaultPolicy())
		const n = 60
		results := make([]engine.IngestResult, n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				items := []connector.Item{vendorAlert(fmt.Sprintf("g-%d", i%(n-5)), "New", "ws-1")}
				if i == 7 {
					items = append(items, connector.Item{VendorID: "bad", Raw: []byte(`{}`), Err: fmt.Errorf("unmappable")})
				}
				results[i], errs[i] = h.eng.Ingest(t.Context(), "edr", items)
			})
		}
		wg.Wait()
		created, unchanged, quarantined := 0, 0, 0
		for i := range n {
			if errs[i] != nil {
				t.Fatalf("ingest %d: %v", i, errs[i])
			}
			created += results[i].Created
			unchanged += results[i].Unchanged
			quarantined += results[i].Quarantined
		}
		if created != n-5 || unchanged != 5 || quarantined != 1 || results[7].Quarantined != 1 {
			t.Errorf("created %d, unchanged %d, quarantined %d (caller 7: %+v); want %d, 5, 1", created, unchanged, quarantined, results[7], n-5)
		}
		list, err := st.AlertList(t.Context(), store.AlertListParams{Integration: "edr", Limit: 1000})
		if err != nil || len(list) != n-5 {
			t.Errorf("stored %d alerts, %v; want %d", len(list), err, n-5)
		}
	})
}
