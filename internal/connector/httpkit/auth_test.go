package httpkit

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/alertsync/alertsync/internal/config"
	"github.com/alertsync/alertsync/internal/connector"
)

// tokenServer issues "token-1", "token-2"... counting requests in n.
func tokenServer(t *testing.T, n *atomic.Int32) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		i := n.Add(1)
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{
			"token_type": "Bearer", "expires_in": 3599, "ext_expires_in": 3599, "access_token": fmt.Sprintf("token-%d", i),
		})
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestOAuth2RefreshesOnceOn401(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		accept    string // token the API accepts; "" accepts none
		wantErr   connector.Class
		wantCalls int32
	}{
		{"stale token then success", "Bearer token-2", "", 2},
		{"still rejected after refresh", "", connector.ClassAuth, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var tokens, calls atomic.Int32
			tokSrv := tokenServer(t, &tokens)
			auth := NewOAuth2(OAuth2Config{TokenURL: tokSrv.URL, ClientID: "id", ClientSecret: config.NewSecret("s3cr3t-value"), HTTP: tokSrv.Client()})
			c, _ := setup(t, Options{Auth: auth}, func(w http.ResponseWriter, r *http.Request) {
				calls.Add(1)
				if r.Header.Get("Authorization") != tt.accept || tt.accept == "" {
					w.WriteHeader(http.StatusUnauthorized)
					_, _ = w.Write([]byte(`{"error":{"code":"InvalidAuthenticationToken","message":"Access token has expired."}}`))
					return
				}
				_, _ = w.Write([]byte(`{"ok":true}`))
			})
			err := c.GetJSON(context.Background(), "x", nil)
			if got := connector.ClassOf(err); (err == nil) != (tt.wantErr == "") || (err != nil && got != tt.wantErr) {
				t.Fatalf("err = %v, want class %q", err, tt.wantErr)
			}
			if calls.Load() != tt.wantCalls || tokens.Load() != 2 {
				t.Errorf("api calls %d, token requests %d; want %d, 2", calls.Load(), tokens.Load(), tt.wantCalls)
			}
		})
	}
}

func TestOAuth2CachesToken(t *testing.T) {
	t.Parallel()
	var tokens atomic.Int32
	var form url.Values
	var mu sync.Mutex
	tokSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tokens.Add(1)
		_ = r.ParseForm()
		mu.Lock()
		form = r.PostForm
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"token_type":"Bearer","expires_in":3599,"access_token":"tok-abc"}`))
	}))
	t.Cleanup(tokSrv.Close)
	auth := NewOAuth2(OAuth2Config{
		TokenURL: tokSrv.URL, ClientID: "app-id", ClientSecret: config.NewSecret("s3cr3t-value"),
		Scopes: []string{"https://graph.example.test/.default"}, EndpointParams: url.Values{"resource": {"https://graph.example.test"}},
		HTTP: tokSrv.Client(),
	})
	c, _ := setup(t, Options{Auth: auth}, func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer tok-abc" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		_, _ = w.Write([]byte(`{}`))
	})
	if _, held := c.TokenExpiry(); held {
		t.Fatal("an expiry is reported before any token was fetched")
	}
	before := time.Now()
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for range 20 {
		wg.Go(func() { errs <- c.GetJSON(context.Background(), "x", nil) })
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("GetJSON: %v", err)
		}
	}
	if got := tokens.Load(); got != 1 {
		t.Errorf("token requests = %d, want 1", got)
	}
	// The token's expiry is reported (the health page shows it): an
	// hour after it was fetched, as expires_in said.
	if at, held := c.TokenExpiry(); !held || at.Before(before.Add(59*time.Minute)) || at.After(time.Now().Add(time.Hour)) {
		t.Errorf("token expiry = %s, %v; want about an hour from now", at, held)
	}
	mu.Lock()
	defer mu.Unlock()
	if form.Get("grant_type") != "client_credentials" || form.Get("scope") != "https://graph.example.test/.default" ||
		form.Get("resource") != "https://graph.example.test" {
		t.Errorf("token form = %v", form)
	}
}

func TestOAuth2TokenFailure(t *testing.T) {
	t.Parallel()
	const secret = "s3cr3t-value"
	tests := []struct {
		status int
		body   string
		want   connector.Class
	}{
		{401, `{"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided: s3cr3t-value"}`, connector.ClassAuth},
		{400, `{"error":"unauthorized_client","error_description":"AADSTS700016: Application not found."}`, connector.ClassAuth},
		{503, `upstream unavailable client_secret=s3cr3t-value`, connector.ClassRetryable},
		{429, `{"error":"temporarily_unavailable"}`, connector.ClassRateLimited},
	}
	for _, tt := range tests {
		t.Run(http.StatusText(tt.status), func(t *testing.T) {
			t.Parallel()
			tokSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				w.Header().Set("Retry-After", "5")
				w.WriteHeader(tt.status)
				_, _ = w.Write([]byte(tt.body))
			}))
			t.Cleanup(tokSrv.Close)
			auth := NewOAuth2(OAuth2Config{TokenURL: tokSrv.URL, ClientID: "id", ClientSecret: config.NewSecret(secret), HTTP: tokSrv.Client(), AuthStyle: oauth2.AuthStyleInParams})
			var calls atomic.Int32
			c, _ := setup(t, Options{Auth: auth}, func(w http.ResponseWriter, r *http.Request) { calls.Add(1) })
			err := c.GetJSON(context.Background(), "x", nil)
			if got := connector.ClassOf(err); got != tt.want {
				t.Errorf("class = %q, want %q (err %v)", got, tt.want, err)
			}
			if err != nil && strings.Contains(err.Error(), secret) {
				t.Errorf("error leaks the secret: %v", err)
			}
			if calls.Load() != 0 {
				t.Errorf("API called %d times without a token", calls.Load())
			}
		})
	}
}

func TestStaticAuths(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name         string
		auth         Auth
		header, want string
	}{
		{"bearer", Bearer{Token: config.NewSecret("tok")}, "Authorization", "Bearer tok"},
		{"api key", APIKey{Header: "X-Api-Key", Key: config.NewSecret("key")}, "X-Api-Key", "key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, "http://example.test", nil)
			if err := tt.auth.Apply(context.Background(), req); err != nil {
				t.Fatal(err)
			}
			tt.auth.Invalidate()
			if got := req.Header.Get(tt.header); got != tt.want {
				t.Errorf("%s = %q, want %q", tt.header, got, tt.want)
			}
		})
	}
}
