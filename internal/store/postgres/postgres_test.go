package postgres_test

import (
	"testing"
	"time"

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
