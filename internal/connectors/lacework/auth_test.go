package lacework

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/alertsync/alertsync/internal/connector"
	lwemu "github.com/alertsync/alertsync/internal/emulators/lacework"
)

// TestTokenRenewedBeforeExpiry: the key is exchanged once; the token is
// used until 80% of its life has passed and replaced then, before any
// call is refused; an expired one is replaced after one 401.
func TestTokenRenewedBeforeExpiry(t *testing.T) {
	t.Parallel()
	e := setup(t, 1, map[string]any{"token_expiry": "1h"})
	ctx := t.Context()
	tokens := func() int { return len(e.emu.Recorder().Filter(http.MethodPost, "/api/v2/access/tokens")) }
	refused := func() int {
		n := 0
		for _, r := range e.emu.Requests() {
			if r.Status == http.StatusUnauthorized {
				n++
			}
		}
		return n
	}
	steps := []struct {
		advance time.Duration
		tokens  int
	}{
		{0, 1},
		{47 * time.Minute, 1},
		{59 * time.Second, 1},
		{2 * time.Second, 2}, // past 48 of 60 minutes
		{40 * time.Minute, 2},
		{9 * time.Minute, 3},
	}
	for i, s := range steps {
		e.clock.Advance(s.advance)
		if err := e.conn.Health(ctx); err != nil || tokens() != s.tokens || refused() != 0 {
			t.Fatalf("step %d: %v, %d token requests (want %d), %d refused", i, err, tokens(), s.tokens, refused())
		}
	}
	e.emu.ExpireTokens()
	if err := e.conn.Health(ctx); err != nil || tokens() != 4 || refused() != 1 {
		t.Fatalf("after expiry: %v, %d token requests, %d refused", err, tokens(), refused())
	}
	if e.conn.auth.exchanges() != 4 {
		t.Errorf("%d exchanges counted", e.conn.auth.exchanges())
	}
	checkTokenRequests(t, e, 3600)
}

// checkTokenRequests checks every exchange: the key id and expiryTime in
// the body, the secret in X-LW-UAKS, no Authorization.
func checkTokenRequests(t *testing.T, e *env, expiry int) {
	t.Helper()
	for _, r := range e.emu.Recorder().Filter(http.MethodPost, "/api/v2/access/tokens") {
		var body map[string]any
		if err := json.Unmarshal(r.Body, &body); err != nil || len(body) != 2 || body["keyId"] != lwemu.DefaultKeyID ||
			body["expiryTime"] != float64(expiry) {
			t.Errorf("token request body %s", r.Body)
		}
		if r.Header.Get("X-LW-UAKS") != lwemu.DefaultSecret || r.Header.Get("Content-Type") != "application/json" {
			t.Errorf("token request headers %v", r.Header)
		}
	}
}

func TestTokenExpiryAskedFor(t *testing.T) {
	t.Parallel()
	e := setup(t, 1, map[string]any{"token_expiry": "24h"})
	if err := e.conn.Health(t.Context()); err != nil {
		t.Fatal(err)
	}
	checkTokenRequests(t, e, 86400)
	wrong := e.build(t, nil, "_wrong-secret-0123456789abcdef", nil)
	err := wrong.Health(t.Context())
	if connector.ClassOf(err) != connector.ClassAuth || connector.RetryAfterOf(err) != 0 {
		t.Errorf("wrong secret: %v, want auth", err)
	}
}
