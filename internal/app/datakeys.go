package app

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/alertsync/alertsync/internal/secrets"
	"github.com/alertsync/alertsync/internal/store"
)

// Each tenant's integration secrets are sealed with the tenant's own data
// key, stored wrapped by the master keyring in the tenant's row (see
// package secrets). Deleting a tenant overwrites its wrapped key first, so
// whatever it sealed, copies and backups included, can no longer be
// opened, then purges its rows.

// destroyedKey is the wrapped data key of a tenant being deleted: its key
// was overwritten (crypto-shredding), and no new one may be made for it
// while its rows are purged.
var destroyedKey = []byte("destroyed")

// errKeyDestroyed is what sealing or opening a secret of a tenant being
// deleted gets.
var errKeyDestroyed = errors.New("the tenant's data key was destroyed: the tenant is being deleted")

// keySwapTries bounds how often a change of a tenant's key is tried again
// after another replica changed it first.
const keySwapTries = 5

// dataKeys hands out tenants' data keys in clear. An unwrapped key is kept
// in memory beside the wrapped form it came from; each use reads the
// tenant's row (one small read) and unwraps again only when the wrapped
// key changed there (rewrapped by a rotation, destroyed, or a tenant
// deleted and created again under the same id by another replica).
type dataKeys struct {
	store store.Tenants
	ring  *secrets.Keyring

	mu    sync.Mutex
	cache map[string]cachedKey
}

type cachedKey struct {
	wrapped []byte
	key     *secrets.DataKey
}

func newDataKeys(st store.Tenants, ring *secrets.Keyring) *dataKeys {
	return &dataKeys{store: st, ring: ring, cache: map[string]cachedKey{}}
}

// envelope returns what seals and opens the tenant's secrets. A tenant
// without a data key (one from before data keys) gets one when create is
// set, made by whichever replica swaps it in first; without create, its
// envelope opens what the master keyring sealed and seals nothing. It
// must not be called inside a transaction of SQLite's single writer when
// create is set.
func (d *dataKeys) envelope(ctx context.Context, tenant string, create bool) (secrets.Envelope, error) {
	for range keySwapTries {
		t, err := d.store.TenantGet(ctx, tenant)
		if err != nil {
			return secrets.Envelope{}, fmt.Errorf("get the data key of tenant %s: %w", tenant, err)
		}
		key, err := d.keyOf(ctx, t, create)
		if errors.Is(err, store.ErrConflict) {
			continue // another replica made the key: read it
		}
		if err != nil {
			return secrets.Envelope{}, err
		}
		return secrets.Envelope{Ring: d.ring, Key: key}, nil
	}
	return secrets.Envelope{}, fmt.Errorf("make the data key of tenant %s: %w", tenant, store.ErrConflict)
}

// keyOf is the data key t's row holds, unwrapped; nil when it has none
// and create is not set.
func (d *dataKeys) keyOf(ctx context.Context, t store.Tenant, create bool) (*secrets.DataKey, error) {
	switch {
	case bytes.Equal(t.DataKey, destroyedKey):
		d.forget(t.ID)
		return nil, fmt.Errorf("tenant %s: %w", t.ID, errKeyDestroyed)
	case len(t.DataKey) == 0 && !create:
		return nil, nil
	case len(t.DataKey) == 0:
		return d.create(ctx, t.ID)
	}
	d.mu.Lock()
	c, ok := d.cache[t.ID]
	d.mu.Unlock()
	if ok && bytes.Equal(c.wrapped, t.DataKey) {
		return c.key, nil
	}
	key, err := d.ring.UnwrapDataKey(t.DataKey, t.ID)
	if err != nil {
		return nil, fmt.Errorf("tenant %s: %w", t.ID, err)
	}
	d.remember(t.ID, t.DataKey, key)
	return key, nil
}

// create makes the tenant's first data key, if no other replica made one
// meanwhile (then it is ErrConflict).
func (d *dataKeys) create(ctx context.Context, tenant string) (*secrets.DataKey, error) {
	key, wrapped, err := newWrappedKey(d.ring, tenant)
	if err != nil {
		return nil, err
	}
	if err := d.store.TenantKeySwap(ctx, store.TenantKeySwapParams{Tenant: tenant, New: wrapped}); err != nil {
		return nil, err
	}
	d.remember(tenant, wrapped, key)
	return key, nil
}

// replace gives the tenant a new data key in place of one no configured
// key unwraps (the master key was lost, or this replica was given another
// one): what the old key sealed is lost either way, and the caller stores
// the configured secrets again. A key that unwraps by now (another
// replica replaced it first) is kept.
func (d *dataKeys) replace(ctx context.Context, tenant string) (secrets.Envelope, error) {
	for range keySwapTries {
		t, err := d.store.TenantGet(ctx, tenant)
		if err != nil {
			return secrets.Envelope{}, fmt.Errorf("get the data key of tenant %s: %w", tenant, err)
		}
		key, err := d.keyOf(ctx, t, true)
		if !errors.Is(err, secrets.ErrNoKey) {
			if errors.Is(err, store.ErrConflict) {
				continue
			}
			return secrets.Envelope{Ring: d.ring, Key: key}, err
		}
		key, wrapped, err := newWrappedKey(d.ring, tenant)
		if err != nil {
			return secrets.Envelope{}, err
		}
		err = d.store.TenantKeySwap(ctx, store.TenantKeySwapParams{Tenant: tenant, Old: t.DataKey, New: wrapped})
		if errors.Is(err, store.ErrConflict) {
			continue
		}
		if err != nil {
			return secrets.Envelope{}, err
		}
		d.remember(tenant, wrapped, key)
		return secrets.Envelope{Ring: d.ring, Key: key}, nil
	}
	return secrets.Envelope{}, fmt.Errorf("replace the data key of tenant %s: %w", tenant, store.ErrConflict)
}

// newWrappedKey is a new data key for tenant and its wrapped form.
func newWrappedKey(ring *secrets.Keyring, tenant string) (*secrets.DataKey, []byte, error) {
	key, err := secrets.NewDataKey()
	if err != nil {
		return nil, nil, err
	}
	wrapped, err := ring.WrapDataKey(key, tenant)
	if err != nil {
		return nil, nil, err
	}
	return key, wrapped, nil
}

// keyState is what rewrap found of a tenant's data key.
type keyState int

const (
	keyNone      keyState = iota // none yet: a tenant from before data keys
	keyCurrent                   // wrapped with the keyring's current key
	keyRewrapped                 // wrapped with a previous key, now with the current one
	keyDestroyed                 // destroyed: the tenant is being deleted
)

// rewrap wraps the tenant's data key again with the keyring's current key
// if a previous key wrapped it. The data key itself does not change, so
// nothing it sealed needs sealing again.
func (d *dataKeys) rewrap(ctx context.Context, tenant string) (keyState, error) {
	for range keySwapTries {
		t, err := d.store.TenantGet(ctx, tenant)
		if err != nil {
			return keyNone, fmt.Errorf("get the data key of tenant %s: %w", tenant, err)
		}
		switch {
		case len(t.DataKey) == 0:
			return keyNone, nil
		case bytes.Equal(t.DataKey, destroyedKey):
			return keyDestroyed, nil
		}
		out, changed, err := d.ring.RewrapDataKey(t.DataKey, tenant)
		if err != nil {
			return keyNone, fmt.Errorf("tenant %s: %w", tenant, err)
		}
		if !changed {
			return keyCurrent, nil
		}
		err = d.store.TenantKeySwap(ctx, store.TenantKeySwapParams{Tenant: tenant, Old: t.DataKey, New: out})
		if errors.Is(err, store.ErrConflict) {
			continue // rewrapped or destroyed meanwhile: look again
		}
		if err != nil {
			return keyNone, err
		}
		return keyRewrapped, nil
	}
	return keyNone, fmt.Errorf("rewrap the data key of tenant %s: %w", tenant, store.ErrConflict)
}

func (d *dataKeys) remember(tenant string, wrapped []byte, key *secrets.DataKey) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.cache[tenant] = cachedKey{wrapped: bytes.Clone(wrapped), key: key}
}

// forget drops the tenant's key from memory.
func (d *dataKeys) forget(tenant string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	delete(d.cache, tenant)
}

// destroyDataKey overwrites a tenant's wrapped data key, committed before
// it returns: from then on nothing its key sealed can be opened, by any
// replica or from any copy of the database. A tenant whose key is
// already destroyed, or that is gone, is left as it is.
func destroyDataKey(ctx context.Context, st store.Tenants, tenant string) error {
	for range keySwapTries {
		t, err := st.TenantGet(ctx, tenant)
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("destroy the data key of tenant %s: %w", tenant, err)
		}
		if bytes.Equal(t.DataKey, destroyedKey) {
			return nil
		}
		err = st.TenantKeySwap(ctx, store.TenantKeySwapParams{Tenant: tenant, Old: t.DataKey, New: destroyedKey})
		switch {
		case errors.Is(err, store.ErrNotFound):
			return nil
		case !errors.Is(err, store.ErrConflict):
			return err
		}
	}
	return fmt.Errorf("destroy the data key of tenant %s: %w", tenant, store.ErrConflict)
}
