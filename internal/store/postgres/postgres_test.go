package postgres_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/alertsync/alertsync/internal/model"

	"github.com/alertsync/alertsync/internal/store"
	"github.com/alertsync/alertsync/internal/store/storetest"
)

// setup opens a migrated store in a schema of its own; see
// storetest.OpenPostgres.
func setup(tb testing.TB) store.Store { return storetest.OpenPostgres(tb) }

func TestConformance(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T) store.Store { return setup(t) })
}

// TestSchemaIsolation checks that two stores in different schemas do not
// see each other's rows.
func TestSchemaIsolation(t *testing.T) {
	t.Parallel()
	a, b := setup(t), setup(t)
	err := a.WithTx(t.Context(), func(tx store.Tx) error {
		return tx.CursorSet(t.Context(), "i", "s", "only in a", time.Now())
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.CursorGet(t.Context(), "i", "s"); err == nil {
		t.Error("store b sees store a's cursor")
	}
}

func BenchmarkIngestBatch(b *testing.B) {
	storetest.BenchIngestBatch(b, setup(b))
}

func BenchmarkOutboxClaimFinish(b *testing.B) {
	storetest.BenchOutboxClaimFinish(b, setup(b))
}

// TestMaintainAnalyzesGrownTables: a table that grew from empty is
// analyzed by Maintain, and then no longer named stale. The server
// publishes its change counters within a second or so, hence the
// bounded poll (autovacuum, if on, waits its naptime of a minute).
func TestMaintainAnalyzesGrownTables(t *testing.T) {
	t.Parallel()
	st := storetest.OpenPostgres(t)
	ctx := t.Context()
	err := st.WithTx(ctx, func(tx store.Tx) error {
		recs := make([]*model.Evidence, 3000)
		for i := range recs {
			recs[i] = &model.Evidence{Integration: "o365", VendorID: fmt.Sprintf("r%d", i), Operation: "op", Summary: "s",
				OccurredAt: time.Unix(1700000000, 0), IngestedAt: time.Unix(1700000000, 0), Entities: model.Entities{Users: []string{"u"}}}
		}
		_, err := tx.EvidenceInsertBatch(ctx, recs)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	m, ok := st.(store.Maintainer)
	if !ok {
		t.Fatal("the PostgreSQL store does not maintain its statistics")
	}
	analyzed := false
	for deadline := time.Now().Add(15 * time.Second); !analyzed && time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		names, err := m.Maintain(ctx)
		if err != nil {
			t.Fatal(err)
		}
		analyzed = slices.Contains(names, "evidence")
	}
	if !analyzed {
		t.Fatal("Maintain never analyzed the evidence table after 3,000 rows went in")
	}
	if names, err := m.Maintain(ctx); err != nil || slices.Contains(names, "evidence") {
		t.Errorf("evidence still stale right after its analysis: %v, %v", names, err)
	}
}
