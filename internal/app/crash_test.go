package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/alertsync/alertsync/internal/app"
	"github.com/alertsync/alertsync/internal/config"
	"github.com/alertsync/alertsync/internal/connector"
	_ "github.com/alertsync/alertsync/internal/connectors/all"
	"github.com/alertsync/alertsync/internal/connectors/httpintake"
	"github.com/alertsync/alertsync/internal/engine"
	"github.com/alertsync/alertsync/internal/model"
	"github.com/alertsync/alertsync/internal/store"
)

// idempotentReceiver stands in for a vendor that honours Idempotency-Key:
// a repeated key is answered 200 but not applied twice. It counts raw
// deliveries and applied actions separately.
type idempotentReceiver struct {
	mu         sync.Mutex
	applied    map[string]int
	deliveries int
}

func (r *idempotentReceiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	_, _ = io.Copy(io.Discard, req.Body)
	key := req.Header.Get("Idempotency-Key")
	time.Sleep(200 * time.Microsecond)
	r.mu.Lock()
	r.deliveries++
	if key != "" {
		r.applied[key]++
	}
	r.mu.Unlock()
	w.WriteHeader(http.StatusOK)
}

// keys is the set of Idempotency-Keys received so far.
func (r *idempotentReceiver) keys() map[string]bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make(map[string]bool, len(r.applied))
	for k := range r.applied {
		out[k] = true
	}
	return out
}

func (r *idempotentReceiver) counts() (distinct, deliveries int, dup []string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for k, n := range r.applied {
		if n > 1 {
			dup = append(dup, k)
		}
	}
	return len(r.applied), r.deliveries, dup
}

func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "alertsync")
	cmd := exec.CommandContext(t.Context(), "go", "build", "-o", bin, "github.com/alertsync/alertsync/cmd/alertsync")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build alertsync: %v\n%s", err, out)
	}
	return bin
}

func freePort(t *testing.T) string {
	t.Helper()
	ln, err := (&net.ListenConfig{}).Listen(t.Context(), "tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = ln.Close() }()
	return ln.Addr().String()
}

// TestCrashDeliversEveryActionOnce kills the serving process with SIGKILL
// while 10,000 outbound actions are pending, restarts it, and checks that
// the receiver saw every action, each applied exactly once.
func TestCrashDeliversEveryActionOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	const actions = 10000
	recv := &idempotentReceiver{applied: map[string]int{}}
	srv := httptest.NewServer(recv)
	defer srv.Close()

	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "alertsync.yaml")
	listen := freePort(t)
	cfgText := fmt.Sprintf(`data_dir: %s
listen: %s
secret_key: crash-test-secret-key-0123456789
log_level: warn
api:
  admin_token: crash-test-admin-token-0123456789
outbox:
  workers: 16
  batch: 64
  lease: 3s
  idle_wait: 50ms
integrations:
  - id: push
    kind: httpintake
    settings:
      intake_key: crash-test-intake-key-0123
      writeback_url: %s
`, filepath.Join(dir, "data"), listen, srv.URL)
	if err := os.WriteFile(cfgPath, []byte(cfgText), 0o600); err != nil {
		t.Fatal(err)
	}
	seedPending(t, cfgPath, actions)

	bin := buildBinary(t)
	first := startServe(t, bin, cfgPath)
	waitFor(t, 60*time.Second, func() bool { d, _, _ := recv.counts(); return d >= actions/4 })
	if err := first.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = first.Wait()
	atKill, _, _ := recv.counts()
	if atKill >= actions {
		t.Fatalf("all %d actions were delivered before the kill; the test proves nothing", actions)
	}
	recorded := recordedDone(t, cfgPath)
	// Every action recorded as delivered reached the receiver (under the
	// key write-back sends), and some were recorded: the check below
	// compares like with like.
	seen := recv.keys()
	for key := range recorded {
		if !seen[key] {
			t.Fatalf("action %s was recorded as delivered but the receiver never saw it", key)
		}
	}
	if len(recorded) == 0 {
		t.Fatal("no delivery was recorded before the kill; the test proves nothing")
	}

	second := startServe(t, bin, cfgPath)
	waitFor(t, 120*time.Second, func() bool { d, _, _ := recv.counts(); return d >= actions })
	// Actions delivered just before the kill are re-sent once their lease
	// expires; wait until the restarted process has settled every one.
	waitFor(t, 60*time.Second, func() bool { return doneCount(listen) == actions })
	_ = second.Process.Signal(syscall.SIGTERM)
	_ = second.Wait()

	distinct, deliveries, dup := recv.counts()
	t.Logf("killed after %d distinct actions; %d deliveries in all for %d actions (%d re-sent after the crash, deduplicated by Idempotency-Key)",
		atKill, deliveries, distinct, deliveries-distinct)
	if distinct != actions {
		t.Fatalf("receiver saw %d distinct actions, want %d", distinct, actions)
	}
	// Only actions whose outcome was not recorded at the kill may be
	// re-sent: those in flight, and those delivered while the finisher
	// had not yet recorded them. A lane holds at most four claims' worth
	// of such items (outbox's recordAhead, 4 × the batch of 64).
	for _, key := range dup {
		if recorded[key] {
			t.Errorf("action %s was re-sent although its delivery was recorded before the kill", key)
		}
	}
	if resent := deliveries - distinct; resent > 4*64 {
		t.Fatalf("%d re-deliveries; at most the 256 a lane may hold unrecorded may be re-sent", resent)
	}
	assertAllDone(t, cfgPath, actions)
}

// recordedDone reads the store the killed process left: the Idempotency-Key
// of every action it recorded as delivered.
func recordedDone(t *testing.T, cfgPath string) map[string]bool {
	t.Helper()
	ctx := context.Background()
	st := openConfigured(t, cfgPath)
	defer func() { _ = st.Close() }()
	done := map[string]bool{}
	for after := int64(0); ; {
		items, err := st.Scope(store.DefaultTenant).OutboxList(ctx, store.OutboxListParams{State: store.OutboxDone, AfterID: after, Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		if len(items) == 0 {
			return done
		}
		for _, it := range items {
			done[httpintake.IdempotencyKey(it.Key)] = true
		}
		after = items[len(items)-1].ID
	}
}

// seedPending ingests alerts and gives each a verdict through the real
// engine, leaving one pending state write per alert in the outbox.
func seedPending(t *testing.T, cfgPath string, n int) {
	t.Helper()
	ctx := context.Background()
	cfg, err := config.Load(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	a, err := app.New(ctx, cfg, app.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = a.Stop(ctx) }()
	items := make([]connector.Item, n)
	for i := range items {
		id := fmt.Sprintf("crash-%05d", i)
		items[i] = connector.Item{VendorID: id, Raw: []byte(`{"id":"` + id + `"}`),
			Alert: &model.Alert{VendorID: id, Title: "Crash test alert", Severity: model.SeverityLow}}
	}
	if _, err := a.Engine().Ingest(ctx, "push", items); err != nil {
		t.Fatal(err)
	}
	list, err := a.Store().AlertList(ctx, store.AlertListParams{Integration: "push", Limit: 1000})
	for len(list) > 0 && err == nil {
		for _, al := range list {
			if _, err := a.Engine().SetAlertVerdict(ctx, engine.VerdictParams{ID: al.ID, Verdict: model.VerdictNotAThreat,
				Actor: model.Actor{Kind: model.ActorRule, Name: "crash-test"}}); err != nil {
				t.Fatal(err)
			}
		}
		list, err = a.Store().AlertList(ctx, store.AlertListParams{Integration: "push", AfterID: list[len(list)-1].ID, Limit: 1000})
	}
	if err != nil {
		t.Fatal(err)
	}
	counts, err := a.Store().OutboxCounts(ctx)
	if err != nil || counts[store.OutboxPending] != n {
		t.Fatalf("pending after seeding = %v, %v; want %d", counts, err, n)
	}
}

func startServe(t *testing.T, bin, cfgPath string) *exec.Cmd {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), bin, "serve", "--config", cfgPath)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		if t.Failed() {
			t.Logf("serve stderr:\n%s", stderr.String())
		}
	})
	return cmd
}

// doneCount asks the running server's API how many actions are done.
func doneCount(listen string) int {
	req, _ := http.NewRequestWithContext(context.Background(), http.MethodGet, "http://"+listen+"/api/v1/outbox/counts", nil)
	req.Header.Set("Authorization", "Bearer crash-test-admin-token-0123456789")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return -1
	}
	defer func() { _ = resp.Body.Close() }()
	var counts map[string]int
	if json.NewDecoder(resp.Body).Decode(&counts) != nil {
		return -1
	}
	return counts["done"]
}

func waitFor(t *testing.T, limit time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("condition not met within %v", limit)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// openConfigured opens the store the config at cfgPath names, for a
// test to read what a serving process (stopped or killed) left; the
// caller closes it.
func openConfigured(t *testing.T, cfgPath string) store.Store {
	t.Helper()
	cfg, err := config.Load(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	st, err := app.OpenStore(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func assertAllDone(t *testing.T, cfgPath string, n int) {
	t.Helper()
	ctx := context.Background()
	st := openConfigured(t, cfgPath)
	defer func() { _ = st.Close() }()
	counts, err := st.Scope(store.DefaultTenant).OutboxCounts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if counts[store.OutboxDone] != n || counts[store.OutboxPending]+counts[store.OutboxLeased]+counts[store.OutboxDead] != 0 {
		t.Fatalf("outbox after restart = %v, want %d done", counts, n)
	}
}
