package playbook

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/alertsync/alertsync/internal/engine"
	"github.com/alertsync/alertsync/internal/store"
)

// ActionStep is the outbox action that runs a playbook's next steps.
const ActionStep = "playbook_step"

// lanePrefix names a playbook's outbox lane: each playbook's steps queue
// on their own, so one playbook's backlog (or a slow tool) never delays
// another's, nor any vendor write-back.
const lanePrefix = store.RunLanePrefix

// Options wire a Runner.
type Options struct {
	Store  store.Scoped
	Engine *engine.Engine
	Logger *slog.Logger
	// HTTP is the base client of http steps; each playbook's egress guard
	// wraps it.
	HTTP *http.Client
	// Secret resolves a secret by name (auth token_secret, secret("x")).
	Secret func(name string) (string, bool)
	Now    func() time.Time
}

// Runner starts playbook runs on engine events and runs their steps as
// outbox actions.
type Runner struct {
	o   Options
	log *slog.Logger

	// local, once set, delivers the steps this runner queues without a
	// claim (see SetLocal).
	local engine.LocalHand
	// handed are the runs whose step went to the local worker.
	handed handedRuns

	mu        sync.RWMutex
	playbooks map[string]*Playbook
	clients   map[string]*http.Client
	limiters  map[string]*rate.Limiter
}

// New builds a Runner; Set gives it its playbooks.
func New(o Options) *Runner {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.HTTP == nil {
		o.HTTP = &http.Client{}
	}
	if o.Secret == nil {
		o.Secret = func(string) (string, bool) { return "", false }
	}
	return &Runner{o: o, log: o.Logger.With("component", "playbooks"), playbooks: map[string]*Playbook{},
		clients: map[string]*http.Client{}, limiters: map[string]*rate.Limiter{}}
}

// Compile compiles d with the runner's secrets.
func (r *Runner) Compile(d Definition) (*Playbook, error) { return Compile(d, r.o.Secret) }

// Put adds or replaces one compiled playbook.
func (r *Runner) Put(p *Playbook) {
	r.mu.Lock()
	defer r.mu.Unlock()
	id := p.Def.ID
	r.playbooks[id] = p
	r.clients[id] = p.guard.Client(r.o.HTTP)
	delete(r.limiters, id)
	if n := p.Def.RatePerMinute; n > 0 {
		r.limiters[id] = rate.NewLimiter(rate.Limit(float64(n)/60), max(1, n/60))
	}
}

// Remove forgets a playbook; its runs in flight fail at their next step.
func (r *Runner) Remove(id string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.playbooks, id)
	delete(r.clients, id)
	delete(r.limiters, id)
}

// Get returns a playbook by id.
func (r *Runner) Get(id string) (*Playbook, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	p, ok := r.playbooks[id]
	return p, ok
}

// List returns the playbooks in id order.
func (r *Runner) List() []*Playbook {
	r.mu.RLock()
	defer r.mu.RUnlock()
	out := make([]*Playbook, 0, len(r.playbooks))
	for _, p := range r.playbooks {
		out = append(out, p)
	}
	slices.SortFunc(out, func(a, b *Playbook) int { return strings.Compare(a.Def.ID, b.Def.ID) })
	return out
}

// LaneConcurrency is the outbox hook giving each of the runner's
// tenant's playbook lanes the playbook's own concurrency.
func (r *Runner) LaneConcurrency(lane store.Lane) int {
	name := lane.Integration
	if lane.Tenant != r.o.Store.Tenant() || len(name) <= len(lanePrefix) || name[:len(lanePrefix)] != lanePrefix {
		return 0
	}
	if p, ok := r.Get(name[len(lanePrefix):]); ok {
		if p.Def.Concurrency > 0 {
			return p.Def.Concurrency
		}
		return DefaultConcurrency
	}
	return 0
}

// Local is the outbox worker of this process, as the engine uses it for
// state writes: a step queued while it runs is stored leased to it and
// handed over when its transaction commits, so a run's steps go out
// without waiting for a claim (outbox.Worker.Adopt).
type Local = engine.Local

// SetLocal gives the runner its process's outbox worker.
func (r *Runner) SetLocal(l Local) { r.local.Set(l) }

// stepPayload is a playbook_step action's payload.
type stepPayload struct {
	RunID int64 `json:"run_id"`
	Step  int   `json:"step"`
}

// queuedStep is a run's next step about to be queued: due at notBefore
// (zero: now), and nodes, when given, the run's nodes decoded, as they
// are after the step's transaction.
type queuedStep struct {
	run       store.Run
	step      int
	notBefore time.Time
	nodes     []any
}

// enqueueSteps queues the runs' next steps in one batch. A step due now
// is leased to the local worker, when it can take it, and handed to it
// once tx commits: a run has one step queued at a time, so no claim is
// needed to keep its order. The delivery of a step handed over with its
// nodes takes them instead of reading the run back (handedRuns).
func (r *Runner) enqueueSteps(ctx context.Context, tx store.Tx, steps []queuedStep, now time.Time) error {
	if len(steps) == 0 {
		return nil
	}
	ps := make([]store.OutboxEnqueueParams, len(steps))
	for i, q := range steps {
		b, _ := json.Marshal(stepPayload{RunID: q.run.ID, Step: q.step}) // always encodes
		ps[i] = store.OutboxEnqueueParams{
			Key: fmt.Sprintf("playbook/%d/step/%d", q.run.ID, q.step), Integration: lanePrefix + q.run.PlaybookID,
			ObjectRef: store.RunObjectRef(q.run.ID), Action: ActionStep, Payload: b,
			OriginKind: q.run.ObjectKind, OriginID: q.run.ObjectID, Now: now, NotBefore: q.notBefore, Priority: store.PriorityDecision,
		}
	}
	onHand := func(i int, item store.OutboxItem) {
		if q := steps[i]; q.nodes != nil {
			r.handed.put(item, q.run, q.nodes, r.o.Now())
		}
	}
	if err := r.local.EnqueueBatch(ctx, tx, ps, onHand); err != nil {
		return fmt.Errorf("enqueue the next steps of %d runs: %w", len(steps), err)
	}
	return nil
}

// handedRuns keeps, for each step this process handed to its own worker
// at commit, its run as committed with the nodes decoded, so that the
// delivery does not read back and decode what was written a moment
// before. An entry serves only the item it was handed with, once, and
// only within the first half of that item's lease: while the lease
// holds, no other worker can have claimed the item, and a run has one
// step queued at a time, so nothing else can have moved the run on (the
// half left over is the margin for clocks that disagree). Anything else
// reads the run from the store.
type handedRuns struct {
	mu sync.Mutex
	m  map[int64]handedRun // by outbox item id
}

type handedRun struct {
	run   store.Run
	nodes []any
	until time.Time
}

// maxHanded bounds the entries kept: a step handed over but delivered
// elsewhere (the worker stopped first) leaves its entry behind until the
// lease-half check drops it.
const maxHanded = 1024

func (h *handedRuns) put(item store.OutboxItem, run store.Run, nodes []any, now time.Time) {
	until := item.NextAttemptAt.Add(item.LeaseUntil.Sub(item.NextAttemptAt) / 2)
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.m == nil {
		h.m = map[int64]handedRun{}
	}
	if len(h.m) >= maxHanded {
		for id, e := range h.m {
			if !now.Before(e.until) {
				delete(h.m, id)
			}
		}
		if len(h.m) >= maxHanded {
			return
		}
	}
	h.m[item.ID] = handedRun{run: run, nodes: nodes, until: until}
}

// take removes and returns the entry of item, if it still serves.
func (h *handedRuns) take(item store.OutboxItem, now time.Time) (handedRun, bool) {
	h.mu.Lock()
	e, ok := h.m[item.ID]
	delete(h.m, item.ID)
	h.mu.Unlock()
	return e, ok && now.Before(e.until) && e.run.ID != 0
}
