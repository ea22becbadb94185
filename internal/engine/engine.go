// Package engine is alertsync's sync core: ingest with dedupe and
// revisions, the per-integration sync policy, the echo ledger, validation
// passes, verdict fan-out and the dispatch of outbox actions to connectors.
package engine

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"slices"
	"sync"
	"time"

	"github.com/alertsync/alertsync/internal/connector"
	"github.com/alertsync/alertsync/internal/model"
	"github.com/alertsync/alertsync/internal/outbox"
	"github.com/alertsync/alertsync/internal/store"
	"github.com/prometheus/client_golang/prometheus"
)

// Options configure an Engine. Now is injected so tests control the clock.
type Options struct {
	Store              store.Scoped
	Logger             *slog.Logger
	Now                func() time.Time
	ValidationInterval time.Duration
	ValidationWindow   time.Duration
	// MaxAutoComments bounds automatic comments per remote object;
	// DefaultMaxAutoComments when zero. Vendors' own limits lower it.
	MaxAutoComments int
	// IngestBatch is how many items one ingest transaction holds;
	// DefaultIngestBatch when zero.
	IngestBatch int
	// Registerer receives the engine's Prometheus metrics; nil keeps them
	// unregistered.
	Registerer prometheus.Registerer
	// Committed, when set, runs after a write transaction that queued
	// outbound actions commits, with the integrations they are for, so
	// the outbox starts on a verdict's write-back at once instead of at
	// its next idle check. It must not block.
	Committed func(integrations []string)
}

// Engine applies changes to the store and decides outbound actions. It is
// safe for concurrent use.
type Engine struct {
	store    store.Scoped
	log      *slog.Logger
	now      func() time.Time
	interval time.Duration
	window   time.Duration
	// maxAutoComments: see Options.MaxAutoComments.
	maxAutoComments int
	batch           int
	committed       func(integrations []string)
	// local hands state writes to this process's outbox worker (SetLocal).
	local LocalHand

	mu           sync.RWMutex
	integrations map[string]*Integration
	handlers     map[string]ActionHandler
	retryHooks   map[string]RetryHook
	triggers     Triggers
	metrics      *engineMetrics
	// group commits small concurrent ingests together.
	group ingestGroup
}

// SetLocal gives the engine its process's outbox worker.
func (e *Engine) SetLocal(l Local) { e.local.Set(l) }

// Integration is what the engine knows of one configured connector.
type Integration struct {
	ID   string
	Kind string
	// Name is how texts written to vendors refer to the integration.
	Name      string
	Policy    Policy
	Connector connector.Connector
	// Reconcile is set on integrations whose incidents hold other
	// integrations' alerts; nil means no reconciliation.
	Reconcile *Reconcile
}

// ActionHandler delivers one outbox action. Handlers are registered per
// action name, so playbooks and reconcilers add their own without a switch.
// On success a handler may return a Record to note the outcome; the outbox
// runs a batch's Records in one transaction.
type ActionHandler func(ctx context.Context, item store.OutboxItem) (Record, error)

// RetryHook runs in the transaction in which an operator's retry moves a
// dead item of its action back to pending (Engine.OnRetry).
type RetryHook func(ctx context.Context, tx store.Tx, item store.OutboxItem) error

// Record notes a delivered action's outcome inside tx.
type Record = outbox.After

// New builds an Engine.
func New(o Options) *Engine {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.ValidationInterval <= 0 {
		o.ValidationInterval = 30 * time.Minute
	}
	if o.ValidationWindow <= 0 {
		o.ValidationWindow = 48 * time.Hour
	}
	e := &Engine{
		store: o.Store, log: o.Logger, now: o.Now,
		interval: o.ValidationInterval, window: o.ValidationWindow, maxAutoComments: cmp.Or(o.MaxAutoComments, DefaultMaxAutoComments),
		batch: cmp.Or(o.IngestBatch, DefaultIngestBatch), committed: o.Committed,
		integrations: map[string]*Integration{},
		handlers:     map[string]ActionHandler{},
		retryHooks:   map[string]RetryHook{},
		metrics:      newEngineMetrics(o.Registerer),
	}
	e.handlers[ActionSetState] = e.deliverState
	e.handlers[ActionAddComment] = e.deliverComment
	e.handlers[ActionPushEvents] = e.deliverPush
	return e
}

// Store returns the engine's store.
func (e *Engine) Store() store.Scoped { return e.store }

// Now returns the engine's clock reading.
func (e *Engine) Now() time.Time { return e.now().UTC() }

// AddIntegration makes an integration known to the engine.
func (e *Engine) AddIntegration(in Integration) {
	e.mu.Lock()
	defer e.mu.Unlock()
	cp := in
	e.integrations[in.ID] = &cp
}

// Integration returns a known integration.
func (e *Engine) Integration(id string) (Integration, bool) {
	e.mu.RLock()
	defer e.mu.RUnlock()
	in, ok := e.integrations[id]
	if !ok {
		return Integration{}, false
	}
	return *in, true
}

// displayName is the integration's name for texts, or its id.
func (e *Engine) displayName(id string) string {
	if in, ok := e.Integration(id); ok && in.Name != "" {
		return in.Name
	}
	return id
}

// Integrations lists known integrations.
func (e *Engine) Integrations() []Integration {
	e.mu.RLock()
	defer e.mu.RUnlock()
	out := make([]Integration, 0, len(e.integrations))
	for _, in := range e.integrations {
		out = append(out, *in)
	}
	return out
}

// Handle registers the handler for an outbox action name.
func (e *Engine) Handle(action string, h ActionHandler) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.handlers[action] = h
}

// OnRetry registers the hook an operator's retry of a dead item of the
// action runs (a playbook step's reopens the run the dead letter ended).
func (e *Engine) OnRetry(action string, h RetryHook) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.retryHooks[action] = h
}

// Deliver runs the handler for item's action. The outbox worker calls it.
func (e *Engine) Deliver(ctx context.Context, item store.OutboxItem) (Record, error) {
	e.mu.RLock()
	h, ok := e.handlers[item.Action]
	e.mu.RUnlock()
	if !ok {
		return nil, connector.Permanent("no handler for action %q", item.Action)
	}
	return h(ctx, item)
}

// connectorFor finds an action's connector. An integration that is not
// loaded (disabled for a while, or a config being fixed) is a retryable
// condition: its backlog waits with backoff instead of being dead-lettered
// at once, and dead-letters only after the usual number of attempts.
func (e *Engine) connectorFor(id string) (connector.Connector, error) {
	in, ok := e.Integration(id)
	if !ok || in.Connector == nil {
		return nil, &connector.Error{Class: connector.ClassRetryable, Message: fmt.Sprintf("integration %q is not loaded", id)}
	}
	return in.Connector, nil
}

// maxTxAttempts bounds retries of a transaction that lost a race.
const maxTxAttempts = 4

// raceBackoff is how long withTx waits before its attempt-th run
// (attempt ≥ 1): a random time below 2, 4, 8 ms.
func raceBackoff(attempt int) time.Duration {
	return time.Duration(rand.Int64N(int64(time.Millisecond) << attempt))
}

// withTx runs fn in a write transaction and runs it again, from a fresh
// read, when it lost a race with another writer (store.ErrConflict): a
// verdict committed while a poll was merging the same alert, two
// deliveries of the same new alert, or two replicas' transactions that
// deadlocked on the same rows. fn must not keep state across runs. Each
// run again waits a moment of random length first (raceBackoff), so two
// writers that keep taking the same rows fall out of step rather than
// collide at every attempt.
func (e *Engine) withTx(ctx context.Context, fn func(tx store.Tx) error) error {
	var queued enqueueTracker
	err := e.retryLostRaces(ctx, func() error {
		return e.store.WithTx(ctx, func(tx store.Tx) error {
			queued = enqueueTracker{Tx: tx}
			return fn(&queued)
		})
	})
	if err == nil && e.committed != nil && len(queued.integrations) > 0 {
		e.committed(queued.integrations)
	}
	return err
}

// retryLostRaces runs one transaction, run, up to maxTxAttempts times
// while it loses a race (store.ErrConflict), waiting raceBackoff before
// each new attempt. A conflict no new attempt can mend
// (store.ErrSuperseded) is returned at once.
func (e *Engine) retryLostRaces(ctx context.Context, run func() error) error {
	var err error
	for attempt := range maxTxAttempts {
		if attempt > 0 {
			t := time.NewTimer(raceBackoff(attempt))
			select {
			case <-ctx.Done():
				t.Stop()
				return errors.Join(err, ctx.Err())
			case <-t.C:
			}
		}
		err = run()
		if !errors.Is(err, store.ErrConflict) || errors.Is(err, store.ErrSuperseded) {
			return err
		}
		e.log.Debug("transaction lost a race; retrying", "err", err)
	}
	return err
}

// RetryOutbox moves the dead outbox item id back to pending, due now,
// with a fresh attempt budget: an operator's retry. It is
// store.ErrNotFound unless the item is dead, and store.ErrSuperseded when
// a later action on the same remote object has been applied since; a
// transaction that lost a race with another writer is run again. The
// action's retry hook (OnRetry) runs in the same transaction, and the
// item's lane is woken once it commits.
func (e *Engine) RetryOutbox(ctx context.Context, id int64) error {
	var lane string
	err := e.withTx(ctx, func(tx store.Tx) error {
		if err := tx.OutboxRetry(ctx, id, e.Now()); err != nil {
			return err
		}
		item, err := tx.OutboxGet(ctx, id)
		if err != nil {
			return fmt.Errorf("read retried outbox item %d: %w", id, err)
		}
		lane = item.Integration
		e.mu.RLock()
		hook := e.retryHooks[item.Action]
		e.mu.RUnlock()
		if hook == nil {
			return nil
		}
		return hook(ctx, tx, item)
	})
	if err == nil && e.committed != nil {
		e.committed([]string{lane})
	}
	return err
}

// enqueueTracker notes which integrations a transaction queued outbound
// actions for, to wake their lanes after commit. An item stored leased
// is handed to its worker by whoever stored it (Tx.OnCommit), so it wakes
// nothing.
type enqueueTracker struct {
	store.Tx
	integrations []string
}

func (t *enqueueTracker) OutboxEnqueue(ctx context.Context, p store.OutboxEnqueueParams) (int64, bool, error) {
	id, inserted, err := t.Tx.OutboxEnqueue(ctx, p)
	if inserted && p.LeaseOwner == "" && !slices.Contains(t.integrations, p.Integration) {
		t.integrations = append(t.integrations, p.Integration)
	}
	return id, inserted, err
}

// appendRevision bumps the object's revision number and appends one
// revision carrying a snapshot of obj.
func appendRevision(ctx context.Context, tx store.Tx, kind model.Kind, id, seq int64, actor model.Actor, reason string, changes []string, obj any, at time.Time) error {
	snap, err := json.Marshal(obj)
	if err != nil {
		return fmt.Errorf("snapshot %s %d: %w", kind, id, err)
	}
	if changes == nil {
		changes = []string{}
	}
	return tx.RevisionAppend(ctx, model.Revision{
		Kind: kind, ObjectID: id, Seq: seq, Actor: actor, Reason: reason,
		Changes: changes, Snapshot: snap, At: at,
	})
}
