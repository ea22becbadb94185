package ui_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alertsync/alertsync/internal/api"
	"github.com/alertsync/alertsync/internal/app"
	"github.com/alertsync/alertsync/internal/config"
	"github.com/alertsync/alertsync/internal/connector"
	"github.com/alertsync/alertsync/internal/engine"
	"github.com/alertsync/alertsync/internal/model"
	"github.com/alertsync/alertsync/internal/store"

	_ "github.com/alertsync/alertsync/internal/connectors/all" // every connector kind
)

// Token values are long and distinctive so a leak into any page is found.
const (
	viewerToken  = "viewer-console-tok-7c1e9a3b5d"
	analystToken = "analyst-console-tok-2f8d6b4a0c"
	adminToken   = "admin-console-tok-9e7d5c3b1a"
	// tenantAdminToken is an admin of the default tenant alone; the
	// configured admin token acts in every tenant (an operator).
	tenantAdminToken = "tenant-admin-console-tok-4d2f"
	intakeKey        = "intake-console-key-5a4b3c2d1e"
	writeToken       = "writeback-console-tok-0a9b8c7d"
	// adaPassword is the console user ada's password (an admin of the
	// default tenant); adaHash is its bcrypt hash (cost 10).
	adaPassword = "correct horse battery staple"
	adaHash     = "$2a$10$upEMVwBh8z0GSEe4G1OFMudCAPgnRWvR3sZAUKLHXyRpdHLo2suJ."
)

var allSecrets = []string{viewerToken, analystToken, adminToken, tenantAdminToken, intakeKey, writeToken, adaPassword, adaHash}

// hub is the whole alertsync running in-process on a free port, with an
// HTTP intake integration whose write-backs land in receiver.
type hub struct {
	t    testing.TB
	app  *app.App
	base string
	// alerts are the ids of the seeded alerts, oldest first.
	alerts []int64
	recv   *receiver
}

// receiver stands in for the intake's sender, taking write-backs.
type receiver struct {
	mu     sync.Mutex
	bodies []string
	fail   bool
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if rc.fail {
		http.Error(w, "refused", http.StatusBadRequest)
		return
	}
	rc.bodies = append(rc.bodies, string(b))
}

func baseConfig(t testing.TB) config.Config {
	cfg := config.Defaults()
	cfg.DataDir = t.TempDir()
	cfg.Listen = "127.0.0.1:0"
	cfg.LogLevel = "warn"
	cfg.SecretKey = config.NewSecret("console test secret key 0123456789")
	cfg.API.AdminToken = config.NewSecret(adminToken)
	cfg.API.Tokens = []config.APIToken{
		{Name: "vera", Token: config.NewSecret(viewerToken), Role: "viewer"},
		{Name: "ana", Token: config.NewSecret(analystToken), Role: "analyst"},
		{Name: "adam", Token: config.NewSecret(tenantAdminToken), Role: "admin"},
	}
	cfg.Console.Users = []config.ConsoleUser{{Username: "ada", PasswordHash: config.NewSecret(adaHash), Role: "admin"}}
	cfg.Outbox.IdleWait = 20 * time.Millisecond
	cfg.Outbox.BaseBackoff = 20 * time.Millisecond
	cfg.Outbox.MaxBackoff = 100 * time.Millisecond
	cfg.Outbox.MaxAttempts = 1
	return cfg
}

// startHub runs the hub with the intake integration "push" and a few
// alerts in it.
func startHub(t testing.TB) *hub {
	t.Helper()
	rc := &receiver{}
	srv := httptest.NewServer(rc)
	t.Cleanup(srv.Close)
	cfg := baseConfig(t)
	on := true
	cfg.Integrations = []config.Integration{{ID: "push", Kind: "httpintake", Name: "Push intake",
		Settings: map[string]any{"intake_key": intakeKey, "writeback_url": srv.URL, "writeback_token": writeToken},
		Policy:   config.Policy{CommentSync: &on}}}
	h := run(t, cfg)
	h.recv = rc
	h.seed("push", 3)
	return h
}

func run(t testing.TB, cfg config.Config) *hub {
	t.Helper()
	return runWith(t, cfg, app.Options{})
}

func runWith(t testing.TB, cfg config.Config, opts app.Options) *hub {
	t.Helper()
	ctx := context.Background()
	a, err := app.New(ctx, cfg, opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = a.Stop(context.Background()) })
	return &hub{t: t, app: a, base: "http://" + a.Addr()}
}

// seed ingests n alerts into integration through the engine.
func (h *hub) seed(integration string, n int) {
	h.t.Helper()
	items := make([]connector.Item, n)
	for i := range items {
		id := fmt.Sprintf("console-%d", i)
		items[i] = connector.Item{VendorID: id, Raw: []byte(`{"id":"` + id + `"}`), Alert: &model.Alert{
			VendorID: id, Title: fmt.Sprintf("Console test alert %d <b>", i), Severity: model.SeverityHigh,
			Entities: model.Entities{Hosts: []string{"web-1"}, Users: []string{"alice"}}}}
	}
	ctx := context.Background()
	if _, err := h.app.Engine().Ingest(ctx, integration, items); err != nil {
		h.t.Fatal(err)
	}
	list, err := h.app.Store().AlertList(ctx, store.AlertListParams{Integration: integration, Limit: 100})
	if err != nil {
		h.t.Fatal(err)
	}
	for _, a := range list {
		h.alerts = append(h.alerts, a.ID)
	}
}

// browser is an HTTP client with its own cookies: one person's browser.
type browser struct {
	t    testing.TB
	h    *hub
	c    *http.Client
	csrf string
}

func (h *hub) browser() *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: h.t, h: h, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

// page is one answer.
type page struct {
	status int
	header http.Header
	body   string
}

func (b *browser) do(method, path string, form url.Values) page {
	b.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequestWithContext(context.Background(), method, b.h.base+path, body)
	if err != nil {
		b.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	raw, _ := io.ReadAll(resp.Body)
	p := page{status: resp.StatusCode, header: resp.Header, body: string(raw)}
	if m := csrfInput.FindStringSubmatch(p.body); m != nil {
		b.csrf = m[1]
	}
	return p
}

var csrfInput = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func (b *browser) get(path string) page { return b.do(http.MethodGet, path, nil) }

// post sends a form with the CSRF token the last page carried.
func (b *browser) post(path string, form url.Values) page {
	if form == nil {
		form = url.Values{}
	}
	if !form.Has("csrf") {
		form.Set("csrf", b.csrf)
	}
	return b.do(http.MethodPost, path, form)
}

// loginAs logs in with a username and a password and fails the test
// unless it worked.
func (b *browser) loginAs(username, password string) *browser {
	b.t.Helper()
	b.get("/login")
	p := b.post("/login", url.Values{"username": {username}, "password": {password}})
	if p.status != http.StatusSeeOther {
		b.t.Fatalf("login as %s = %d\n%s", username, p.status, p.body)
	}
	b.get("/")
	return b
}

// login logs in with token and fails the test unless it worked.
func (b *browser) login(token string) *browser {
	b.t.Helper()
	b.get("/login")
	p := b.post("/login", url.Values{"token": {token}})
	if p.status != http.StatusSeeOther {
		b.t.Fatalf("login = %d\n%s", p.status, p.body)
	}
	b.get("/")
	return b
}

func (p page) want(t testing.TB, status int) page {
	t.Helper()
	if p.status != status {
		t.Fatalf("status %d, want %d\n%.2000s", p.status, status, p.body)
	}
	return p
}

// drain delivers every due outbox item, with the background worker held:
// each call steps the queue like the worker would, so tests need not
// wait for it.
func (h *hub) drain() {
	h.t.Helper()
	for range 20 {
		n, err := h.app.Outbox().RunOnce(context.Background())
		if err != nil {
			h.t.Fatal(err)
		}
		if n == 0 {
			return
		}
	}
	h.t.Fatal("the outbox did not drain")
}

// stateWrite is the id of the alert's state write-back.
func (h *hub) stateWrite(alert int64) int64 {
	h.t.Helper()
	items, err := h.app.Store().OutboxList(context.Background(), store.OutboxListParams{OriginKind: model.KindAlert, OriginID: alert, Limit: 100})
	if err != nil {
		h.t.Fatal(err)
	}
	for _, it := range items {
		if it.Action == "set_state" {
			return it.ID
		}
	}
	h.t.Fatalf("alert %d has no state write among %+v", alert, items)
	return 0
}

func httptestTLS(t testing.TB, h http.Handler) *httptest.Server {
	srv := httptest.NewTLSServer(h)
	t.Cleanup(srv.Close)
	return srv
}

// apiDeps are the hub's own store and engine for a console built apart.
func apiDeps(h *hub) api.Deps {
	return api.Deps{Store: h.app.Hub(), Engine: h.app.Engine(), AdminToken: config.NewSecret(adminToken)}
}

// deadItem makes a write-back the receiver refuses and returns its id,
// dead after its one attempt.
func (h *hub) deadItem() int64 {
	h.t.Helper()
	h.app.Outbox().Hold(true)
	defer h.app.Outbox().Hold(false)
	h.recv.mu.Lock()
	h.recv.fail = true
	h.recv.mu.Unlock()
	defer func() {
		h.recv.mu.Lock()
		h.recv.fail = false
		h.recv.mu.Unlock()
	}()
	alert := h.alerts[len(h.alerts)-1]
	_, err := h.app.Engine().SetAlertVerdict(context.Background(), engine.VerdictParams{ID: alert, Verdict: model.VerdictNotAThreat,
		Actor: model.Actor{Kind: model.ActorRule, Name: "test"}})
	if err != nil {
		h.t.Fatal(err)
	}
	h.drain()
	return h.stateWrite(alert)
}
