package httpkit

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"github.com/alertsync/alertsync/internal/config"
	"github.com/alertsync/alertsync/internal/connector"
)

// setup starts a test server with h and returns a Client whose base URL is
// the server's "/api" path; opts fill in everything else.
func setup(t *testing.T, opts Options, h http.HandlerFunc) (*Client, *httptest.Server) {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	opts.BaseURL = srv.URL + "/api"
	opts.HTTP = srv.Client()
	c, err := New(opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return c, srv
}

func TestURL(t *testing.T) {
	t.Parallel()
	c, err := New(Options{BaseURL: "https://graph.example.test/v1.0/"})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		ref, want string
		wantErr   bool
	}{
		{"security/alerts_v2?$top=2", "https://graph.example.test/v1.0/security/alerts_v2?$top=2", false},
		{"/security/incidents", "https://graph.example.test/v1.0/security/incidents", false},
		{"https://graph.example.test/v1.0/security/alerts_v2?$skiptoken=x", "https://graph.example.test/v1.0/security/alerts_v2?$skiptoken=x", false},
		{"https://elsewhere.example.test/steal", "", true},
		{"http://graph.example.test/v1.0/downgrade", "", true},
	}
	for _, tt := range tests {
		got, err := c.URL(tt.ref)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("URL(%q) = %q, %v; want %q, error %v", tt.ref, got, err, tt.want, tt.wantErr)
		}
		if err != nil && connector.ClassOf(err) != connector.ClassPermanent {
			t.Errorf("URL(%q) class = %q, want permanent", tt.ref, connector.ClassOf(err))
		}
	}
}

func TestHeadersAndJSON(t *testing.T) {
	t.Parallel()
	key := config.NewSecret("k-123456")
	c, _ := setup(t, Options{Auth: APIKey{Header: "X-Api-Key", Key: key}}, func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("User-Agent") != "alertsync/"+Version || r.Header.Get("X-Api-Key") != "k-123456" ||
			r.Header.Get("Content-Type") != "application/json" || r.URL.Path != "/api/items" || r.Method != http.MethodPatch {
			http.Error(w, "bad request shape", http.StatusBadRequest)
			return
		}
		var in map[string]string
		_ = json.NewDecoder(r.Body).Decode(&in)
		_ = json.NewEncoder(w).Encode(map[string]string{"echo": in["status"]})
	})
	var out map[string]string
	if err := c.SendJSON(context.Background(), http.MethodPatch, "items", map[string]string{"status": "resolved"}, &out); err != nil {
		t.Fatalf("SendJSON: %v", err)
	}
	if out["echo"] != "resolved" {
		t.Errorf("out = %v", out)
	}
}

func TestEmptyAndNoContentBodies(t *testing.T) {
	t.Parallel()
	for _, status := range []int{http.StatusOK, http.StatusNoContent} {
		c, _ := setup(t, Options{}, func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(status) })
		out := map[string]any{"kept": true}
		if err := c.GetJSON(context.Background(), "x", &out); err != nil || out["kept"] != true {
			t.Errorf("status %d: err %v, out %v", status, err, out)
		}
	}
}

func TestMalformedSuccessBodyIsRetryable(t *testing.T) {
	t.Parallel()
	c, _ := setup(t, Options{}, func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte(`{"value":[`)) })
	var out map[string]any
	if got := connector.ClassOf(c.GetJSON(context.Background(), "x", &out)); got != connector.ClassRetryable {
		t.Errorf("class = %q, want retryable", got)
	}
}

func TestContextHonoured(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	c, _ := setup(t, Options{}, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	defer close(release)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := c.GetJSON(ctx, "x", nil)
	if !errors.Is(err, context.Canceled) || connector.ClassOf(err) != connector.ClassRetryable {
		t.Errorf("canceled: err = %v (class %q), want context.Canceled, retryable", err, connector.ClassOf(err))
	}
	ctx, cancel = context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	err = c.GetJSON(ctx, "x", nil)
	if !errors.Is(err, context.DeadlineExceeded) || connector.ClassOf(err) != connector.ClassRetryable {
		t.Errorf("deadline: err = %v (class %q), want DeadlineExceeded, retryable", err, connector.ClassOf(err))
	}
}

func TestNetworkErrorIsRetryable(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.NotFoundHandler())
	base := srv.URL
	srv.Close() // nothing listens any more
	c, err := New(Options{BaseURL: base})
	if err != nil {
		t.Fatal(err)
	}
	if got := connector.ClassOf(c.GetJSON(context.Background(), "x", nil)); got != connector.ClassRetryable {
		t.Errorf("class = %q, want retryable", got)
	}
}

// TestRateLimiter spends a budget of two requests an hour: the first two
// calls go out at once, the third cannot within its deadline and fails fast
// as rate limited without reaching the vendor. Nothing depends on wall time.
func TestRateLimiter(t *testing.T) {
	t.Parallel()
	var hits atomic.Int32
	c, _ := setup(t, Options{Limiter: rate.NewLimiter(rate.Every(time.Hour), 2)}, func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		_, _ = w.Write([]byte(`{}`))
	})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for i := range 2 {
		if err := c.GetJSON(ctx, "x", nil); err != nil {
			t.Fatalf("call %d: %v", i+1, err)
		}
	}
	err := c.GetJSON(ctx, "x", nil)
	if connector.ClassOf(err) != connector.ClassRateLimited || connector.RetryAfterOf(err) <= 0 {
		t.Errorf("third call: err = %v, want rate_limited with RetryAfter > 0", err)
	}
	if got := hits.Load(); got != 2 {
		t.Errorf("server saw %d requests, want 2", got)
	}
}

func TestRequestBodyResentAfter401(t *testing.T) {
	t.Parallel()
	var tokens, calls atomic.Int32
	var mu sync.Mutex
	var bodies []string
	tokSrv := tokenServer(t, &tokens)
	c, _ := setup(t, Options{Auth: NewOAuth2(OAuth2Config{TokenURL: tokSrv.URL, ClientID: "id", ClientSecret: config.NewSecret("s3cr3t-value")})},
		func(w http.ResponseWriter, r *http.Request) {
			b, _ := io.ReadAll(r.Body)
			mu.Lock()
			bodies = append(bodies, string(b))
			mu.Unlock()
			if calls.Add(1) == 1 {
				w.WriteHeader(http.StatusUnauthorized)
				return
			}
			w.WriteHeader(http.StatusNoContent)
		})
	if err := c.SendJSON(context.Background(), http.MethodPost, "comments", map[string]string{"comment": "hi"}, nil); err != nil {
		t.Fatalf("SendJSON: %v", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(bodies) != 2 || bodies[0] != bodies[1] || !strings.Contains(bodies[1], `"hi"`) {
		t.Errorf("bodies = %q, want the same body twice", bodies)
	}
}
