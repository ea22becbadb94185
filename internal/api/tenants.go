package api

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/alertsync/alertsync/internal/engine"
	"github.com/alertsync/alertsync/internal/playbook"
	"github.com/alertsync/alertsync/internal/store"
)

// TenantHeader names the tenant an operator's request acts in; without
// it, the default tenant. A tenant-scoped token may send its own tenant
// or nothing.
const TenantHeader = "X-Alertsync-Tenant"

// TenantParts are what the API serves of one running tenant.
type TenantParts struct {
	Scope     store.Scoped
	Engine    *engine.Engine
	Playbooks *playbook.Runner
	// Waiting: see Deps.Waiting.
	Waiting func(integration string) (reason string, until time.Time, ok bool)
}

// Tenants are the hub's running tenants and their lifecycle.
type Tenants interface {
	// Tenant returns a running tenant's parts; false for a tenant that
	// does not exist, is disabled or is deleted.
	Tenant(id string) (TenantParts, bool)
	CreateTenant(ctx context.Context, id, name string) (store.Tenant, error)
	SetTenantStatus(ctx context.Context, id string, status store.TenantStatus) (store.Tenant, error)
	DeleteTenant(ctx context.Context, id string) error
}

// tenantCopies are the per-tenant servers built so far, each the API's
// server with that tenant's store, engine and playbooks: every handler
// then reads and writes its request's tenant only, without knowing of
// tenants at all.
type tenantCopies struct {
	mu   sync.Mutex
	byID map[string]*server
}

// forTenant returns the server that serves tenant id, or false when no
// such tenant runs.
func (s *server) forTenant(id string) (*server, bool) {
	if s.tenants == nil {
		return s, id == store.DefaultTenant
	}
	parts, ok := s.tenants.Tenant(id)
	if !ok {
		return nil, false
	}
	s.copies.mu.Lock()
	defer s.copies.mu.Unlock()
	if cp := s.copies.byID[id]; cp != nil && cp.engine == parts.Engine {
		return cp, true
	}
	cp := *s
	cp.tenant, cp.store, cp.engine, cp.playbooks, cp.waiting = id, parts.Scope, parts.Engine, parts.Playbooks, parts.Waiting
	if cp.playbooks == nil {
		cp.playbooks = playbook.New(playbook.Options{Store: parts.Scope, Engine: parts.Engine})
	}
	cp.health = newHealthCache(healthTTL, healthTimeout)
	cp.log = s.log.With("tenant", id)
	cp.routes = cp.handlers()
	s.copies.byID[id] = &cp
	return &cp, true
}

// servedKey carries, from logRequests to the handler that learns it, the
// tenant a request was served in, for the access log.
type servedKey struct{}

func noteServed(r *http.Request, tenant string) {
	if p, ok := r.Context().Value(servedKey{}).(*string); ok {
		*p = tenant
	}
}

// dispatch serves one route: it authenticates the caller (unless the
// route is public), picks the tenant the request acts in and runs the
// route's handler of that tenant's server. Another tenant's objects are
// then simply not found: a tenant-scoped token gets 404 for them, never
// 403, and learns nothing of their existence.
func (s *server) dispatch(rt Access) http.Handler {
	key := rt.Method + " " + rt.Pattern
	if rt.Role == RolePublic {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			tenant := store.DefaultTenant
			if id := r.PathValue("tenant"); id != "" && strings.Contains(rt.Pattern, "{tenant}") {
				tenant = id
			}
			ts, ok := s.forTenant(tenant)
			if !ok {
				writeError(w, http.StatusNotFound, codeNotFound, "no such tenant")
				return
			}
			noteServed(r, tenant)
			ts.routes[key].ServeHTTP(w, r)
		})
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, ok := s.authenticate(r)
		if !ok {
			w.Header().Set("WWW-Authenticate", `Bearer realm="alertsync"`)
			writeError(w, http.StatusUnauthorized, codeUnauthorized, "a valid bearer token is required")
			return
		}
		if !p.Role.AtLeast(rt.Role) {
			writeError(w, http.StatusForbidden, codeForbidden, "this needs the "+string(rt.Role)+" role")
			return
		}
		tenant, ok := requestTenant(r, p)
		var ts *server
		if ok {
			ts, ok = s.forTenant(tenant)
		}
		if !ok {
			writeError(w, http.StatusNotFound, codeNotFound, "no such tenant")
			return
		}
		noteServed(r, tenant)
		if p.AllTenants() && rt.Method != http.MethodGet {
			// An operator acts for a tenant: each change says whose.
			s.log.LogAttrs(r.Context(), slog.LevelInfo, "operator action", slog.String("principal", p.Name),
				slog.String("tenant", tenant), slog.String("method", r.Method), slog.String("route", rt.Pattern))
		}
		ts.routes[key].ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), principalKey{}, p)))
	})
}

// requestTenant is the tenant a request acts in: the token's own, or for
// an operator the one TenantHeader names (the default tenant without
// one). A tenant-scoped token naming another tenant is answered as if
// that tenant did not exist.
func requestTenant(r *http.Request, p Principal) (string, bool) {
	asked := strings.TrimSpace(r.Header.Get(TenantHeader))
	if p.AllTenants() {
		if asked == "" {
			return store.DefaultTenant, true
		}
		return asked, store.CheckTenantID(asked) == nil
	}
	if asked != "" && asked != p.Tenant {
		return "", false
	}
	return p.Tenant, true
}

// tenantView is a tenant as the API shows it.
type tenantView struct {
	ID        string             `json:"id"`
	Name      string             `json:"name"`
	Status    store.TenantStatus `json:"status"`
	Running   bool               `json:"running"`
	CreatedAt time.Time          `json:"created_at"`
	UpdatedAt time.Time          `json:"updated_at"`
}

func (s *server) viewTenant(t store.Tenant) tenantView {
	_, running := s.forTenant(t.ID)
	return tenantView{ID: t.ID, Name: t.Name, Status: t.Status, Running: running, CreatedAt: t.CreatedAt, UpdatedAt: t.UpdatedAt}
}

// listTenants answers GET /api/v1/tenants (operators).
func (s *server) listTenants(w http.ResponseWriter, r *http.Request) {
	list, err := s.hub.TenantList(r.Context())
	if err != nil {
		s.fail(w, r, fmt.Errorf("list tenants: %w", err))
		return
	}
	out := make([]tenantView, 0, len(list))
	for _, t := range list {
		out = append(out, s.viewTenant(t))
	}
	writeJSON(w, http.StatusOK, map[string]any{"tenants": out})
}

// tenantRequest is the body of POST /api/v1/tenants and PATCH
// /api/v1/tenants/{tenant}.
type tenantRequest struct {
	ID     string             `json:"id"`
	Name   string             `json:"name"`
	Status store.TenantStatus `json:"status"`
}

// createTenant answers POST /api/v1/tenants (operators).
func (s *server) createTenant(w http.ResponseWriter, r *http.Request) {
	var req tenantRequest
	if !decodeBody(w, r, &req) {
		return
	}
	if s.tenants == nil {
		writeError(w, http.StatusConflict, codeConflict, "this hub serves one tenant")
		return
	}
	t, err := s.tenants.CreateTenant(r.Context(), req.ID, req.Name)
	if err != nil {
		s.tenantError(w, r, "create tenant", err)
		return
	}
	writeJSON(w, http.StatusCreated, s.viewTenant(t))
}

// updateTenant answers PATCH /api/v1/tenants/{tenant} (operators): a
// status of active or disabled.
func (s *server) updateTenant(w http.ResponseWriter, r *http.Request) {
	var req tenantRequest
	if !decodeBody(w, r, &req) {
		return
	}
	if req.Status != store.TenantActive && req.Status != store.TenantDisabled {
		writeError(w, http.StatusBadRequest, codeInvalid, "status must be active or disabled")
		return
	}
	if s.tenants == nil {
		writeError(w, http.StatusConflict, codeConflict, "this hub serves one tenant")
		return
	}
	t, err := s.tenants.SetTenantStatus(r.Context(), r.PathValue("tenant"), req.Status)
	if err != nil {
		s.tenantError(w, r, "update tenant", err)
		return
	}
	writeJSON(w, http.StatusOK, s.viewTenant(t))
}

// deleteTenant answers DELETE /api/v1/tenants/{tenant} (operators): the
// tenant stops everywhere, its rows are purged and its data key goes.
func (s *server) deleteTenant(w http.ResponseWriter, r *http.Request) {
	if s.tenants == nil {
		writeError(w, http.StatusConflict, codeConflict, "this hub serves one tenant")
		return
	}
	if err := s.tenants.DeleteTenant(r.Context(), r.PathValue("tenant")); err != nil {
		s.tenantError(w, r, "delete tenant", err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *server) tenantError(w http.ResponseWriter, r *http.Request, what string, err error) {
	if errors.Is(err, store.ErrNotFound) {
		writeError(w, http.StatusNotFound, codeNotFound, "no such tenant")
		return
	}
	s.fail(w, r, fmt.Errorf("%s: %w", what, err))
}
