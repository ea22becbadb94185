package app

import (
	"context"
	"errors"
	"fmt"
	"github.com/prometheus/client_golang/prometheus"
	"slices"
	"sync"
	"time"

	"github.com/alertsync/alertsync/internal/config"
	"github.com/alertsync/alertsync/internal/engine"
	"github.com/alertsync/alertsync/internal/model"
	"github.com/alertsync/alertsync/internal/outbox"
	"github.com/alertsync/alertsync/internal/playbook"
	"github.com/alertsync/alertsync/internal/secrets"
	"github.com/alertsync/alertsync/internal/store"
)

// tenant is what the app runs for one customer organisation: its part of
// the store, its own engine (so correlation, the echo ledger,
// reconciliation, deduplication and playbook triggers never reach across
// tenants: each engine sees only its tenant's scope), its playbooks and
// its integrations. The outbox worker and the HTTP server are shared and
// hand each piece of work to the tenant it belongs to.
type tenant struct {
	a         *App
	id        string
	cfg       config.Tenant
	scope     store.Scoped
	engine    *engine.Engine
	playbooks *playbook.Runner
	// cancel stops the tenant's pollers, which loops waits for.
	cancel context.CancelFunc
	loops  sync.WaitGroup
}

// tenantConfigs are the tenants the configuration declares, the default
// tenant first (the top-level integrations and playbooks).
func tenantConfigs(cfg config.Config) []config.Tenant {
	out := []config.Tenant{{ID: model.DefaultTenant, Name: "Default", Integrations: cfg.Integrations, Playbooks: cfg.Playbooks}}
	return append(out, cfg.Tenants...)
}

// loadTenants records the configured tenants in the store and builds each
// active one: its engine, its integrations and its playbooks. A tenant
// disabled in the store (through the API or the CLI) keeps its data but
// nothing of it runs.
func (a *App) loadTenants(ctx context.Context) error {
	a.tenants = map[string]*tenant{}
	for _, tc := range tenantConfigs(a.cfg) {
		st, err := a.recordTenant(ctx, tc)
		if err != nil {
			return err
		}
		if st.Status != store.TenantActive {
			a.log.Info("tenant disabled: not run", "tenant", tc.ID)
			continue
		}
		t, err := a.buildTenant(ctx, tc)
		if err != nil {
			return fmt.Errorf("tenant %s: %w", tc.ID, err)
		}
		a.tmu.Lock()
		a.tenants[tc.ID] = t
		a.order = append(a.order, t)
		a.tmu.Unlock()
	}
	a.def = a.tenants[model.DefaultTenant]
	if a.def == nil {
		return errors.New("the default tenant is disabled; enable it with `alertsync tenant enable default`")
	}
	return nil
}

// recordTenant creates a configured tenant the store does not know yet,
// or updates its name and status from the configuration; it returns the
// tenant as stored.
func (a *App) recordTenant(ctx context.Context, tc config.Tenant) (store.Tenant, error) {
	now := a.opts.Now().UTC()
	cur, err := a.store.TenantGet(ctx, tc.ID)
	switch {
	case errors.Is(err, store.ErrNotFound):
		cur = store.Tenant{ID: tc.ID, CreatedAt: now, Status: store.TenantActive}
	case err != nil:
		return store.Tenant{}, fmt.Errorf("tenant %s: %w", tc.ID, err)
	}
	want := cur
	if tc.Name != "" {
		want.Name = tc.Name
	}
	if want.Name == "" {
		want.Name = tc.ID
	}
	if tc.Disabled {
		want.Status = store.TenantDisabled
	}
	if errors.Is(err, store.ErrNotFound) || want.Name != cur.Name || want.Status != cur.Status {
		want.UpdatedAt = now
		if err := a.store.TenantUpsert(ctx, want); err != nil {
			return store.Tenant{}, err
		}
	}
	return want, nil
}

// buildTenant builds one tenant's engine, integrations and playbooks.
func (a *App) buildTenant(ctx context.Context, tc config.Tenant) (*tenant, error) {
	t := &tenant{a: a, id: tc.ID, cfg: tc, scope: a.store.Scope(tc.ID)}
	t.engine = engine.New(engine.Options{
		Store: t.scope, Logger: a.log.With("component", "engine", "tenant", tc.ID), Now: a.opts.Now,
		ValidationInterval: a.cfg.Engine.ValidationInterval, ValidationWindow: a.cfg.Engine.ValidationWindow,
		// Every series the engine keeps carries its tenant: two tenants'
		// integrations of one id are two series, not one.
		Registerer: prometheus.WrapRegistererWith(prometheus.Labels{"tenant": tc.ID}, a.registry), IngestBatch: a.cfg.Engine.IngestBatch,
		// A committed verdict or comment starts its delivery at once.
		Committed: t.wakeOutbox,
	})
	if err := t.loadIntegrations(ctx); err != nil {
		return nil, err
	}
	if err := t.startPlaybooks(ctx); err != nil {
		return nil, err
	}
	return t, nil
}

// tenant returns the running tenant id names.
func (a *App) tenant(id string) (*tenant, bool) {
	a.tmu.RLock()
	defer a.tmu.RUnlock()
	t, ok := a.tenants[id]
	return t, ok
}

// running lists the running tenants, the default one first.
func (a *App) running() []*tenant {
	a.tmu.RLock()
	defer a.tmu.RUnlock()
	return slices.Clone(a.order)
}

// start runs the tenant's pollers under ctx; the caller holds a.tmu.
func (t *tenant) start(ctx context.Context) {
	ctx, t.cancel = context.WithCancel(ctx)
	t.startPollers(ctx, t.a.pollMetrics)
}

// stop ends the tenant's pollers and waits for them.
func (t *tenant) stop() {
	if t.cancel != nil {
		t.cancel()
	}
	t.loops.Wait()
}

// syncTenants makes the running tenants those the store holds active:
// a tenant created or enabled (through the API or the CLI, on this
// replica or another) starts, and one disabled or deleted stops. Every
// replica runs it at each heartbeat.
func (a *App) syncTenants(ctx context.Context) error {
	list, err := a.store.TenantList(ctx)
	if err != nil {
		return fmt.Errorf("list tenants: %w", err)
	}
	active := map[string]store.Tenant{}
	for _, st := range list {
		if st.Status == store.TenantActive {
			active[st.ID] = st
		}
	}
	for _, t := range a.running() {
		if _, ok := active[t.id]; !ok && t.id != model.DefaultTenant {
			a.stopTenant(t)
		}
	}
	for _, st := range list {
		if _, ok := active[st.ID]; !ok {
			continue
		}
		if _, ok := a.tenant(st.ID); ok {
			continue
		}
		if err := a.startTenant(ctx, st); err != nil {
			a.log.Error("tenant not started", "tenant", st.ID, "err", err)
		}
	}
	return nil
}

// startTenant builds and starts a tenant that became active.
func (a *App) startTenant(ctx context.Context, st store.Tenant) error {
	tc := config.Tenant{ID: st.ID, Name: st.Name}
	for _, c := range a.cfg.Tenants {
		if c.ID == st.ID {
			tc = c
		}
	}
	t, err := a.buildTenant(ctx, tc)
	if err != nil {
		return err
	}
	if a.worker != nil {
		t.playbooks.SetLocal(a.worker)
		t.engine.SetLocal(a.worker)
	}
	a.tmu.Lock()
	defer a.tmu.Unlock()
	if _, ok := a.tenants[st.ID]; ok {
		return nil // started meanwhile
	}
	a.tenants[st.ID] = t
	a.order = append(a.order, t)
	if a.runCtx != nil {
		t.start(a.runCtx)
	}
	a.log.Info("tenant started", "tenant", st.ID)
	return nil
}

// stopTenant stops a tenant that is no longer active here: its pollers
// end and its outbox lanes wait (their items are kept, not sent).
func (a *App) stopTenant(t *tenant) {
	a.tmu.Lock()
	delete(a.tenants, t.id)
	a.order = slices.DeleteFunc(a.order, func(o *tenant) bool { return o == t })
	a.tmu.Unlock()
	t.stop()
	a.log.Info("tenant stopped", "tenant", t.id)
}

// CreateTenant creates an active tenant, with its data key, and starts it
// here (other replicas start it at their next heartbeat). Its
// integrations come from the configuration of every replica
// (tenants[].integrations).
func (a *App) CreateTenant(ctx context.Context, id, name string) (store.Tenant, error) {
	st, err := createTenant(ctx, a.store, a.keyring, id, name, a.opts.Now().UTC())
	if err != nil {
		return st, err
	}
	a.log.Info("tenant created", "tenant", id)
	return st, a.syncTenants(ctx)
}

// SetTenantStatus enables or disables a tenant: a disabled tenant keeps
// its data but polls, delivers and serves nothing. The default tenant
// stays active.
func (a *App) SetTenantStatus(ctx context.Context, id string, status store.TenantStatus) (store.Tenant, error) {
	st, changed, err := setTenantStatus(ctx, a.store, id, status, a.opts.Now().UTC())
	if err != nil {
		return st, err
	}
	if changed {
		a.log.Info("tenant status changed", "tenant", id, "status", status)
	}
	return st, a.syncTenants(ctx)
}

// DeleteTenant deletes a tenant: see deleteTenant.
func (a *App) DeleteTenant(ctx context.Context, id string) error {
	if _, err := a.SetTenantStatus(ctx, id, store.TenantDisabled); err != nil {
		return err
	}
	rows, err := deleteTenant(ctx, a.store, id, a.opts.Now().UTC())
	a.keys.forget(id)
	if err != nil {
		return err
	}
	a.log.Info("tenant deleted", "tenant", id, "rows", rows)
	return nil
}

// The tenants' lifecycle in the store, shared by the API (through the
// running app) and the CLI (on the store alone; running replicas follow
// at their next heartbeat).

func createTenant(ctx context.Context, st store.Store, ring *secrets.Keyring, id, name string, now time.Time) (store.Tenant, error) {
	if err := store.CheckTenantID(id); err != nil {
		return store.Tenant{}, fmt.Errorf("%w: %w", engine.ErrInvalid, err)
	}
	if _, err := st.TenantGet(ctx, id); err == nil {
		return store.Tenant{}, fmt.Errorf("%w: tenant %s exists", store.ErrConflict, id)
	} else if !errors.Is(err, store.ErrNotFound) {
		return store.Tenant{}, err
	}
	if name == "" {
		name = id
	}
	_, wrapped, err := newWrappedKey(ring, id)
	if err != nil {
		return store.Tenant{}, err
	}
	t := store.Tenant{ID: id, Name: name, Status: store.TenantActive, DataKey: wrapped, CreatedAt: now, UpdatedAt: now}
	return t, st.TenantUpsert(ctx, t)
}

func setTenantStatus(ctx context.Context, st store.Store, id string, status store.TenantStatus, now time.Time) (store.Tenant, bool, error) {
	if id == model.DefaultTenant && status != store.TenantActive {
		return store.Tenant{}, false, fmt.Errorf("%w: the default tenant cannot be disabled", engine.ErrInvalid)
	}
	t, err := st.TenantGet(ctx, id)
	if err != nil {
		return store.Tenant{}, false, err
	}
	if t.Status == status {
		return t, false, nil
	}
	t.Status, t.UpdatedAt = status, now
	return t, true, st.TenantUpsert(ctx, t)
}

// purgeBatch bounds the rows one purge transaction deletes.
const purgeBatch = 1000

// deleteTenant deletes a tenant: it is disabled first (so every replica
// stops it), then its data key is destroyed and that committed
// (crypto-shredding: its secrets, in the database or any copy of it, can
// no longer be opened), then its rows are purged in bounded batches, and
// last its row goes. Run again after an interruption, it resumes the
// purge. It returns how many rows it purged.
func deleteTenant(ctx context.Context, st store.Store, id string, now time.Time) (int, error) {
	if id == model.DefaultTenant {
		return 0, fmt.Errorf("%w: the default tenant cannot be deleted", engine.ErrInvalid)
	}
	if _, _, err := setTenantStatus(ctx, st, id, store.TenantDisabled, now); err != nil {
		return 0, err
	}
	if err := destroyDataKey(ctx, st, id); err != nil {
		return 0, err
	}
	scope := st.Scope(id)
	total := 0
	for {
		n, err := scope.Purge(ctx, purgeBatch)
		if err != nil {
			return total, err
		}
		if n == 0 {
			break
		}
		total += n
	}
	return total, st.TenantDelete(ctx, id)
}

// Tenant returns a running tenant's part of the store and its engine.
func (a *App) Tenant(id string) (store.Scoped, *engine.Engine, bool) {
	t, ok := a.tenant(id)
	if !ok {
		return nil, nil, false
	}
	return t.scope, t.engine, true
}

// TenantIDs lists the running tenants, the default one first.
func (a *App) TenantIDs() []string {
	running := a.running()
	out := make([]string, 0, len(running))
	for _, t := range running {
		out = append(out, t.id)
	}
	return out
}

// wakeOutbox tells the outbox there is new work for the tenant's
// integrations; the worker is built after the engines, and no
// transaction commits before Start.
func (t *tenant) wakeOutbox(integrations []string) {
	if t.a.worker == nil {
		return
	}
	lanes := make([]store.Lane, len(integrations))
	for i, id := range integrations {
		lanes[i] = store.Lane{Tenant: t.id, Integration: id}
	}
	t.a.worker.WakeLanes(lanes)
}

// errNoTenant is outbox work of a tenant that does not run here (disabled
// or deleted): it waits, retried, until the tenant runs again.
var errNoTenant = errors.New("tenant not running on this hub")

// The outbox worker is shared by every tenant; these hand each item to
// its tenant's engine and playbooks.

func (a *App) deliver(ctx context.Context, item store.OutboxItem) (engine.Record, error) {
	t, ok := a.tenant(item.Tenant)
	if !ok {
		return nil, fmt.Errorf("%w: %s", errNoTenant, item.Tenant)
	}
	return t.engine.Deliver(ctx, item)
}

// batchKey is the tenant's engine's batch key, led by the tenant: items
// of two tenants never share a vendor's bulk call.
func (a *App) batchKey(item store.OutboxItem) string {
	t, ok := a.tenant(item.Tenant)
	if !ok {
		return ""
	}
	if k := t.engine.BatchKey(item); k != "" {
		return t.id + "\x00" + k
	}
	return ""
}

func (a *App) deliverBatch(ctx context.Context, items []store.OutboxItem) ([]outbox.Outcome, error) {
	if len(items) == 0 {
		return nil, nil
	}
	t, ok := a.tenant(items[0].Tenant)
	if !ok {
		return nil, fmt.Errorf("%w: %s", errNoTenant, items[0].Tenant)
	}
	if slices.ContainsFunc(items, func(it store.OutboxItem) bool { return it.Tenant != t.id }) {
		return nil, errors.New("a bulk call across tenants")
	}
	return t.engine.DeliverBatch(ctx, items)
}

func (a *App) maxBatch(key string, item store.OutboxItem) int {
	t, ok := a.tenant(item.Tenant)
	if !ok {
		return 0
	}
	return t.engine.MaxBatch(key, item)
}

func (a *App) onDead(ctx context.Context, tx store.Tx, it store.OutboxItem) error {
	t, ok := a.tenant(tx.Tenant())
	if !ok {
		return nil
	}
	if err := t.engine.ForgetWrite(ctx, tx, it); err != nil {
		return err
	}
	return t.playbooks.OnDead(ctx, tx, it)
}

func (a *App) laneConcurrency(l store.Lane) int {
	t, ok := a.tenant(l.Tenant)
	if !ok {
		return 0
	}
	return t.playbooks.LaneConcurrency(l)
}
