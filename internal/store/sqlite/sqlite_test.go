package sqlite_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/alertsync/alertsync/internal/model"
	"github.com/alertsync/alertsync/internal/store"
	"github.com/alertsync/alertsync/internal/store/sqlite"
	"github.com/alertsync/alertsync/internal/store/storetest"
)

// setup opens a migrated store at path, a file or a directory.
func setup(tb testing.TB, path string) store.Store {
	tb.Helper()
	s, err := sqlite.Open(tb.Context(), path)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		if err := s.Close(); err != nil {
			tb.Error(err)
		}
	})
	if err := s.Migrate(tb.Context()); err != nil {
		tb.Fatal(err)
	}
	return s
}

func TestConformance(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T) store.Store { return setup(t, t.TempDir()) })
}

// TestPath checks where the file lands, for a file path whose directory
// does not exist yet and holds URI delimiters, and for a directory, and
// that it is in WAL mode.
func TestPath(t *testing.T) {
	t.Parallel()
	base := t.TempDir()
	tests := []struct{ open, file string }{
		{filepath.Join(base, "new ?#%41", "x.db"), filepath.Join(base, "new ?#%41", "x.db")},
		{base, filepath.Join(base, sqlite.FileName)},
	}
	for _, tc := range tests {
		s := setup(t, tc.open)
		err := s.WithTx(t.Context(), func(tx store.Tx) error {
			return tx.AlertInsert(t.Context(), &model.Alert{Integration: "a", VendorID: "1"})
		})
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range []string{tc.file, tc.file + "-wal"} {
			if _, err := os.Stat(name); err != nil {
				t.Errorf("Open(%q): want %s: %v", tc.open, name, err)
			}
		}
	}
}

// TestReopen checks that data survives closing the store and that a
// second Migrate on an existing file is a no-op.
func TestReopen(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	s, err := sqlite.Open(t.Context(), dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	err = s.WithTx(t.Context(), func(tx store.Tx) error {
		return tx.CursorSet(t.Context(), "a", "alerts", "kept", time.Now())
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = setup(t, dir)
	if got, err := s.CursorGet(t.Context(), "a", "alerts"); err != nil || got != "kept" {
		t.Errorf("CursorGet after reopen = %q, %v", got, err)
	}
}

func BenchmarkIngestBatch(b *testing.B) {
	storetest.BenchIngestBatch(b, setup(b, b.TempDir()))
}

func BenchmarkOutboxClaimFinish(b *testing.B) {
	storetest.BenchOutboxClaimFinish(b, setup(b, b.TempDir()))
}
