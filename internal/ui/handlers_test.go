package ui_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/alertsync/alertsync/internal/config"
	"github.com/alertsync/alertsync/internal/engine"
	"github.com/alertsync/alertsync/internal/model"
	"github.com/alertsync/alertsync/internal/ui"
)

// TestEveryPageForEveryRole renders each page as each role that may see
// it and checks the security headers and that no secret is in it.
func TestEveryPageForEveryRole(t *testing.T) {
	t.Parallel()
	h := startHub(t)
	alert := h.alerts[0]
	pages := []string{"/", "/integrations", "/alerts", "/alerts?severity=high&host=web-1&user=alice&from=2000-01-01T00:00",
		fmt.Sprintf("/alerts/%d", alert), fmt.Sprintf("/alerts/%d/deliveries", alert), "/incidents", "/outbox",
		"/outbox?state=done", "/runs", "/cluster", "/no/such/page"}
	for _, tok := range []string{viewerToken, analystToken, adminToken} {
		b := h.browser().login(tok)
		for _, path := range pages {
			p := b.get(path)
			want := http.StatusOK
			if path == "/no/such/page" {
				want = http.StatusNotFound
			}
			p.want(t, want)
			checkHeaders(t, path, p)
			checkNoSecret(t, path, p.body)
		}
	}
	admin := h.browser().login(adminToken)
	p := admin.get("/integrations/push/edit").want(t, http.StatusOK)
	checkNoSecret(t, "edit", p.body)
	for _, want := range []string{`name="comment_sync"`, `name="close_on_not_a_threat"`, `name="auto_validate.min_severity"`,
		"default: off", "intake_key", "write-only"} {
		if !strings.Contains(p.body, want) {
			t.Errorf("edit page lacks %q", want)
		}
	}
}

func checkHeaders(t *testing.T, path string, p page) {
	t.Helper()
	csp := p.header.Get("Content-Security-Policy")
	if csp == "" || strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") || !strings.Contains(csp, "script-src 'self'") {
		t.Errorf("%s: CSP %q", path, csp)
	}
	if p.header.Get("X-Content-Type-Options") != "nosniff" || p.header.Get("X-Frame-Options") != "DENY" {
		t.Errorf("%s: headers %v", path, p.header)
	}
	if strings.Contains(p.body, "<script>") || strings.Contains(p.body, " style=") || strings.Contains(p.body, "<style") {
		t.Errorf("%s: inline script or style in the page", path)
	}
}

func checkNoSecret(t *testing.T, where, body string) {
	t.Helper()
	for _, s := range allSecrets {
		if strings.Contains(body, s) {
			t.Errorf("%s shows the secret %q", where, s)
		}
	}
}

// TestViewerSeesNoEditButtons: a viewer gets the pages without the
// buttons of actions its role may not take, and is refused if it posts
// the forms anyway.
func TestViewerSeesNoEditButtons(t *testing.T) {
	t.Parallel()
	h := startHub(t)
	alert := h.alerts[0]
	viewer := h.browser().login(viewerToken)
	for path, absent := range map[string][]string{
		"/integrations":                  {"Edit configuration", "Test connection"},
		fmt.Sprintf("/alerts/%d", alert): {"Set verdict", "Add comment", "Start validation"},
		"/outbox?state=dead":             {"Retry"},
		"/integrations/push/edit":        {"Save policy"},
	} {
		p := viewer.get(path)
		for _, s := range absent {
			if strings.Contains(p.body, s) {
				t.Errorf("viewer sees %q on %s", s, path)
			}
		}
	}
	viewer.post(fmt.Sprintf("/alerts/%d/verdict", alert), url.Values{"verdict": {"threat"}}).want(t, http.StatusForbidden)
	viewer.post("/integrations/push/policy", url.Values{}).want(t, http.StatusForbidden)
	a, err := h.app.Store().AlertGet(context.Background(), alert)
	if err != nil || a.Verdict != model.VerdictNone {
		t.Fatalf("a viewer's verdict landed: %+v %v", a.Verdict, err)
	}
	admin := h.browser().login(adminToken)
	if !strings.Contains(admin.get("/integrations").body, "Edit configuration") {
		t.Error("an admin does not see Edit configuration")
	}
}

// TestCSRF: a form without the session's token is refused and changes
// nothing; the login form checks its own.
func TestCSRF(t *testing.T) {
	t.Parallel()
	h := startHub(t)
	alert := h.alerts[0]
	b := h.browser().login(analystToken)
	path := fmt.Sprintf("/alerts/%d/verdict", alert)
	for _, tok := range []string{"", "forged-token", strings.Repeat("x", 43)} {
		b.do(http.MethodPost, path, url.Values{"verdict": {"threat"}, "csrf": {tok}}).want(t, http.StatusForbidden)
	}
	a, _ := h.app.Store().AlertGet(context.Background(), alert)
	if a.Verdict != model.VerdictNone {
		t.Fatalf("a forged form set the verdict %q", a.Verdict)
	}
	b.get(fmt.Sprintf("/alerts/%d", alert))
	b.post(path, url.Values{"verdict": {"suspicious"}}).want(t, http.StatusSeeOther)
	a, _ = h.app.Store().AlertGet(context.Background(), alert)
	if a.Verdict != model.VerdictSuspicious {
		t.Fatalf("verdict = %q after a good form", a.Verdict)
	}
	// Another browser's login token does not log this one in.
	other := h.browser()
	other.get("/login")
	fresh := h.browser()
	fresh.do(http.MethodPost, "/login", url.Values{"token": {adminToken}, "csrf": {other.csrf}}).want(t, http.StatusForbidden)
}

// TestLogin: cookie flags, a refused token, logout.
func TestLogin(t *testing.T) {
	t.Parallel()
	h := startHub(t)
	b := h.browser()
	b.get("/alerts").want(t, http.StatusSeeOther)
	b.get("/login")
	p := b.post("/login", url.Values{"token": {"not-a-token-of-this-hub"}}).want(t, http.StatusUnauthorized)
	if strings.Contains(p.body, "not-a-token-of-this-hub") {
		t.Error("the refused token is echoed")
	}
	p = b.post("/login", url.Values{"token": {adminToken}, "next": {"//elsewhere.example/x"}}).want(t, http.StatusSeeOther)
	if loc := p.header.Get("Location"); loc != "/" {
		t.Errorf("login redirects to %q", loc)
	}
	var session *http.Cookie
	for _, ck := range (&http.Response{Header: p.header}).Cookies() {
		if ck.Name == "alertsync_session" {
			session = ck
		}
	}
	if session == nil || !session.HttpOnly || session.SameSite != http.SameSiteLaxMode || session.Secure {
		t.Fatalf("session cookie %+v: want HttpOnly, SameSite=Lax, not Secure on plain HTTP", session)
	}
	if strings.Contains(session.Value, adminToken) {
		t.Fatal("the cookie carries the token")
	}
	b.get("/alerts").want(t, http.StatusOK)
	b.post("/logout", nil).want(t, http.StatusSeeOther)
	b.get("/alerts").want(t, http.StatusSeeOther)
}

// TestSecureCookieOnTLS: over TLS the session cookie is Secure.
func TestSecureCookieOnTLS(t *testing.T) {
	t.Parallel()
	h := startHub(t)
	srv := httptestTLS(t, ui.New(ui.Deps{API: apiDeps(h)}))
	c := srv.Client()
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, srv.URL+"/login", nil)
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	for _, ck := range resp.Cookies() {
		if ck.Name == "alertsync_login" && !ck.Secure {
			t.Fatalf("login cookie over TLS is not Secure: %+v", ck)
		}
	}
}

// TestPolicyForm: an admin unticks comment sync; the engine runs with it
// off at once and a restart keeps it.
func TestPolicyForm(t *testing.T) {
	t.Parallel()
	h := startHub(t)
	admin := h.browser().login(adminToken)
	admin.get("/integrations/push/edit")
	form := url.Values{"close_on_not_a_threat": {"on"}, "close_on_published_threat": {"on"},
		"auto_validate.min_severity": {"high"}, "auto_validate.max_active": {"50"}}
	admin.post("/integrations/push/policy", form).want(t, http.StatusSeeOther)
	in, _ := h.app.Engine().Integration("push")
	want := engine.DefaultPolicy()
	want.AutoValidate.MinSeverity, want.AutoValidate.MaxActive = model.SeverityHigh, 50
	if in.Policy != want {
		t.Fatalf("policy = %+v, want %+v", in.Policy, want)
	}
	if p := admin.get("/integrations/push/edit"); strings.Contains(p.body, `name="comment_sync" id="policy-comment_sync" checked`) {
		t.Error("the form still shows comment sync on")
	}
	admin.get("/integrations/push/edit")
	admin.post("/integrations/push/policy", url.Values{"auto_validate.max_active": {"zero"}}).want(t, http.StatusBadRequest)
}

// TestDeliveriesAndWhy: a verdict's write-back shows as confirmed once
// the receiver took it; a refused one is dead and says why, and an admin
// retries it.
func TestDeliveriesAndWhy(t *testing.T) {
	t.Parallel()
	h := startHub(t)
	h.app.Outbox().Hold(true)
	alert := h.alerts[1]
	b := h.browser().login(adminToken)
	h.recv.mu.Lock()
	h.recv.fail = true
	h.recv.mu.Unlock()
	b.get(fmt.Sprintf("/alerts/%d", alert))
	b.post(fmt.Sprintf("/alerts/%d/verdict", alert), url.Values{"verdict": {"not_a_threat"}, "reason": {"lab"}}).want(t, http.StatusSeeOther)
	h.drain()
	dead := h.stateWrite(alert)
	if it, _ := h.app.Store().OutboxGet(context.Background(), dead); it.State != "dead" {
		t.Fatalf("refused write-back is %s, want dead", it.State)
	}
	p := b.get(fmt.Sprintf("/alerts/%d", alert))
	if !strings.Contains(p.body, "dead-lettered") {
		t.Errorf("why-not-synced does not name the dead letter:\n%s", p.body)
	}
	h.recv.mu.Lock()
	h.recv.fail = false
	h.recv.mu.Unlock()
	b.get("/outbox?state=dead")
	b.post(fmt.Sprintf("/outbox/%d/retry", dead), nil).want(t, http.StatusSeeOther)
	h.drain()
	frag := b.get(fmt.Sprintf("/alerts/%d/deliveries", alert)).want(t, http.StatusOK)
	if !strings.Contains(frag.body, fmt.Sprintf(`id="tl-delivery-%d" hx-swap-oob="true">confirmed`, dead)) {
		t.Errorf("the live fragment does not show the write-back confirmed:\n%s", frag.body)
	}
	b.get("/outbox?state=pending")
	b.post(fmt.Sprintf("/outbox/%d/retry", dead), nil).want(t, http.StatusNotFound)
}

// TestRetryOfASupersededDeadLetter: a dead write-back that a later
// applied action on the same vendor alert (an analyst's comment) has
// superseded is not sent again: the retry answers 409 and says why, and
// the item stays dead.
func TestRetryOfASupersededDeadLetter(t *testing.T) {
	t.Parallel()
	h := startHub(t)
	dead, alert := h.deadItem(), h.alerts[len(h.alerts)-1]
	b := h.browser().login(adminToken)
	h.app.Outbox().Hold(true)
	b.get(fmt.Sprintf("/alerts/%d", alert))
	b.post(fmt.Sprintf("/alerts/%d/comments", alert), url.Values{"body": {"seen on the lab host"}}).want(t, http.StatusSeeOther)
	h.drain()
	b.get("/outbox?state=dead")
	p := b.post(fmt.Sprintf("/outbox/%d/retry", dead), nil).want(t, http.StatusConflict)
	if !strings.Contains(p.body, "A later action on the same remote object has been applied since") {
		t.Errorf("the refusal does not say why:\n%s", p.body)
	}
	if it, _ := h.app.Store().OutboxGet(context.Background(), dead); it.State != "dead" {
		t.Errorf("superseded write-back is %s, want dead", it.State)
	}
}

// TestSecretForm: an admin replaces the intake key from the edit page;
// the integration takes the new key at once and refuses the old one, and
// no page shows either; a setting that is not a secret is refused, and a
// viewer cannot post the form.
func TestSecretForm(t *testing.T) {
	t.Parallel()
	h := startHub(t)
	const newKey = "intake-console-key-replaced-77f3e1"
	admin := h.browser().login(adminToken)
	if p := admin.get("/integrations/push/edit"); !strings.Contains(p.body, `action="/integrations/push/secrets"`) || strings.Contains(p.body, intakeKey) {
		t.Fatal("the edit page offers no secret form, or shows the stored key")
	}
	admin.post("/integrations/push/secrets", url.Values{"field": {"intake_key"}, "value": {newKey}}).want(t, http.StatusSeeOther)
	push := func(key string) int {
		req, _ := http.NewRequestWithContext(context.Background(), http.MethodPost, h.base+"/api/v1/intake/push",
			strings.NewReader(`[{"id":"S-1","title":"Secret form test","severity":"low"}]`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Alertsync-Intake-Key", key)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_ = resp.Body.Close()
		return resp.StatusCode
	}
	if code := push(intakeKey); code != http.StatusUnauthorized {
		t.Errorf("the replaced key still pushes: %d", code)
	}
	if code := push(newKey); code >= 300 {
		t.Errorf("the new key is refused: %d", code)
	}
	if p := admin.get("/integrations/push/edit"); strings.Contains(p.body, newKey) {
		t.Error("the edit page shows the new key")
	}
	admin.post("/integrations/push/secrets", url.Values{"field": {"writeback_url"}, "value": {"http://example.invalid"}}).want(t, http.StatusBadRequest)
	viewer := h.browser().login(viewerToken)
	viewer.get("/integrations")
	viewer.post("/integrations/push/secrets", url.Values{"field": {"intake_key"}, "value": {"x"}}).want(t, http.StatusForbidden)
}

// TestClusterPage: the cluster page lists this replica, live, and the
// poll and job leases it holds, as GET /api/v1/cluster does.
func TestClusterPage(t *testing.T) {
	t.Parallel()
	h := startHub(t)
	replica := h.app.Replica()
	// The replica's heartbeat and job loops take their leases as the hub
	// starts; a bounded wait for the first of them.
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		ls, err := h.app.Hub().LeaseList(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if len(ls) >= 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("leases after start: %+v", ls)
		}
	}
	p := h.browser().login(viewerToken).get("/cluster").want(t, http.StatusOK)
	for _, want := range []string{`id="replicas"`, "<td>" + replica + "</td>", "job:validation", "held"} {
		if !strings.Contains(p.body, want) {
			t.Errorf("cluster page lacks %q", want)
		}
	}
}

// TestRunsPageSaysHowLongRunsAreKept: the runs page tells how long a
// finished run stays, from playbooks.run_retention, or that runs stay for
// ever when it is 0.
func TestRunsPageSaysHowLongRunsAreKept(t *testing.T) {
	t.Parallel()
	tests := []struct {
		retention time.Duration
		want      string
	}{
		{config.Defaults().Playbooks.RunRetention, "A finished run is kept for 30 days"},
		{0, "Finished runs are kept for ever"},
	}
	for _, tt := range tests {
		cfg := baseConfig(t)
		cfg.Playbooks.RunRetention = tt.retention
		p := run(t, cfg).browser().login(viewerToken).get("/runs").want(t, http.StatusOK)
		if !strings.Contains(p.body, tt.want) {
			t.Errorf("runs page with a retention of %v lacks %q", tt.retention, tt.want)
		}
	}
}

// TestCommentFormSubmittedTwice: the comment form names itself, so the
// same form sent twice (a double click, a resend after a timeout) adds
// one comment; the next rendering of the form adds another.
func TestCommentFormSubmittedTwice(t *testing.T) {
	t.Parallel()
	h := startHub(t)
	alert := h.alerts[0]
	b := h.browser().login(analystToken)
	keyOf := func(p page) string {
		m := regexp.MustCompile(`name="request_key" value="([^"]+)"`).FindStringSubmatch(p.body)
		if m == nil {
			t.Fatal("the comment form has no request key")
		}
		return m[1]
	}
	path := fmt.Sprintf("/alerts/%d", alert)
	key := keyOf(b.get(path))
	for range 2 {
		b.post(path+"/comments", url.Values{"body": {"looked at it"}, "request_key": {key}}).want(t, http.StatusSeeOther)
	}
	if next := keyOf(b.get(path)); next == key {
		t.Fatalf("two renderings of the form share the key %q", key)
	} else {
		b.post(path+"/comments", url.Values{"body": {"looked at it"}, "request_key": {next}}).want(t, http.StatusSeeOther)
	}
	cs, err := h.app.Store().CommentList(context.Background(), model.KindAlert, alert)
	if err != nil {
		t.Fatal(err)
	}
	if len(cs) != 2 {
		t.Errorf("%d comments, want 2 (the first form once, the second once)", len(cs))
	}
}
