package crowdstrike

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/alertsync/alertsync/internal/connector"
	"github.com/alertsync/alertsync/internal/connector/connectortest"
	csemu "github.com/alertsync/alertsync/internal/emulators/crowdstrike"
)

func TestConformance(t *testing.T) {
	e := setup(t, 0, nil)
	connectortest.Run(t, connectortest.Harness{
		Connector:       e.conn,
		Integration:     "it-cs",
		Seed:            func(t *testing.T) []string { return e.emu.SeedAlerts(2*pageSize + 2) },
		RemoteState:     e.status,
		RemoteComments:  func(t *testing.T, id string) []string { return e.comments(id) },
		InjectRateLimit: func(t *testing.T) { e.emu.ThrottleNext(4 * time.Second) },
		Throttle:        func(t *testing.T, d time.Duration) { e.emu.ThrottleNext(d) },
		ExpireToken:     func(t *testing.T) { e.emu.ExpireTokens() },
		Slow:            func(t *testing.T, d time.Duration) { e.emu.SetLatency(d) },
		FailItems:       func(t *testing.T, ids []string) { e.emu.FailItems(ids...) },
		Build: func(t *testing.T, log *slog.Logger, wrong bool) connector.Connector {
			secret := csemu.DefaultClientSecret
			if wrong {
				secret = "not-the-secret"
			}
			return e.build(t, log, secret, nil)
		},
		Secrets:   []string{csemu.DefaultClientSecret},
		Malformed: malformed,
		// The API returns no comments, so a replayed AddComment cannot be
		// recognised (see AddComment).
		IdempotentComments: false,
		CheckEcho:          true,
		PageSize:           pageSize,
	})
}

// malformed serves a fresh emulator through a Malformer that cuts one of
// three new alerts down to its composite id and update time.
func malformed(t *testing.T) connectortest.MalformedCase {
	var m connectortest.Malformer
	e := setup(t, 0, nil)
	srv := httptest.NewServer(m.Handler(e.emu.Handler()))
	t.Cleanup(srv.Close)
	c := e.build(t, nil, csemu.DefaultClientSecret, map[string]any{"base_url": srv.URL})
	ids := e.emu.SeedAlerts(3)
	m.Break(ids[1], "updated_timestamp")
	return connectortest.MalformedCase{Connector: c, Bad: ids[1], Good: []string{ids[0], ids[2]}}
}

// TestRetryAfterEpoch: a 429's X-RateLimit-RetryAfter is a Unix time;
// the error carries the wait until it.
func TestRetryAfterEpoch(t *testing.T) {
	t.Parallel()
	e := setup(t, 2, nil)
	e.emu.ThrottleNext(9 * time.Second)
	err := e.conn.Health(t.Context())
	if connector.ClassOf(err) != connector.ClassRateLimited || connector.RetryAfterOf(err) != 9*time.Second {
		t.Fatalf("err %v (retry after %v), want rate_limited after 9s", err, connector.RetryAfterOf(err))
	}
	now := time.Date(2026, 3, 1, 9, 0, 0, 300_000_000, time.UTC)
	tests := []struct {
		name string
		h    http.Header
		want time.Duration
	}{
		{"epoch rounds up", http.Header{"X-Ratelimit-Retryafter": {"1772355605"}}, 5 * time.Second},
		{"past epoch waits a second", http.Header{"X-Ratelimit-Retryafter": {"1772355590"}}, time.Second},
		{"not a number", http.Header{"X-Ratelimit-Retryafter": {"soon"}}, 0},
		{"a day away is a clock error", http.Header{"X-Ratelimit-Retryafter": {"1772500000"}}, 0},
		{"standard header as fallback", http.Header{"Retry-After": {"7"}}, 7 * time.Second},
	}
	for _, tt := range tests {
		if got := retryAfter(tt.h, now); got != tt.want {
			t.Errorf("%s: %v, want %v", tt.name, got, tt.want)
		}
	}
}

// TestTokenLifecycle: the 201 answer is a token; it is replaced before
// its 1799 seconds run out, and an expired one is replaced after a 401.
func TestTokenLifecycle(t *testing.T) {
	t.Parallel()
	e := setup(t, 2, nil)
	ctx := t.Context()
	tokens := func() int { return len(e.emu.Recorder().Filter(http.MethodPost, "/oauth2/token")) }
	if err := e.conn.Health(ctx); err != nil {
		t.Fatal(err)
	}
	if err := e.conn.Health(ctx); err != nil || tokens() != 1 {
		t.Fatalf("second call: %v, %d token requests, want the cached token", err, tokens())
	}
	e.clock.Advance(csemu.TokenTTL - time.Minute + time.Second)
	if err := e.conn.Health(ctx); err != nil || tokens() != 2 {
		t.Fatalf("near expiry: %v, %d token requests, want a fresh token", err, tokens())
	}
	if n := len(statuses(e, http.StatusUnauthorized)); n != 0 {
		t.Fatalf("%d requests refused 401 before expiry", n)
	}
	e.emu.ExpireTokens()
	if err := e.conn.Health(ctx); err != nil || tokens() != 3 || len(statuses(e, http.StatusUnauthorized)) != 1 {
		t.Fatalf("after expiry: %v, %d token requests", err, tokens())
	}
	wrong := e.build(t, nil, "wrong", nil)
	if err := wrong.Health(ctx); connector.ClassOf(err) != connector.ClassAuth {
		t.Errorf("wrong secret: %v, want auth", err)
	}
}

func statuses(e *env, status int) []string {
	var out []string
	for _, r := range e.emu.Requests() {
		if r.Status == status {
			out = append(out, r.Method+" "+r.Path)
		}
	}
	return out
}
