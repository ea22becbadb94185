package app

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/alertsync/alertsync/internal/model"
	"github.com/alertsync/alertsync/internal/secrets"
	"github.com/alertsync/alertsync/internal/store"
	"github.com/alertsync/alertsync/internal/store/postgres"
	"github.com/alertsync/alertsync/internal/store/sqlite"
	"github.com/alertsync/alertsync/internal/store/storetest"
)

var keysT0 = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

func testRing(t *testing.T) *secrets.Keyring {
	t.Helper()
	ring, err := secrets.New("the master key of the data-key tests")
	if err != nil {
		t.Fatal(err)
	}
	return ring
}

// replicaStores opens n handles on one new database of the given kind,
// as n replicas would.
func replicaStores(t *testing.T, kind string, n int) []store.Store {
	t.Helper()
	open := func() (store.Store, error) { return nil, errors.New("unknown store kind " + kind) }
	switch kind {
	case "sqlite":
		path := filepath.Join(t.TempDir(), "alertsync.db")
		open = func() (store.Store, error) { return sqlite.Open(t.Context(), path) }
	case "postgres":
		dsn := storetest.PostgresSchemaDSN(t)
		open = func() (store.Store, error) { return postgres.Open(t.Context(), dsn) }
	}
	var out []store.Store
	for range n {
		st, err := open()
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = st.Close() })
		if err := st.Migrate(t.Context()); err != nil {
			t.Fatal(err)
		}
		out = append(out, st)
	}
	return out
}

// TestDataKeyMadeOnceAcrossReplicas: replicas that each seal a first
// secret of the same tenants from before data keys, at the same moment,
// all end up with the one data key the store holds.
func TestDataKeyMadeOnceAcrossReplicas(t *testing.T) {
	t.Parallel()
	for _, kind := range []string{"sqlite", "postgres"} {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			const replicas, tenants = 4, 8
			ring := testRing(t)
			stores := replicaStores(t, kind, replicas)
			for i := range tenants {
				tn := store.Tenant{ID: fmt.Sprintf("t%d", i), Status: store.TenantActive, CreatedAt: keysT0, UpdatedAt: keysT0}
				if err := stores[0].TenantUpsert(t.Context(), tn); err != nil {
					t.Fatal(err)
				}
			}
			for i := range tenants {
				id := fmt.Sprintf("t%d", i)
				envs := make([]secrets.Envelope, replicas)
				start := make(chan struct{})
				var wg sync.WaitGroup
				for r := range replicas {
					keys := newDataKeys(stores[r], ring)
					wg.Go(func() {
						<-start
						env, err := keys.envelope(t.Context(), id, true)
						if err != nil {
							t.Errorf("replica %d, tenant %s: %v", r, id, err)
						}
						envs[r] = env
					})
				}
				close(start)
				wg.Wait()
				if t.Failed() {
					t.FailNow()
				}
				stored, err := stores[0].TenantGet(t.Context(), id)
				if err != nil {
					t.Fatal(err)
				}
				held, err := ring.UnwrapDataKey(stored.DataKey, id)
				if err != nil {
					t.Fatal(err)
				}
				for r, env := range envs {
					blob, err := env.Seal([]byte("sealed by replica "+fmt.Sprint(r)), id+"/x")
					if err != nil {
						t.Fatal(err)
					}
					if _, err := held.Open(blob, id+"/x"); err != nil {
						t.Errorf("tenant %s: replica %d sealed with a key other than the stored one", id, r)
					}
				}
			}
		})
	}
}

// errInterrupted stands for a crash or a lost connection mid-purge.
var errInterrupted = errors.New("interrupted")

// interrupting is a store whose purges fail after a number of batches.
type interrupting struct {
	store.Store
	mu   sync.Mutex
	left int
}

func (s *interrupting) Scope(tenant string) store.Scoped {
	return &interruptingScope{Scoped: s.Store.Scope(tenant), s: s}
}

type interruptingScope struct {
	store.Scoped
	s *interrupting
}

func (sc *interruptingScope) Purge(ctx context.Context, batch int) (int, error) {
	sc.s.mu.Lock()
	if sc.s.left == 0 {
		sc.s.mu.Unlock()
		return 0, errInterrupted
	}
	sc.s.left--
	sc.s.mu.Unlock()
	return sc.Scoped.Purge(ctx, batch)
}

// fillForDeletion creates tenant acme with an integration whose secret
// is sealed with acme's data key, and enough alerts for several purge
// batches; it returns the sealed secret as stored.
func fillForDeletion(t *testing.T, st store.Store, ring *secrets.Keyring) []byte {
	t.Helper()
	ctx := t.Context()
	if _, err := createTenant(ctx, st, ring, "acme", "Acme", keysT0); err != nil {
		t.Fatal(err)
	}
	env, err := newDataKeys(st, ring).envelope(ctx, "acme", false)
	if err != nil || env.Key == nil {
		t.Fatalf("acme's data key after creation: %v, %v", env.Key, err)
	}
	sealed, err := env.Seal([]byte(`{"client_secret":"acme-client-secret"}`), secretAAD("acme", "edr"))
	if err != nil {
		t.Fatal(err)
	}
	alerts := make([]*model.Alert, purgeBatch+500)
	for i := range alerts {
		alerts[i] = &model.Alert{Integration: "edr", VendorID: fmt.Sprintf("a-%d", i), Title: "alert", Severity: model.SeverityLow,
			Status: model.StatusNew, CreatedAt: keysT0, UpdatedAt: keysT0, FirstSeenAt: keysT0, LastChangedAt: keysT0, Revision: 1}
	}
	err = st.Scope("acme").WithTx(ctx, func(tx store.Tx) error {
		if err := tx.IntegrationUpsert(ctx, store.Integration{ID: "edr", Kind: "crowdstrike", Name: "EDR", Enabled: true,
			Settings: []byte(`{}`), Secrets: sealed, Policy: []byte(`{}`), UpdatedAt: keysT0}); err != nil {
			return err
		}
		return tx.AlertInsertBatch(ctx, alerts)
	})
	if err != nil {
		t.Fatal(err)
	}
	row, err := st.Scope("acme").IntegrationGet(ctx, "edr")
	if err != nil {
		t.Fatal(err)
	}
	return row.Secrets
}

// TestDeleteTenantShredsFirst deletes a tenant on both stores, with the
// purge interrupted after its first batch: by then the tenant's data key
// is destroyed and committed, so a secret copied out of the database
// before the delete opens with nothing the database and the master key
// still hold, and no new key can be made for the tenant; run again, the
// delete resumes the purge and completes.
func TestDeleteTenantShredsFirst(t *testing.T) {
	t.Parallel()
	for _, sk := range storetest.Stores {
		t.Run(sk.Name, func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			st := sk.Open(t)
			ring := testRing(t)
			copied := fillForDeletion(t, st, ring)
			aad := secretAAD("acme", "edr")
			keys := newDataKeys(st, ring)
			if env, err := keys.envelope(ctx, "acme", false); err != nil {
				t.Fatal(err)
			} else if plain, err := env.Open(copied, aad); err != nil || string(plain) != `{"client_secret":"acme-client-secret"}` {
				t.Fatalf("before the delete the copied secret opens: %q, %v", plain, err)
			}

			flaky := &interrupting{Store: st, left: 1}
			if _, err := deleteTenant(ctx, flaky, "acme", keysT0); !errors.Is(err, errInterrupted) {
				t.Fatalf("the interrupted delete = %v", err)
			}
			acme, err := st.TenantGet(ctx, "acme")
			if err != nil {
				t.Fatal(err)
			}
			if left, _ := st.Scope("acme").AlertList(ctx, store.AlertListParams{Limit: 10}); len(left) == 0 {
				t.Fatal("the purge was not interrupted: nothing is left to resume")
			}
			if string(acme.DataKey) != string(destroyedKey) || acme.Status != store.TenantDisabled {
				t.Fatalf("after the interrupted delete acme is %s with data key %q; want disabled, destroyed", acme.Status, acme.DataKey)
			}
			if _, err := ring.UnwrapDataKey(acme.DataKey, "acme"); err == nil {
				t.Error("the master key unwraps what is left of acme's data key")
			}
			if _, err := ring.Open(copied, aad); err == nil {
				t.Error("the master key opens the copied secret")
			}
			if _, err := (secrets.Envelope{Ring: ring}).Open(copied, aad); err == nil {
				t.Error("the master key's envelope opens the copied secret")
			}
			for _, create := range []bool{false, true} {
				if _, err := keys.envelope(ctx, "acme", create); !errors.Is(err, errKeyDestroyed) {
					t.Errorf("envelope(create %v) of a tenant being deleted = %v, want errKeyDestroyed", create, err)
				}
			}
			keys.mu.Lock()
			_, cached := keys.cache["acme"]
			keys.mu.Unlock()
			if cached {
				t.Error("the destroyed key is still held in memory")
			}

			rows, err := deleteTenant(ctx, st, "acme", keysT0)
			if err != nil {
				t.Fatalf("the resumed delete: %v", err)
			}
			if rows == 0 || rows > purgeBatch+1 {
				t.Errorf("the resumed delete purged %d rows; want what the first batch left", rows)
			}
			if _, err := st.TenantGet(ctx, "acme"); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("acme after the resumed delete: %v", err)
			}
			if left, _ := st.Scope("acme").AlertList(ctx, store.AlertListParams{Limit: 10}); len(left) != 0 {
				t.Errorf("%d alerts survive the delete", len(left))
			}
		})
	}
}
