package bench

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/alertsync/alertsync/internal/emulators/registry"
)

// watcher times verdicts from their commit to their vendor's console
// showing the alert closed. It looks only at vendors that answered a call
// since it last looked (a write may have landed), every watchTick, so
// watching costs little next to what it measures.
type watcher struct {
	set *registry.Set

	mu      sync.Mutex
	pending map[string]map[string]time.Time // kind -> vendor id -> commit
	seen    map[string]int64                // kind -> calls when last looked
	times   []float64                       // ms, confirmed since the last took
	last    map[string]time.Time            // kind -> latest confirmation
	empty   chan struct{}                   // closed while nothing is pending
}

const watchTick = 5 * time.Millisecond

func newWatcher(set *registry.Set) *watcher {
	w := &watcher{set: set, pending: map[string]map[string]time.Time{}, seen: map[string]int64{}, empty: make(chan struct{}),
		last: map[string]time.Time{}}
	close(w.empty)
	return w
}

// expect starts timing t from at.
func (w *watcher) expect(t target, at time.Time) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.count() == 0 {
		w.empty = make(chan struct{})
	}
	if w.pending[t.kind] == nil {
		w.pending[t.kind] = map[string]time.Time{}
	}
	w.pending[t.kind][t.ref] = at
}

func (w *watcher) count() int {
	n := 0
	for _, m := range w.pending {
		n += len(m)
	}
	return n
}

func (w *watcher) pendingCount() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.count()
}

// start runs the watcher until the returned stop is called.
func (w *watcher) start() (stop func()) {
	return every(watchTick, func(context.Context) { w.look() })
}

// look checks the pending alerts of every vendor called since last time.
func (w *watcher) look() {
	w.mu.Lock()
	var kinds []string
	for kind, m := range w.pending {
		if calls := w.set.Calls(kind); len(m) > 0 && calls != w.seen[kind] {
			w.seen[kind] = calls
			kinds = append(kinds, kind)
		}
	}
	w.mu.Unlock()
	for _, kind := range kinds {
		w.lookAt(kind)
	}
}

func (w *watcher) lookAt(kind string) {
	em, ok := w.set.Emulator(kind)
	if !ok {
		return
	}
	w.mu.Lock()
	refs := make(map[string]time.Time, len(w.pending[kind]))
	for ref, at := range w.pending[kind] {
		refs[ref] = at
	}
	w.mu.Unlock()
	console := em.Console()
	for ref, at := range refs {
		obj, ok := console.Object(registry.KindAlert, ref)
		if !ok || obj.State != registry.StateClosed {
			continue
		}
		took := float64(time.Since(at).Microseconds()) / 1000
		w.mu.Lock()
		delete(w.pending[kind], ref)
		w.times = append(w.times, took)
		w.last[kind] = time.Now()
		if w.count() == 0 {
			close(w.empty)
		}
		w.mu.Unlock()
	}
}

// wait returns once nothing is pending, or fails after limit.
func (w *watcher) wait(ctx context.Context, limit time.Duration) error {
	w.mu.Lock()
	empty := w.empty
	w.mu.Unlock()
	select {
	case <-empty:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(limit):
		return fmt.Errorf("writes not confirmed by their vendors after %v: %s", limit, w.describePending())
	}
}

// describePending says how many writes each vendor has not shown, with
// an example.
func (w *watcher) describePending() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	var b strings.Builder
	for kind, m := range w.pending {
		for ref := range m {
			fmt.Fprintf(&b, "%s %d (e.g. %s); ", kind, len(m), ref)
			break
		}
	}
	return strings.TrimSuffix(b.String(), "; ")
}

// lastConfirmed returns when each vendor last showed a write.
func (w *watcher) lastConfirmed() map[string]time.Time {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := make(map[string]time.Time, len(w.last))
	for k, v := range w.last {
		out[k] = v
	}
	return out
}

// took returns the confirmed verdicts' times and forgets them.
func (w *watcher) took() []float64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := w.times
	w.times = nil
	return out
}
