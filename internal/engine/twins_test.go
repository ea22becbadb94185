package engine_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/alertsync/alertsync/internal/connector"
	"github.com/alertsync/alertsync/internal/engine"
	"github.com/alertsync/alertsync/internal/store/storetest"
)

// TestTwinsLinkWhenBothArriveAtOnce: Graph and Defender for Cloud list
// the same alerts, and their polls store them at the same moment, each
// in its own transaction. Every pair must end linked as twins: on
// PostgreSQL, each transaction's search for the other record could miss
// the other's uncommitted row, unless the second waits for the first.
func TestTwinsLinkWhenBothArriveAtOnce(t *testing.T) {
	onBothStores(t, func(t *testing.T, st *storetest.Both) {
		ctx := context.Background()
		eng := engine.New(engine.Options{Store: st})
		for _, id := range []string{"dfc", "graph"} {
			eng.AddIntegration(engine.Integration{ID: id, Kind: "fake", Connector: &fakeVendor{}})
		}
		const pairs, batch = 200, 20
		item := func(integration string, i int) connector.Item {
			it := vendorAlert(fmt.Sprintf("%s-%d", integration, i), "New", fmt.Sprintf("vm-%d", i))
			it.Alert.SameAs = fmt.Sprintf("defendercloud:alert-%d", i)
			return it
		}
		var wg sync.WaitGroup
		errs := make(chan error, 2*pairs)
		for _, integration := range []string{"dfc", "graph"} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < pairs; i += batch {
					var items []connector.Item
					for j := i; j < i+batch; j++ {
						items = append(items, item(integration, j))
					}
					if _, err := eng.Ingest(ctx, integration, items); err != nil {
						errs <- err
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		for i := range pairs {
			a, err := st.AlertGetByVendor(ctx, "dfc", fmt.Sprintf("dfc-%d", i))
			if err != nil {
				t.Fatal(err)
			}
			b, err := st.AlertGetByVendor(ctx, "graph", fmt.Sprintf("graph-%d", i))
			if err != nil {
				t.Fatal(err)
			}
			if a.TwinID != b.ID || b.TwinID != a.ID {
				t.Errorf("pair %d not linked: dfc alert %d twin %d, graph alert %d twin %d", i, a.ID, a.TwinID, b.ID, b.TwinID)
			}
		}
	})
}
