package sentinel

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/alertsync/alertsync/internal/connector"
	"github.com/alertsync/alertsync/internal/emulators/emukit"
	senemu "github.com/alertsync/alertsync/internal/emulators/sentinel"
	"github.com/alertsync/alertsync/internal/model"
)

// refuseQuery answers, in ARM's error shape, a 400 to every incident list
// whose query matches refused, as a service that does not support $filter
// or $orderby on lastModifiedTimeUtc would; other requests go through.
// The emulator honours both options, so the refusal sits in the transport.
type refuseQuery struct {
	next    http.RoundTripper
	refused func(q map[string][]string) bool
	n       atomic.Int32
}

func (rq *refuseQuery) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Method != http.MethodGet || !strings.HasSuffix(req.URL.Path, "/incidents") || !rq.refused(req.URL.Query()) {
		return rq.next.RoundTrip(req)
	}
	rq.n.Add(1)
	body := `{"error":{"code":"BadRequest","message":"Invalid $filter/$orderby: property 'properties/lastModifiedTimeUtc' is not supported."}}`
	return &http.Response{
		StatusCode: http.StatusBadRequest, Status: "400 Bad Request", Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header:  http.Header{"Content-Type": {"application/json; charset=utf-8"}},
		Body:    io.NopCloser(strings.NewReader(body)),
		Request: req,
	}, nil
}

func hasFilterOrOrder(q map[string][]string) bool {
	_, f := q["$filter"]
	_, o := q["$orderby"]
	return f || o
}

// warnings counts the connector's Warn records.
type warnings struct {
	mu   sync.Mutex
	msgs []string
}

func (w *warnings) Enabled(_ context.Context, l slog.Level) bool { return l >= slog.LevelWarn }
func (w *warnings) Handle(_ context.Context, r slog.Record) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.msgs = append(w.msgs, r.Message)
	return nil
}
func (w *warnings) WithAttrs([]slog.Attr) slog.Handler { return w }
func (w *warnings) WithGroup(string) slog.Handler      { return w }

func (w *warnings) count(sub string) int {
	w.mu.Lock()
	defer w.mu.Unlock()
	n := 0
	for _, m := range w.msgs {
		if strings.Contains(m, sub) {
			n++
		}
	}
	return n
}

// TestFetchFallbackWithoutFilter: the service refuses $filter/$orderby on
// lastModifiedTimeUtc. The connector lists incidents with $top and
// nextLink only, filters them itself, delivers each change once, keeps to
// the fallback without asking again, and says so once at Warn.
func TestFetchFallbackWithoutFilter(t *testing.T) {
	wrapSpec, sc := withSpec(t)
	rq := &refuseQuery{refused: hasFilterOrOrder}
	warn := &warnings{}
	e := setupWith(t, setupOpts{pageSize: 2, log: slog.New(warn), wrap: func(next http.RoundTripper) http.RoundTripper {
		rq.next = wrapSpec(next)
		return rq
	}})
	incs, alerts := e.seed(t, 5)
	got, cur := fetchAll(t, e.c, "")
	if len(got) != 5 {
		t.Fatalf("first poll delivered %d incidents, want 5", len(got))
	}
	for i, name := range incs {
		if in := got[name]; in == nil || len(in.RemoteAlerts) != 1 || in.RemoteAlerts[0] != alerts[i] {
			t.Errorf("incident %s delivered as %+v, want alert %s", name, in, alerts[i])
		}
	}
	if again, _ := fetchAll(t, e.c, cur); len(again) != 0 {
		t.Errorf("re-poll delivered %v", keys(again))
	}
	if _, err := e.sen.UpdateIncidentAsAnalyst(t.Context(), incs[3], "Ana Analyst", func(p *senemu.IncidentProperties) { p.Status = "Active" }); err != nil {
		t.Fatal(err)
	}
	changed, _ := fetchAll(t, e.c, cur)
	if len(changed) != 1 || changed[incs[3]] == nil || changed[incs[3]].Status != model.StatusInProgress {
		t.Errorf("after an analyst change got %v, want only %s in progress", keys(changed), incs[3])
	}
	if err := e.c.Health(t.Context()); err != nil {
		t.Errorf("Health on the fallback: %v", err)
	}
	lists := e.apiRequests(http.MethodGet, "/incidents")
	skipTokens := 0
	for _, r := range lists {
		if hasFilterOrOrder(r.Query) || r.Status != http.StatusOK {
			t.Errorf("listing %v answered %d: want no $filter/$orderby", r.Query, r.Status)
		}
		if r.Query.Has("$skipToken") {
			skipTokens++
		}
	}
	if skipTokens == 0 {
		t.Errorf("none of %d listings paged by $skipToken", len(lists))
	}
	if sc.Active() && sc.Count("Incidents_List") != len(lists) {
		t.Errorf("%d of %d listings spec-checked", sc.Count("Incidents_List"), len(lists))
	}
	if n := rq.n.Load(); n != 1 {
		t.Errorf("the filtered listing was tried %d times, want once (the fallback is remembered)", n)
	}
	if n := warn.count("refused $filter/$orderby"); n != 1 {
		t.Errorf("%d warnings about the fallback, want 1 (all: %v)", n, warn.msgs)
	}
}

// TestFallbackWalkKeepsChangesMadeDuringIt: a walk of the unfiltered list
// that outlasts the overlap. An incident changed on a page already read
// arrives with the next walk although newer changes were delivered later
// in this one (the watermark stops at the walk's start); one changed on a
// page not read yet arrives in this walk, once.
func TestFallbackWalkKeepsChangesMadeDuringIt(t *testing.T) {
	clock := emukit.NewFakeClock(time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC))
	rq := &refuseQuery{refused: hasFilterOrOrder}
	e := setupWith(t, setupOpts{pageSize: 2, clock: clock, wrap: func(next http.RoundTripper) http.RoundTripper {
		rq.next = next
		return rq
	}})
	incs, _ := e.seed(t, 6)
	delivered := map[string][]string{}
	cur := ""
	for call := 0; ; call++ {
		p, err := e.c.FetchIncidents(t.Context(), cur)
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range p.Items {
			delivered[it.VendorID] = append(delivered[it.VendorID], it.Incident.RemoteStatus)
		}
		cur = p.Cursor
		if !p.More {
			break
		}
		if call == 0 {
			for _, name := range []string{incs[0], incs[5]} { // read already, not read yet
				clock.Advance(10 * time.Minute)
				if _, err := e.sen.UpdateIncidentAsAnalyst(t.Context(), name, "Ana Analyst", func(p *senemu.IncidentProperties) { p.Status = "Active" }); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	next, _ := fetchAll(t, e.c, cur)
	if got := delivered[incs[0]]; len(got) != 1 || got[0] != "New" || next[incs[0]] == nil || next[incs[0]].RemoteStatus != "Active" {
		t.Errorf("incident changed on a page already read: walk %v, next walk %+v; want New then Active", got, next[incs[0]])
	}
	if got := delivered[incs[5]]; len(got) != 1 || got[0] != "Active" || next[incs[5]] != nil {
		t.Errorf("incident changed on a page not read yet: walk %v, next walk %+v; want Active once", got, next[incs[5]])
	}
	if len(next) != 1 {
		t.Errorf("next walk delivered %v, want only %s", keys(next), incs[0])
	}
}

// TestFallbackNotForOtherBadRequests: a 400 that the plain listing gets as
// well is about something else (an api-version, a workspace): the error
// is returned as it is, the connector does not switch, and once the
// service answers again the filtered listing is used.
func TestFallbackNotForOtherBadRequests(t *testing.T) {
	var refuseAll atomic.Bool
	refuseAll.Store(true)
	rq := &refuseQuery{refused: func(map[string][]string) bool { return refuseAll.Load() }}
	e := setup(t, 5, func(next http.RoundTripper) http.RoundTripper {
		rq.next = next
		return rq
	})
	e.seed(t, 2)
	_, err := e.c.FetchIncidents(t.Context(), "")
	var ce *connector.Error
	if !errors.As(err, &ce) || ce.Status != http.StatusBadRequest || ce.Class != connector.ClassPermanent || e.c.unordered.Load() {
		t.Fatalf("both listings refused: err %v, unordered %v; want the 400 and no switch", err, e.c.unordered.Load())
	}
	refuseAll.Store(false)
	if p, err := e.c.FetchIncidents(t.Context(), ""); err != nil || len(p.Items) != 2 {
		t.Fatalf("after the service recovered: %d items, err %v", len(p.Items), err)
	}
	for _, r := range e.apiRequests(http.MethodGet, "/incidents") {
		if !r.Query.Has("$orderby") {
			t.Errorf("listing %v: want the filtered, ordered listing", r.Query)
		}
	}
}

// TestCursorWalk checks the fallback walk's bookkeeping: it survives the
// round trip, prune keeps what the walk's filter can still list, and
// ending it leaves the watermark no later than the walk's start.
func TestCursorWalk(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	stamp := func(d time.Duration) string { return t0.Add(d).Format(time.RFC3339Nano) }
	tests := []struct {
		name      string
		since     time.Time
		delivered map[string]time.Duration
		wantSince time.Time
	}{
		{"changes newer than the walk's start", t0.Add(-time.Hour), map[string]time.Duration{"a": -30 * time.Minute, "b": 20 * time.Minute}, t0},
		{"nothing newer", t0.Add(-time.Hour), map[string]time.Duration{"a": -30 * time.Minute}, t0.Add(-30 * time.Minute)},
		{"nothing at all", t0.Add(-time.Hour), nil, t0.Add(-time.Hour)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, _ := parseCursor("")
			c.Since = tt.since
			c.Scan = &scan{From: c.from(), Opened: t0, Next: "https://management.azure.com/x?$skipToken=2"}
			for name, d := range tt.delivered {
				c.record(name, stamp(d), t0.Add(d))
			}
			c.prune()
			back, err := parseCursor(c.String())
			if err != nil || back.Scan == nil || *back.Scan != *c.Scan {
				t.Fatalf("walk lost in the round trip: %+v, err %v", back.Scan, err)
			}
			for name, d := range tt.delivered {
				if !back.delivered(name, stamp(d)) {
					t.Errorf("walk forgot %s, which its own filter still lists", name)
				}
			}
			back.endScan()
			back.prune()
			if back.Scan != nil || !back.Since.Equal(tt.wantSince) {
				t.Errorf("ended: since %v scan %+v, want since %v", back.Since, back.Scan, tt.wantSince)
			}
		})
	}
}
