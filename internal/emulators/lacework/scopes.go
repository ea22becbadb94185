package lacework

import (
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/alertsync/alertsync/internal/emulators/emukit"
)

// Scopes are the scopes GET /api/v2/Alerts/{id} takes (the Go SDK's
// AlertScopes); the first six are those Red Canary assembles an alert
// from.
var Scopes = []string{"Details", "Investigation", "Events", "RelatedAlerts", "Integrations", "Timeline", "ObservationTimeline"}

// scopeReply is every scope's answer: the scope's content under data.
type scopeReply struct {
	Data any `json:"data"`
}

// scope serves GET /api/v2/Alerts/{id}?scope=: 404 for an alert it does
// not know, 400 for an unknown scope. Without scope it answers Details
// [U: the SDK always names one]. Every call takes the scope latency and
// counts as in flight until it answers.
func (e *Emulator) scope(w http.ResponseWriter, r *http.Request) {
	done := e.scopes.enter()
	defer done()
	name := r.URL.Query().Get("scope")
	if name == "" {
		name = "Details"
	}
	id, err := strconv.Atoi(r.PathValue("id"))
	if !validScope(name) {
		writeMessage(w, http.StatusBadRequest, "Invalid scope "+name+"; valid scopes are "+strings.Join(Scopes, ", "))
		return
	}
	e.scopes.wait(r)
	if err == nil {
		if status, failed := e.scopes.fault(id, name); failed {
			writeMessage(w, status, http.StatusText(status))
			return
		}
	}
	e.mu.Lock()
	a, ok := e.alerts[id]
	var data any
	if ok {
		data = contentOf(a, name)
	}
	e.mu.Unlock()
	if err != nil || !ok {
		writeMessage(w, http.StatusNotFound, "Alert "+r.PathValue("id")+" not found")
		return
	}
	emukit.WriteJSON(w, http.StatusOK, scopeReply{Data: data})
}

func validScope(name string) bool {
	for _, s := range Scopes {
		if s == name {
			return true
		}
	}
	return false
}

// contentOf is a copy of what scope shows of a; the caller holds e.mu.
func contentOf(a *Alert, scope string) any {
	switch scope {
	case "Details":
		return emukit.DeepCopy(details{item: a.item(), EntityMap: a.Entities})
	case "Investigation":
		return emukit.DeepCopy(a.Investigation)
	case "Events":
		return emukit.DeepCopy(a.Events)
	case "RelatedAlerts":
		return emukit.DeepCopy(a.Related)
	case "Integrations":
		return emukit.DeepCopy(a.Integrations)
	case "Timeline":
		return emukit.DeepCopy(a.Timeline)
	}
	return []any{} // ObservationTimeline: nothing observed [U]
}

// scopeKey names one scope of one alert.
type scopeKey struct {
	alert int
	scope string
}

// scopeFault is a failure planned for one scope of one alert.
type scopeFault struct {
	left   int // answers still to fail; negative: every one
	status int
}

// scopeFaults are the scope calls' own faults, latency and counters.
type scopeFaults struct {
	mu      sync.Mutex
	latency time.Duration
	planned map[scopeKey]*scopeFault

	inFlight, maxInFlight, calls atomic.Int64
}

func newScopeFaults(latency time.Duration) *scopeFaults {
	return &scopeFaults{latency: latency, planned: map[scopeKey]*scopeFault{}}
}

func (f *scopeFaults) setLatency(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.latency = d
}

// enter counts a call in flight and returns its end.
func (f *scopeFaults) enter() func() {
	f.calls.Add(1)
	n := f.inFlight.Add(1)
	for {
		m := f.maxInFlight.Load()
		if n <= m || f.maxInFlight.CompareAndSwap(m, n) {
			break
		}
	}
	return func() { f.inFlight.Add(-1) }
}

// wait sleeps the scope latency; when the caller gives up first the
// answer is abandoned (emukit.Delay), never sent empty.
func (f *scopeFaults) wait(r *http.Request) {
	f.mu.Lock()
	d := f.latency
	f.mu.Unlock()
	emukit.Delay(r, d)
}

// fault reports whether this call of the scope fails, and with what.
func (f *scopeFaults) fault(alert int, scope string) (int, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	p, ok := f.planned[scopeKey{alert, scope}]
	if !ok || p.left == 0 {
		return 0, false
	}
	if p.left > 0 {
		p.left--
	}
	return p.status, true
}

func (f *scopeFaults) plan(alert int, scope string, times, status int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.planned[scopeKey{alert, scope}] = &scopeFault{left: times, status: status}
}

// FailScope makes the next times calls of one scope of an alert answer
// status (a 5xx to test retries); times < 0 fails every call.
func (e *Emulator) FailScope(alertID string, scope string, times, status int) {
	n, _ := strconv.Atoi(alertID)
	e.scopes.plan(n, scope, times, status)
}

// DropScope makes one scope of an alert answer 404 from now on, as a
// scope Lacework cannot produce for that alert.
func (e *Emulator) DropScope(alertID string, scope string) {
	e.FailScope(alertID, scope, -1, http.StatusNotFound)
}

// ClearScopeFaults forgets every planned scope failure.
func (e *Emulator) ClearScopeFaults() {
	e.scopes.mu.Lock()
	defer e.scopes.mu.Unlock()
	e.scopes.planned = map[scopeKey]*scopeFault{}
}

// ScopeStats returns how many scope calls were made and the most that
// were in flight at once, since the last ResetScopeStats.
func (e *Emulator) ScopeStats() (calls, maxInFlight int64) {
	return e.scopes.calls.Load(), e.scopes.maxInFlight.Load()
}

// ResetScopeStats starts the scope counters over.
func (e *Emulator) ResetScopeStats() {
	e.scopes.calls.Store(0)
	e.scopes.maxInFlight.Store(e.scopes.inFlight.Load())
}
