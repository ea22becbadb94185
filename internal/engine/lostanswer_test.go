package engine_test

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alertsync/alertsync/internal/connector"
	"github.com/alertsync/alertsync/internal/connectors/mde"
	"github.com/alertsync/alertsync/internal/emulators/emukit"
	mdeemu "github.com/alertsync/alertsync/internal/emulators/mde"
	"github.com/alertsync/alertsync/internal/engine"
	"github.com/alertsync/alertsync/internal/model"
	"github.com/alertsync/alertsync/internal/outbox"
	"github.com/alertsync/alertsync/internal/store"
	"github.com/alertsync/alertsync/internal/store/storetest"
	"github.com/prometheus/client_golang/prometheus"
)

// losingAnswers sits between a connector and its vendor: the writes it
// is told to lose reach the vendor, which applies them, and then their
// answers are dropped, as a timeout or a cut connection drops them.
type losingAnswers struct {
	base http.RoundTripper
	mu   sync.Mutex
	left int // answers to PATCH requests still to lose
}

func (l *losingAnswers) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := l.base.RoundTrip(r)
	if err != nil || r.Method != http.MethodPatch || !l.take() {
		return resp, err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	return nil, errors.New("connection reset by peer after the request was sent")
}

func (l *losingAnswers) take() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.left == 0 {
		return false
	}
	l.left--
	return true
}

func (l *losingAnswers) lose(n int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.left = n
}

// mdeHub is an engine whose integration "mde" is the Defender for
// Endpoint connector against its emulator, behind losingAnswers.
type mdeHub struct {
	st   *storetest.Both
	clk  *clock
	eng  *engine.Engine
	reg  *prometheus.Registry
	emu  *mdeemu.Emulator
	conn connector.Connector
	net  *losingAnswers
}

func startMDE(t *testing.T, st *storetest.Both, pol engine.Policy) *mdeHub {
	t.Helper()
	unlimited := []emukit.Limit{{Requests: 1 << 20, Window: time.Minute}}
	emu := mdeemu.New(mdeemu.Options{Clock: emukit.NewFakeClock(time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)),
		Alerts: 3, Seed: 1, Limits: unlimited, BatchLimits: unlimited})
	srv := httptest.NewServer(emu.Handler())
	t.Cleanup(srv.Close)
	h := &mdeHub{st: st, clk: &clock{now: time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)}, reg: prometheus.NewRegistry(), emu: emu,
		net: &losingAnswers{base: srv.Client().Transport}}
	c, err := connector.Build(mde.Kind, connector.Deps{ID: "mde", HTTP: &http.Client{Transport: h.net}}, map[string]any{
		"tenant_id": mdeemu.DefaultTenantID, "client_id": mdeemu.DefaultClientID, "client_secret": mdeemu.DefaultClientSecret,
		"token_url": srv.URL + "/{tenant}/oauth2/v2.0/token", "api_base": srv.URL,
		"requests_per_minute": 0, "requests_per_hour": 0,
	})
	if err != nil {
		t.Fatal(err)
	}
	h.conn = c
	h.eng = engine.New(engine.Options{Store: st, Now: h.clk.Now, Registerer: h.reg})
	h.eng.AddIntegration(engine.Integration{ID: "mde", Kind: mde.Kind, Policy: pol, Connector: c})
	return h
}

// poll fetches from cursor and ingests; it returns the ingest result and
// the next cursor.
func (h *mdeHub) poll(t *testing.T, cursor string) (engine.IngestResult, string, []string) {
	t.Helper()
	page, err := h.conn.(connector.AlertSource).FetchAlerts(t.Context(), cursor)
	if err != nil {
		t.Fatal(err)
	}
	res, err := h.eng.Ingest(t.Context(), "mde", page.Items)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, it := range page.Items {
		ids = append(ids, it.VendorID)
	}
	return res, page.Cursor, ids
}

// verdict gives a not-a-threat verdict with a reason on vendor alert id.
func (h *mdeHub) verdict(t *testing.T, id string) {
	t.Helper()
	a, err := h.st.AlertGetByVendor(t.Context(), "mde", id)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.eng.SetAlertVerdict(t.Context(), engine.VerdictParams{ID: a.ID, Verdict: model.VerdictNotAThreat,
		Reason: "benign admin script", Actor: analyst("kim")}); err != nil {
		t.Fatal(err)
	}
}

func (h *mdeHub) worker() *outbox.Worker {
	return outbox.New(outbox.Options{Store: h.st, Now: h.clk.Now, Deliver: h.eng.Deliver, BatchKey: h.eng.BatchKey,
		DeliverBatch: h.eng.DeliverBatch, MaxBatch: h.eng.MaxBatch, OnDead: h.eng.ForgetWrite,
		BaseBackoff: time.Second, MaxBackoff: time.Second, Lease: 30 * time.Second})
}

// drain runs w until nothing is pending, moving the clock past each
// backoff, and fails if that takes more than a few rounds.
func (h *mdeHub) drain(t *testing.T, w *outbox.Worker) {
	t.Helper()
	for range 8 {
		if _, err := w.RunOnce(t.Context()); err != nil {
			t.Fatal(err)
		}
		if len(h.items(t, store.OutboxPending)) == 0 && len(h.items(t, store.OutboxLeased)) == 0 {
			return
		}
		h.clk.Add(time.Minute)
	}
	t.Fatalf("still pending after 8 rounds: %+v", h.items(t, store.OutboxPending))
}

func (h *mdeHub) items(t *testing.T, state store.OutboxState) []store.OutboxItem {
	t.Helper()
	items, err := h.st.OutboxList(t.Context(), store.OutboxListParams{State: state, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	return items
}

// checks is alertsync_outcome_checks_total for result.
func (h *mdeHub) checks(t *testing.T, result string) float64 {
	t.Helper()
	mfs, err := h.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var sum float64
	for _, mf := range mfs {
		if mf.GetName() != "alertsync_outcome_checks_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "result" && l.GetValue() == result {
					sum += m.GetCounter().GetValue()
				}
			}
		}
	}
	return sum
}

// vendorHoldsOnce checks that the vendor got each write once: one PATCH
// per action, the alert resolved, and exactly one comment.
func (h *mdeHub) vendorHoldsOnce(t *testing.T, id string, actions int) {
	t.Helper()
	var patches int
	for _, r := range h.emu.Recorder().Filter(http.MethodPatch, "/api/alerts/"+id) {
		if r.Status == http.StatusOK {
			patches++
		}
	}
	a, _ := h.emu.Alert(id)
	comments := h.emu.Comments(id)
	if patches != actions || a.Status != "Resolved" || len(comments) != 1 {
		t.Errorf("the vendor took %d writes (want %d), holds status %q and %d comments (want 1): %+v", patches, actions, a.Status, len(comments), comments)
	}
	if len(comments) > 0 && !strings.Contains(comments[0].Comment, "benign admin script") {
		t.Errorf("comment %q does not carry the verdict's reason", comments[0].Comment)
	}
}

// TestLostAnswerIsNotSentTwice: the vendor applies a write whose answer is
// lost; the outbox retries it, the engine finds it applied at the vendor
// and sends nothing, and the next poll is not taken for a remote change.
func TestLostAnswerIsNotSentTwice(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		commentSync bool
		actions     int // writes queued by the verdict
	}{
		{"state write carrying its reason as a comment", false, 1},
		{"state write and verdict comment", true, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			pol := engine.DefaultPolicy()
			pol.CommentSync = tt.commentSync
			h := startMDE(t, storetest.Default(storetest.OpenSQLite(t)), pol)
			_, cursor, ids := h.poll(t, "")
			h.verdict(t, ids[0])
			h.net.lose(tt.actions)
			h.drain(t, h.worker())
			h.vendorHoldsOnce(t, ids[0], tt.actions)
			if got := h.checks(t, "applied"); got != float64(tt.actions) {
				t.Errorf("%v checks found the write applied, want %d", got, tt.actions)
			}
			for _, it := range h.items(t, store.OutboxDone) {
				if it.Attempts != 2 || !strings.HasPrefix(it.LastError, "already applied") {
					t.Errorf("%s done after %d attempts with %q; want the second attempt to find it applied", it.Action, it.Attempts, it.LastError)
				}
			}
			a, _ := h.st.AlertGetByVendor(t.Context(), "mde", ids[0])
			if a.RemoteStatus != "Resolved" {
				t.Errorf("local remote status %q, want the status found at the vendor", a.RemoteStatus)
			}
			// The write-back recorded what the vendor holds: the next
			// poll is not a change by someone at the vendor.
			if res, _, _ := h.poll(t, cursor); res.Echoes+res.Unchanged != 1 || res.Updated != 0 {
				t.Errorf("next poll = %+v, want the resolved alert known (echo or unchanged), not a remote change", res)
			}
		})
	}
}

// TestCrashMidSendIsChecked: a replica claims a write, sends it (the
// vendor applies it) and dies before recording the outcome. Once the
// claim's lease runs out another replica claims the write again, checks
// it at the vendor, and records it done without sending it twice. On
// both stores.
func TestCrashMidSendIsChecked(t *testing.T) {
	t.Parallel()
	onBothStores(t, func(t *testing.T, st *storetest.Both) {
		h := startMDE(t, st, engine.DefaultPolicy())
		_, _, ids := h.poll(t, "")
		h.verdict(t, ids[0])
		const lease = 30 * time.Second
		claimed, err := h.st.OutboxClaim(t.Context(), store.OutboxClaimParams{Owner: "replica-1", Now: h.clk.Now(), Lease: lease, Limit: 10})
		if err != nil || len(claimed) != 1 {
			t.Fatalf("claim = %d items, %v", len(claimed), err)
		}
		// replica-1 sends, then dies: its answer is never recorded.
		if _, err := h.eng.Deliver(t.Context(), claimed[0]); err != nil {
			t.Fatalf("replica-1's delivery: %v", err)
		}
		w := h.worker()
		if n, err := w.RunOnce(t.Context()); err != nil || n != 0 {
			t.Fatalf("RunOnce under replica-1's lease = %d, %v; want nothing to claim", n, err)
		}
		h.clk.Add(lease + time.Second)
		if n, err := w.RunOnce(t.Context()); err != nil || n != 1 {
			t.Fatalf("RunOnce after the lease ran out = %d, %v; want the write rescued", n, err)
		}
		done := h.items(t, store.OutboxDone)
		if len(done) != 1 || done[0].Attempts != 2 || !strings.HasPrefix(done[0].LastError, "already applied") {
			for _, it := range done {
				t.Logf("done: %s after %d attempts: %q", it.Action, it.Attempts, it.LastError)
			}
			t.Fatalf("%d done, want the rescued write found applied on its second attempt", len(done))
		}
		h.vendorHoldsOnce(t, ids[0], 1)
		if got := h.checks(t, "applied"); got != 1 {
			t.Errorf("%v checks found the write applied, want 1", got)
		}
	})
}
