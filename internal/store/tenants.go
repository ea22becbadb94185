package store

import (
	"context"
	"time"

	"github.com/alertsync/alertsync/internal/model"
)

// Tenant is one customer organisation the hub serves. Everything a tenant
// owns carries its id; DataKey is the tenant's own data key, wrapped by
// the master key (nil until first needed). Only TenantKeySwap changes it
// once the tenant exists.
type Tenant struct {
	ID        string       `json:"id"`
	Name      string       `json:"name"`
	Status    TenantStatus `json:"status"`
	DataKey   []byte       `json:"-"`
	CreatedAt time.Time    `json:"created_at"`
	UpdatedAt time.Time    `json:"updated_at"`
}

// TenantStatus is a tenant's lifecycle state.
type TenantStatus string

// Tenant states: an active tenant is polled and delivered to; a disabled
// one keeps its data but nothing of it runs.
const (
	TenantActive   TenantStatus = "active"
	TenantDisabled TenantStatus = "disabled"
)

// Tenants is the list of tenants, outside every tenant's scope.
type Tenants interface {
	TenantList(ctx context.Context) ([]Tenant, error)
	TenantGet(ctx context.Context, id string) (Tenant, error)
	// TenantUpsert creates a tenant, with its data key, or updates its
	// name and status; CreatedAt and the data key are kept from the first
	// write, so a caller writing back a tenant it read earlier never puts
	// back a data key replaced since.
	TenantUpsert(ctx context.Context, t Tenant) error
	// TenantKeySwap sets a tenant's wrapped data key to New if it is
	// still Old (nil: none), in one statement, so that two replicas
	// making a tenant's first key, or rewrapping it, never both win. It
	// is ErrConflict when the key is no longer Old, ErrNotFound when the
	// tenant does not exist.
	TenantKeySwap(ctx context.Context, p TenantKeySwapParams) error
	// TenantDelete removes a tenant's row, and with it its wrapped data
	// key (crypto-shredding whatever was sealed with it). Its data must
	// have been purged first (Scoped.Purge); the default tenant stays.
	TenantDelete(ctx context.Context, id string) error
}

// TenantKeySwapParams are a compare-and-set of a tenant's wrapped data
// key.
type TenantKeySwapParams struct {
	Tenant string
	// Old is the key the caller read; nil or empty for none.
	Old []byte
	// New replaces it; nil or empty for none.
	New []byte
}

// CheckTenantID reports whether id can name a tenant.
func CheckTenantID(id string) error { return model.CheckTenantID(id) }
