package demo

import (
	"context"
	"strings"
	"testing"
	"time"

	_ "github.com/alertsync/alertsync/internal/connectors/all"
)

// TestDemoScenario is the end-to-end harness: the whole hub on SQLite
// against every emulator, in-process, checking each row of the scenario
// (including the seed's Defender for Cloud ↔ Sentinel table) against the
// emulators' own state.
func TestDemoScenario(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end scenario")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	sum, err := Run(ctx, Options{PollInterval: 300 * time.Millisecond, GraphAlerts: 120, MDEAlerts: 60, DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	sum.Print(&out)
	t.Log("\n" + out.String())
	if f := sum.Failed(); len(f) > 0 {
		t.Fatalf("%d rows failed: %+v", len(f), f)
	}
	if len(sum.Rows) < 14 {
		t.Fatalf("only %d rows ran", len(sum.Rows))
	}
	if sum.Outbox["dead"] != 0 {
		t.Fatalf("dead letters after the demo: %v", sum.Outbox)
	}
}
