package demo

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/alertsync/alertsync/internal/config"
	"github.com/alertsync/alertsync/internal/emulators/registry"
	"github.com/alertsync/alertsync/internal/engine"
	"github.com/alertsync/alertsync/internal/model"
)

// objRef names one object at one integration.
type objRef struct{ integration, kind, id string }

func (r objRef) String() string { return r.integration + "/" + r.kind + ":" + r.id }

// pendingChange is a verdict whose effect the vendor does not show yet.
type pendingChange struct {
	since time.Time
	want  registry.State
}

// expectations is what the scenario's verdicts and comments should leave
// at the vendors, by each integration's policy. The hub coalesces
// verdicts on one object into one final state write and drops the
// comments of superseded verdicts still waiting, so per object it keeps
// the final verdict's state and comment, and every analyst comment. It
// also times each verdict until the vendor shows its effect.
type expectations struct {
	w        *world
	policies map[string]engine.Policy
	kinds    map[string]string // integration id -> vendor kind

	mu        sync.Mutex
	seq       int
	state     map[objRef]registry.State
	verdictOn map[objRef]string   // the final verdict's token
	comments  map[objRef][]string // analyst comments' tokens
	verdicts  map[string]int      // verdicts given, by integration
	pending   map[objRef]pendingChange
	latencies []latency
}

// latency is one verdict's time to show at one integration's vendor.
type latency struct {
	integration string
	took        time.Duration
}

func newExpectations(w *world, cfg config.Config) *expectations {
	e := &expectations{w: w, policies: map[string]engine.Policy{}, kinds: map[string]string{},
		state: map[objRef]registry.State{}, verdictOn: map[objRef]string{}, comments: map[objRef][]string{},
		verdicts: map[string]int{}, pending: map[objRef]pendingChange{}}
	for _, in := range cfg.Integrations {
		e.policies[in.ID] = engine.PolicyFrom(in.Policy)
		e.kinds[in.ID] = in.Kind
	}
	return e
}

// token makes text unique, so the vendor's copy of it can be found and
// counted: "[demo-0007]" is appended.
func (e *expectations) token(text string) string {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.seq++
	return fmt.Sprintf("%s [demo-%04d]", text, e.seq)
}

// vendor returns the registered vendor of an integration.
func (e *expectations) vendor(integration string) (registry.Vendor, bool) {
	for _, v := range e.w.set.Vendors() {
		if v.ID == integration {
			return v, true
		}
	}
	return registry.Vendor{}, false
}

// stateOf is what a canonical status means at a vendor.
func stateOf(st model.Status) registry.State {
	switch st {
	case model.StatusNew:
		return registry.StateNew
	case model.StatusInProgress:
		return registry.StateInProgress
	case model.StatusResolved, model.StatusSuppressed:
		return registry.StateClosed
	}
	return registry.StateUnknown
}

// alertVerdict notes a verdict given on an alert at time at.
func (e *expectations) alertVerdict(a model.Alert, v model.Verdict, published bool, reason string, at time.Time) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.verdicts[a.Integration]++
	e.expectLocked(objRef{a.Integration, registry.KindAlert, a.VendorID}, v, published, reason, at)
}

// incidentVerdict notes a verdict on an incident, which the hub fans out
// to every member alert it holds.
func (e *expectations) incidentVerdict(in model.Incident, members []model.Alert, v model.Verdict, published bool, reason string, at time.Time) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.verdicts[in.Integration]++
	e.expectLocked(objRef{in.Integration, registry.KindIncident, in.VendorID}, v, published, reason, at)
	for _, a := range members {
		e.expectLocked(objRef{a.Integration, registry.KindAlert, a.VendorID}, v, published, reason, at)
	}
}

func (e *expectations) expectLocked(ref objRef, v model.Verdict, published bool, reason string, at time.Time) {
	pol, ok := e.policies[ref.integration]
	if !ok {
		return
	}
	dec := pol.Decide(v, published)
	if pol.CommentSync {
		e.verdictOn[ref] = reason
	}
	if dec.Status == "" {
		return
	}
	want := stateOf(dec.Status)
	if v, ok := e.vendor(ref.integration); ok && !v.Writable(want) {
		// The vendor cannot hold the state (Lacework has no in-progress
		// write): its alert stays as it is, and nothing is expected.
		delete(e.state, ref)
		delete(e.pending, ref)
		return
	}
	e.state[ref] = want
	if o, ok := e.object(ref); ok && o.State != want {
		e.pending[ref] = pendingChange{since: at, want: want}
	} else {
		delete(e.pending, ref)
	}
}

// comment notes an analyst's comment on an object of an integration.
func (e *expectations) comment(ref objRef, tok string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.policies[ref.integration].CommentSync {
		e.comments[ref] = append(e.comments[ref], tok)
	}
}

// object reads an object back from its vendor's console.
func (e *expectations) object(ref objRef) (registry.Object, bool) {
	em, ok := e.w.set.Emulator(e.kinds[ref.integration])
	if !ok {
		return registry.Object{}, false
	}
	return em.Console().Object(ref.kind, ref.id)
}

// track watches the vendors for the verdicts' effects until stop is
// called, timing each from the verdict to the vendor showing it.
func (e *expectations) track(ctx context.Context) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(20 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				e.observe()
			}
		}
	}()
	return func() {
		cancel()
		<-done
	}
}

// observe records the pending changes the vendors now show.
func (e *expectations) observe() {
	e.mu.Lock()
	refs := make(map[objRef]pendingChange, len(e.pending))
	for r, p := range e.pending {
		refs[r] = p
	}
	e.mu.Unlock()
	for ref, p := range refs {
		o, ok := e.object(ref)
		if !ok || o.State != p.want {
			continue
		}
		took := time.Since(p.since)
		e.mu.Lock()
		if cur, still := e.pending[ref]; still && cur == p {
			delete(e.pending, ref)
			e.latencies = append(e.latencies, latency{ref.integration, took})
		}
		e.mu.Unlock()
	}
}

// percentiles returns the p50 and p99 of the timed verdicts at one
// integration's vendor (every vendor when integration is ""), by nearest
// rank.
func (e *expectations) percentiles(integration string) (p50, p99 time.Duration, n int) {
	e.mu.Lock()
	var ls []time.Duration
	for _, l := range e.latencies {
		if integration == "" || l.integration == integration {
			ls = append(ls, l.took)
		}
	}
	e.mu.Unlock()
	if len(ls) == 0 {
		return 0, 0, 0
	}
	slices.Sort(ls)
	rank := func(p float64) time.Duration {
		i := int(p*float64(len(ls))+0.999999) - 1
		return ls[min(max(i, 0), len(ls)-1)]
	}
	return rank(0.50), rank(0.99), len(ls)
}
