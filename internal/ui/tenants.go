package ui

import (
	"context"

	"github.com/alertsync/alertsync/internal/api"
)

// TenantScope is the hook for the tenants switcher of issue 16, left
// empty on purpose: tenants do not exist in the store or the API yet, and
// a switcher that scoped nothing would mislead. When they arrive, an
// implementation lists the tenants a principal may pick (a provider
// operator: all of them; a tenant's users: their own), the layout shows
// the switcher when the list is not empty, and every page passes the
// picked tenant to the store the way the API's scoping does.
type TenantScope interface {
	Tenants(ctx context.Context, who api.Principal) []string
}

// noTenants is the hub without tenants: no switcher, everything visible
// to every role as on the API.
type noTenants struct{}

func (noTenants) Tenants(context.Context, api.Principal) []string { return nil }
