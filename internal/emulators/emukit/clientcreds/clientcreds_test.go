package clientcreds

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

const (
	clientID = "5f0c3a0e9b2d4c7e8a1f2b3c4d5e6f70"
	secret   = "s3cr3t"
)

// testErrors tells which middleware answered.
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

type kit struct {
	clock  *emukit.FakeClock
	issuer *Issuer
	srv    *httptest.Server
}

// setup serves a ping API behind emukit.Stack with an issuer configured
// the way a vendor with 201 answers, a region header and a member field
// would configure it.
func setup(t *testing.T, o Options) *kit {
	t.Helper()
	k := &kit{clock: emukit.NewFakeClock(t0)}
	o.Clock = k.clock
	k.issuer = New(o)
	k.issuer.RegisterClient(Client{ID: clientID, Secret: secret, Name: "alertsync", Attrs: map[string]string{"region": "us-2"}})
	api := http.NewServeMux()
	api.HandleFunc("/api/ping", func(w http.ResponseWriter, r *http.Request) {
		p, _ := emukit.PrincipalFrom(r.Context())
		emukit.WriteJSON(w, http.StatusOK, map[string]string{"app": p.DisplayName, "tenant": p.Tenant})
	})
	k.srv = httptest.NewServer(emukit.Stack{Issuer: k.issuer, ServeTokens: true, Errors: testErrors{}}.Handler(api))
	t.Cleanup(k.srv.Close)
	return k
}

func vendorOptions() Options {
	return Options{
		TTL: 1799 * time.Second, Status: http.StatusCreated, RevokePath: "/oauth2/revoke",
		Fields: []string{"member_cid"}, TenantField: "member_cid",
		Header: func(h http.Header, c Client, _ url.Values) { h.Set("X-Region", c.Attrs["region"]) },
	}
}

// reply is what a test reads of an answer: its status and headers (the
// body is read and closed by post).
type reply struct {
	StatusCode int
	Header     http.Header
}

func (k *kit) post(t *testing.T, path string, form url.Values, basic bool) (reply, map[string]any) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, k.srv.URL+path, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if basic {
		req.SetBasicAuth(clientID, secret)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	var m map[string]any
	b, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("decode %q: %v", b, err)
	}
	return reply{StatusCode: resp.StatusCode, Header: resp.Header}, m
}

func (k *kit) ping(t *testing.T, tok string) (int, map[string]string) {
	t.Helper()
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, k.srv.URL+"/api/ping", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	var m map[string]string
	_ = json.NewDecoder(resp.Body).Decode(&m)
	return resp.StatusCode, m
}

func creds(kv ...string) url.Values {
	v := url.Values{"client_id": {clientID}, "client_secret": {secret}}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Set(kv[i], kv[i+1])
	}
	return v
}

func TestTokenEndpoint(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		opts       Options
		form       url.Values
		wantStatus int
		wantError  string
	}{
		{"plain server answers 200", Options{}, creds(), 200, ""},
		{"vendor status 201", vendorOptions(), creds("member_cid", "abc"), 201, ""},
		{"grant type may be sent", vendorOptions(), creds("grant_type", "client_credentials"), 201, ""},
		{"other grant refused", Options{}, creds("grant_type", "password"), 400, "unsupported_grant_type"},
		{"bad secret", Options{}, url.Values{"client_id": {clientID}, "client_secret": {"nope"}}, 401, "invalid_client"},
		{"unknown client", Options{}, url.Values{"client_id": {"x"}, "client_secret": {secret}}, 401, "invalid_client"},
		{"no secret", Options{}, url.Values{"client_id": {clientID}}, 400, "invalid_request"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			k := setup(t, tt.opts)
			resp, body := k.post(t, "/oauth2/token", tt.form, false)
			if resp.StatusCode != tt.wantStatus {
				t.Fatalf("status %d, want %d: %v", resp.StatusCode, tt.wantStatus, body)
			}
			if tt.wantError != "" {
				if body["error"] != tt.wantError {
					t.Errorf("error %v, want %s", body, tt.wantError)
				}
				return
			}
			wantTTL := 3600.0
			if tt.opts.TTL != 0 {
				wantTTL = tt.opts.TTL.Seconds()
			}
			if body["token_type"] != "bearer" || body["expires_in"] != wantTTL || body["access_token"] == "" {
				t.Errorf("token body %v", body)
			}
		})
	}
}

func TestHeaderHookAndTenantField(t *testing.T) {
	t.Parallel()
	k := setup(t, vendorOptions())
	resp, body := k.post(t, "/oauth2/token", creds("member_cid", "child-1"), false)
	if got := resp.Header.Get("X-Region"); got != "us-2" {
		t.Errorf("X-Region %q, want the client's region", got)
	}
	status, who := k.ping(t, body["access_token"].(string))
	if status != 200 || who["app"] != "alertsync" || who["tenant"] != "child-1" {
		t.Errorf("ping: %d %v", status, who)
	}
}

func TestCheckHookRefuses(t *testing.T) {
	t.Parallel()
	o := vendorOptions()
	o.Check = func(_ Client, f url.Values) *Refusal {
		if f.Get("member_cid") == "stranger" {
			return &Refusal{http.StatusForbidden, "access_denied", "not a member"}
		}
		return nil
	}
	o.Refuse = func(w http.ResponseWriter, _ *http.Request, rf Refusal) {
		emukit.WriteJSON(w, rf.Status, map[string]any{"errors": []map[string]any{{"code": rf.Status, "message": rf.Description}}})
	}
	k := setup(t, o)
	resp, body := k.post(t, "/oauth2/token", creds("member_cid", "stranger"), false)
	if resp.StatusCode != 403 || !strings.Contains(toJSON(body), "not a member") {
		t.Errorf("refusal: %d %v", resp.StatusCode, body)
	}
}

func toJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func TestExpiryAndExpire(t *testing.T) {
	t.Parallel()
	k := setup(t, vendorOptions())
	tok, err := k.issuer.Issue(clientID, nil)
	if err != nil {
		t.Fatal(err)
	}
	k.clock.Advance(1798 * time.Second)
	if s, _ := k.ping(t, tok.AccessToken); s != 200 {
		t.Fatalf("before expiry: %d", s)
	}
	k.clock.Advance(time.Second)
	if s, why := k.ping(t, tok.AccessToken); s != 401 || why["why"] != "expired" {
		t.Fatalf("after expiry: %d %v", s, why)
	}
	tok2, _ := k.issuer.Issue(clientID, nil)
	k.issuer.Expire()
	if s, why := k.ping(t, tok2.AccessToken); s != 401 || why["why"] != "expired" {
		t.Fatalf("after Expire: %d %v", s, why)
	}
	tok3, _ := k.issuer.Issue(clientID, nil)
	if s, _ := k.ping(t, tok3.AccessToken); s != 200 {
		t.Fatalf("token issued after Expire: %d", s)
	}
	if _, err := k.issuer.Issue("nobody", nil); err == nil {
		t.Error("Issue for an unknown client succeeded")
	}
}

func TestRevoke(t *testing.T) {
	t.Parallel()
	k := setup(t, vendorOptions())
	_, body := k.post(t, "/oauth2/token", creds(), false)
	tok := body["access_token"].(string)
	if resp, b := k.post(t, "/oauth2/revoke", url.Values{"token": {tok}}, false); resp.StatusCode != 401 {
		t.Fatalf("revoke without client credentials: %d %v", resp.StatusCode, b)
	}
	if resp, b := k.post(t, "/oauth2/revoke", url.Values{"token": {tok}}, true); resp.StatusCode != 200 {
		t.Fatalf("revoke: %d %v", resp.StatusCode, b)
	}
	if s, why := k.ping(t, tok); s != 401 || why["why"] != "invalid" {
		t.Fatalf("revoked token: %d %v", s, why)
	}
	if resp, _ := k.post(t, "/oauth2/revoke", url.Values{"token": {"unknown"}}, true); resp.StatusCode != 200 {
		t.Errorf("revoking an unknown token: %d, want 200 (RFC 7009)", resp.StatusCode)
	}
}

func TestAudience(t *testing.T) {
	t.Parallel()
	is := New(Options{})
	is.RegisterClient(Client{ID: "a", Secret: "x", Audiences: []string{"alerts"}})
	is.RegisterClient(Client{ID: "b", Secret: "y"})
	ta, _ := is.Issue("a", nil)
	tb, _ := is.Issue("b", nil)
	if _, why := is.Validate(ta.AccessToken, "hosts"); why != emukit.AuthWrongAudience {
		t.Errorf("bound token for another API: %v", why)
	}
	if _, why := is.Validate(ta.AccessToken, "alerts"); why != emukit.AuthOK {
		t.Errorf("bound token for its API: %v", why)
	}
	if _, why := is.Validate(tb.AccessToken, "hosts"); why != emukit.AuthOK {
		t.Errorf("unbound token: %v", why)
	}
	if tok, ok := is.Lookup(tb.AccessToken); !ok || tok.Client.ID != "b" {
		t.Errorf("Lookup: %v %v", tok, ok)
	}
}

func TestTokenLifetime(t *testing.T) {
	t.Parallel()
	k := setup(t, vendorOptions())
	var _ emukit.TokenLifetime = k.issuer
	k.issuer.SetTokenLifetime(time.Minute)
	_, body := k.post(t, "/oauth2/token", creds(), false)
	if body["expires_in"] != 60.0 {
		t.Fatalf("expires_in %v, want 60", body["expires_in"])
	}
	k.clock.Advance(time.Minute)
	if s, _ := k.ping(t, body["access_token"].(string)); s != 401 {
		t.Errorf("after a minute: %d, want 401", s)
	}
	if n := k.issuer.TokensExpired(); n != 1 {
		t.Errorf("TokensExpired = %d, want 1", n)
	}
	k.issuer.SetTokenLifetime(0)
	if k.issuer.TTL() != 1799*time.Second {
		t.Errorf("after reset: %v", k.issuer.TTL())
	}
}
