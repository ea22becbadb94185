package ui_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"log/slog"

	"github.com/alertsync/alertsync/internal/api"
	"github.com/alertsync/alertsync/internal/app"
	"github.com/alertsync/alertsync/internal/config"
	"github.com/alertsync/alertsync/internal/engine"
	"github.com/alertsync/alertsync/internal/store"
	"github.com/alertsync/alertsync/internal/store/sqlite"
	"github.com/alertsync/alertsync/internal/ui"
)

// syncBuffer is a log sink tests read while the hub writes to it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestPasswordLogin: a configured user logs in with a username and a
// password and acts as the role configured for them; a wrong password or
// an unknown username is refused with the same answer, logged with the
// username and address and never the password.
func TestPasswordLogin(t *testing.T) {
	t.Parallel()
	logs := &syncBuffer{}
	cfg := baseConfig(t)
	cfg.LogLevel = "info"
	cfg.Integrations = []config.Integration{{ID: "push", Kind: "httpintake", Settings: map[string]any{"intake_key": intakeKey}}}
	h := runWith(t, cfg, app.Options{Logger: slog.New(slog.NewTextHandler(logs, nil))})
	b := h.browser()
	p := b.get("/login").want(t, http.StatusOK)
	for _, want := range []string{`id="password-login"`, `id="username"`, `id="token"`} {
		if !strings.Contains(p.body, want) {
			t.Errorf("the login page lacks %s", want)
		}
	}
	for _, bad := range []url.Values{
		{"username": {"ada"}, "password": {"correct horse battery stapler"}},
		{"username": {"nobody"}, "password": {adaPassword}},
		{"username": {"ada"}, "password": {""}},
		{"username": {"ADA"}, "password": {adaPassword}},
	} {
		p := b.post("/login", bad).want(t, http.StatusUnauthorized)
		if !strings.Contains(p.body, "do not match a user") {
			t.Errorf("refusal for %s: %.300s", bad.Get("username"), p.body)
		}
		checkNoSecret(t, "a refused login", p.body)
		if strings.Contains(p.body, "battery stapler") {
			t.Error("the refused password is echoed")
		}
	}
	b.get("/alerts").want(t, http.StatusSeeOther)
	b.loginAs("ada", adaPassword)
	p = b.get("/integrations").want(t, http.StatusOK)
	if !strings.Contains(p.body, "ada <small>(admin)</small>") || !strings.Contains(p.body, "Edit configuration") {
		t.Errorf("ada is not an admin on the pages: %.500s", p.body)
	}
	b.get("/integrations/push/edit").want(t, http.StatusOK)
	log := logs.String()
	for _, want := range []string{"username=nobody", "remote=127.0.0.1", "wrong username or password", "name=ada role=admin with=user"} {
		if !strings.Contains(log, want) {
			t.Errorf("the log lacks %q", want)
		}
	}
	if strings.Contains(log, "battery") || strings.Contains(log, adaHash) {
		t.Error("the log holds the password or its hash")
	}
}

// TestLoginRateLimited: five failures for one username lock it (even the
// right password is refused, unchecked) while others still log in; many
// failures from one address lock that address out, tokens included.
func TestLoginRateLimited(t *testing.T) {
	t.Parallel()
	h := startHub(t)
	b := h.browser()
	b.get("/login")
	for range 5 {
		b.post("/login", url.Values{"username": {"ada"}, "password": {"guess"}}).want(t, http.StatusUnauthorized)
	}
	p := b.post("/login", url.Values{"username": {"ada"}, "password": {adaPassword}}).want(t, http.StatusTooManyRequests)
	if !strings.Contains(p.body, "Too many failed logins") || p.header.Get("Retry-After") == "" {
		t.Errorf("the limited login says %.300s (Retry-After %q)", p.body, p.header.Get("Retry-After"))
	}
	h.browser().login(viewerToken) // the address still has tries left
	for range 15 {
		b.post("/login", url.Values{"token": {"not-a-token-of-this-hub"}}).want(t, http.StatusUnauthorized)
	}
	b.post("/login", url.Values{"token": {adminToken}}).want(t, http.StatusTooManyRequests)
}

// clock is a test clock the consoles and the engine share.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// on is the same browser (its cookies) talking to another console.
func (b *browser) on(base string) *browser {
	c := *b
	c.h = &hub{t: b.t, base: base}
	return &c
}

// TestSessionsAcrossConsoles: consoles on one store share their
// sessions: one started on a console is accepted by another (a replica
// behind the same balancer, or the same one after a restart), ends on
// all at logout or expiry, and ends when the console's configuration no
// longer grants it (a token replaced, a user removed).
func TestSessionsAcrossConsoles(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), sqlite.FileName))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	clk := &clock{now: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
	eng := engine.New(engine.Options{Store: st.Scope(store.DefaultTenant), Now: clk.Now})
	ada := []config.ConsoleUser{{Username: "ada", PasswordHash: config.NewSecret(adaHash), Role: "admin"}}
	console := func(admin string, users []config.ConsoleUser) string {
		srv := httptest.NewServer(ui.New(ui.Deps{API: api.Deps{Store: st, Engine: eng, AdminToken: config.NewSecret(admin)},
			Users: users, SessionTTL: time.Hour}))
		t.Cleanup(srv.Close)
		return srv.URL
	}
	one, two := console(adminToken, ada), console(adminToken, ada)
	br := (&hub{t: t, base: one}).browser().loginAs("ada", adaPassword)
	br.on(two).get("/alerts").want(t, http.StatusOK)
	br.on(console(adminToken, ada)).get("/alerts").want(t, http.StatusOK) // a restart
	br.on(two).post("/logout", nil).want(t, http.StatusSeeOther)
	br.get("/alerts").want(t, http.StatusSeeOther)

	br.loginAs("ada", adaPassword)
	clk.add(time.Hour - time.Second)
	br.on(two).get("/alerts").want(t, http.StatusOK)
	clk.add(time.Second)
	br.on(two).get("/alerts").want(t, http.StatusSeeOther)
	br.get("/alerts").want(t, http.StatusSeeOther)

	br.loginAs("ada", adaPassword)
	br.on(console(adminToken, nil)).get("/alerts").want(t, http.StatusSeeOther) // ada removed from the config
	br.get("/alerts").want(t, http.StatusSeeOther)                              // and the session is gone

	br.login(adminToken)
	br.on(console(adminToken, nil)).get("/alerts").want(t, http.StatusOK)
	br.on(console("a-replaced-admin-token-0123", ada)).get("/alerts").want(t, http.StatusSeeOther)
	br.get("/alerts").want(t, http.StatusSeeOther)
}
