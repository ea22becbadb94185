package entra

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/alertsync/alertsync/internal/emulators/emukit"
)

var t0 = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

// testErrors is a minimal vendor: it writes the status and a reason so tests
// can tell which middleware answered.
type testErrors struct{}

func (testErrors) WriteUnauthorized(w http.ResponseWriter, _ *http.Request, why emukit.AuthFailure) {
	emukit.WriteJSON(w, http.StatusUnauthorized, map[string]string{"why": why.String()})
}

func (testErrors) WriteThrottled(w http.ResponseWriter, _ *http.Request, d time.Duration) {
	emukit.SetRetryAfter(w, d)
	emukit.WriteJSON(w, http.StatusTooManyRequests, map[string]string{"why": "throttled"})
}

func (testErrors) WriteServerError(w http.ResponseWriter, _ *http.Request, status int) {
	emukit.WriteJSON(w, status, map[string]string{"why": "server"})
}

const (
	tenant   = "b3c1b5fc-828c-45fa-a1e1-10d74f6d6e9c"
	clientID = "8f0d4f3b-1111-4c2a-9a55-0e3b3c1c9d01"
	secret   = "s3cr3t"
	graphAud = "https://graph.microsoft.com"
)

type kit struct {
	clock  *emukit.FakeClock
	issuer *Issuer
	srv    *httptest.Server
}

// setup serves a ping API behind emukit.Stack with the issuer checking
// tokens and answering the token endpoints.
func setup(t *testing.T) *kit {
	t.Helper()
	k := &kit{clock: emukit.NewFakeClock(t0)}
	k.issuer = NewIssuer(Options{Clock: k.clock})
	k.issuer.RegisterClient(Client{Tenant: tenant, ID: clientID, Secret: secret, DisplayName: "alertsync", Audiences: []string{graphAud + "/"}})
	api := http.NewServeMux()
	api.HandleFunc("/api/ping", func(w http.ResponseWriter, r *http.Request) {
		p, _ := emukit.PrincipalFrom(r.Context())
		emukit.WriteJSON(w, http.StatusOK, map[string]string{"app": p.DisplayName})
	})
	st := emukit.Stack{Issuer: k.issuer, Audience: graphAud, ServeTokens: true, Errors: testErrors{}}
	k.srv = httptest.NewServer(st.Handler(api))
	t.Cleanup(k.srv.Close)
	return k
}

func (k *kit) token(t *testing.T, form url.Values, path string) (int, map[string]any) {
	t.Helper()
	resp := postForm(t, k.srv.URL+path, form)
	defer func() { _ = resp.Body.Close() }()
	var m map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&m); err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, m
}

func (k *kit) call(t *testing.T, tok string) (int, string, http.Header) {
	t.Helper()
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, k.srv.URL+"/api/ping", nil)
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp.Header
}

// postForm posts form to u as a token client does.

func postForm(t *testing.T, u string, form url.Values) *http.Response {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, u, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

func form(kv ...string) url.Values {
	v := url.Values{}
	for i := 0; i < len(kv); i += 2 {
		v.Set(kv[i], kv[i+1])
	}
	return v
}

func TestTokenEndpoint(t *testing.T) {
	t.Parallel()
	k := setup(t)
	v2 := "/" + tenant + "/oauth2/v2.0/token"
	good := []string{"client_id", clientID, "client_secret", secret, "grant_type", "client_credentials"}
	tests := []struct {
		name       string
		path       string
		form       url.Values
		wantStatus int
		wantError  string
		wantCode   string
	}{
		{"v2 ok", v2, form(append(good, "scope", graphAud+"/.default")...), 200, "", ""},
		{"v1 ok", "/" + tenant + "/oauth2/token", form(append(good, "resource", graphAud)...), 200, "", ""},
		{"bad secret", v2, form("client_id", clientID, "client_secret", "nope", "grant_type", "client_credentials", "scope", graphAud+"/.default"), 401, "invalid_client", "AADSTS7000215"},
		{"no secret", v2, form("client_id", clientID, "grant_type", "client_credentials", "scope", graphAud+"/.default"), 401, "invalid_client", "AADSTS7000216"},
		{"unknown client", v2, form("client_id", "x", "client_secret", secret, "grant_type", "client_credentials", "scope", graphAud+"/.default"), 400, "unauthorized_client", "AADSTS700016"},
		{"wrong tenant", "/other/oauth2/v2.0/token", form(append(good, "scope", graphAud+"/.default")...), 400, "unauthorized_client", "AADSTS700016"},
		{"no grant", v2, form("client_id", clientID, "client_secret", secret, "scope", graphAud+"/.default"), 400, "invalid_request", "AADSTS900144"},
		{"bad grant", v2, form("client_id", clientID, "client_secret", secret, "grant_type", "password", "scope", graphAud+"/.default"), 400, "unsupported_grant_type", "AADSTS70003"},
		{"scope without .default", v2, form(append(good, "scope", "User.Read")...), 400, "invalid_scope", "AADSTS1002012"},
		{"resource not granted", v2, form(append(good, "scope", "https://management.azure.com/.default")...), 400, "invalid_resource", "AADSTS500011"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := k.token(t, tt.form, tt.path)
			if status != tt.wantStatus {
				t.Fatalf("status %d, want %d: %v", status, tt.wantStatus, body)
			}
			if tt.wantError == "" {
				if body["token_type"] != "Bearer" || body["expires_in"] != 3599.0 || body["ext_expires_in"] != 3599.0 || body["access_token"] == "" {
					t.Fatalf("token body %v", body)
				}
				return
			}
			if body["error"] != tt.wantError || !strings.HasPrefix(body["error_description"].(string), tt.wantCode+":") {
				t.Fatalf("error body %v, want %s %s", body, tt.wantError, tt.wantCode)
			}
		})
	}
}

func TestTokenResponseFieldOrder(t *testing.T) {
	t.Parallel()
	k := setup(t)
	resp := postForm(t, k.srv.URL+"/"+tenant+"/oauth2/v2.0/token", form("client_id", clientID, "client_secret", secret, "grant_type", "client_credentials", "scope", graphAud+"/.default"))
	defer func() { _ = resp.Body.Close() }()
	b, _ := io.ReadAll(resp.Body)
	if !strings.HasPrefix(string(b), `{"token_type":"Bearer","expires_in":3599,"ext_expires_in":3599,"access_token":"`) {
		t.Fatalf("body %s", b)
	}
}

func TestRequireToken(t *testing.T) {
	t.Parallel()
	k := setup(t)
	k.issuer.RegisterClient(Client{Tenant: tenant, ID: "other", Secret: "x", Audiences: []string{"https://management.azure.com"}})
	good, err := k.issuer.Issue(tenant, clientID, graphAud)
	if err != nil {
		t.Fatal(err)
	}
	arm, err := k.issuer.Issue(tenant, "other", "https://management.azure.com/")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, tok string
		status    int
		why       string
	}{
		{"ok", good.AccessToken, 200, ""},
		{"missing", "", 401, "missing"},
		{"unknown", "forged", 401, "invalid"},
		{"wrong audience", arm.AccessToken, 401, "wrong audience"},
	}
	for _, tt := range tests {
		status, body, _ := k.call(t, tt.tok)
		if status != tt.status || (tt.why != "" && !strings.Contains(body, tt.why)) {
			t.Errorf("%s: %d %s", tt.name, status, body)
		}
	}
	if _, body, _ := k.call(t, good.AccessToken); !strings.Contains(body, "alertsync") {
		t.Errorf("principal not in context: %s", body)
	}
}

func TestTokenExpiry(t *testing.T) {
	t.Parallel()
	k := setup(t)
	tok, _ := k.issuer.Issue(tenant, clientID, graphAud)
	k.clock.Advance(3598 * time.Second)
	if s, _, _ := k.call(t, tok.AccessToken); s != 200 {
		t.Fatalf("before expiry: %d", s)
	}
	k.clock.Advance(2 * time.Second)
	if s, b, _ := k.call(t, tok.AccessToken); s != 401 || !strings.Contains(b, "expired") {
		t.Fatalf("after expiry: %d %s", s, b)
	}
	tok2, _ := k.issuer.Issue(tenant, clientID, graphAud)
	k.issuer.ExpireAll()
	if s, _, _ := k.call(t, tok2.AccessToken); s != 401 {
		t.Fatalf("after ExpireAll: %d", s)
	}
	k.issuer.SetTTL(10 * time.Second)
	status, body := k.token(t, form("client_id", clientID, "client_secret", secret, "grant_type", "client_credentials", "scope", graphAud+"/.default"), "/"+tenant+"/oauth2/v2.0/token")
	if status != 200 || body["expires_in"] != 10.0 {
		t.Fatalf("ttl: %d %v", status, body)
	}
}

func TestAudienceAlias(t *testing.T) {
	t.Parallel()
	is := NewIssuer(Options{})
	is.RegisterClient(Client{Tenant: tenant, ID: clientID, Secret: secret, Audiences: []string{"https://api.securitycenter.microsoft.com"}})
	is.AddAudienceAlias("https://securitycenter.onmicrosoft.com/windowsatpservice", "https://api.securitycenter.microsoft.com")
	tok, err := is.grant(tenant, form("client_id", clientID, "client_secret", secret, "grant_type", "client_credentials", "scope", "https://securitycenter.onmicrosoft.com/windowsatpservice/.default"), false)
	if err != nil {
		t.Fatal(err)
	}
	if _, why := is.Validate(tok.AccessToken, "https://api.securitycenter.microsoft.com"); why != emukit.AuthOK {
		t.Fatalf("validate: %v", why)
	}
}

// TestTokenLifetime: the fault suite's knob shortens the tokens issued
// from then on, counts those whose lifetime ended, and zero restores the
// hour.
func TestTokenLifetime(t *testing.T) {
	t.Parallel()
	k := setup(t)
	var _ emukit.TokenLifetime = k.issuer
	long, _ := k.issuer.Issue(tenant, clientID, graphAud)
	k.issuer.SetTokenLifetime(time.Minute)
	short, _ := k.issuer.Issue(tenant, clientID, graphAud)
	if got := short.ExpiresAt.Sub(t0); got != time.Minute {
		t.Fatalf("short token lives %v, want a minute", got)
	}
	k.clock.Advance(time.Minute)
	if s, _, _ := k.call(t, short.AccessToken); s != 401 {
		t.Errorf("short token after a minute: %d, want 401", s)
	}
	if s, _, _ := k.call(t, long.AccessToken); s != 200 {
		t.Errorf("token issued before the change: %d, want 200", s)
	}
	if n := k.issuer.TokensExpired(); n != 1 {
		t.Errorf("TokensExpired = %d, want 1", n)
	}
	k.issuer.SetTokenLifetime(0)
	if tok, _ := k.issuer.Issue(tenant, clientID, graphAud); tok.ExpiresAt.Sub(k.clock.Now()) != DefaultTokenTTL {
		t.Errorf("after reset: lives %v", tok.ExpiresAt.Sub(k.clock.Now()))
	}
}
