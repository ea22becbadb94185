package graph

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/alertsync/alertsync/internal/connector"
	"github.com/alertsync/alertsync/internal/emulators/emukit"
	"github.com/alertsync/alertsync/internal/model"
)

// TestTokenExpiryRecovers checks the 401 path end to end: the emulator
// refuses the expired token, the connector fetches a new one and the call
// succeeds with a single retry.
func TestTokenExpiryRecovers(t *testing.T) {
	t.Parallel()
	e := setup(t, 3, nil)
	ctx := t.Context()
	if err := e.conn.Health(ctx); err != nil {
		t.Fatal(err)
	}
	e.emu.Issuer().ExpireAll()
	e.emu.Recorder().Reset()
	id := e.emu.Alerts()[0].ID
	if _, err := e.conn.SetState(ctx, connector.StateChange{VendorID: id, Status: model.StatusInProgress, IdempotencyKey: "k"}); err != nil {
		t.Fatalf("SetState after expiry: %v", err)
	}
	var got []int
	tokens := 0
	for _, r := range e.emu.Recorder().Requests() {
		if r.Method == http.MethodPatch {
			got = append(got, r.Status)
		}
		if r.Method == http.MethodPost && r.Path == "/"+e.conn.cfg.TenantID+"/oauth2/v2.0/token" {
			tokens++
		}
	}
	if len(got) != 2 || got[0] != http.StatusUnauthorized || got[1] != http.StatusOK || tokens != 1 {
		t.Errorf("PATCH statuses %v with %d token requests; want [401 200] and 1", got, tokens)
	}
}

func TestRateLimited(t *testing.T) {
	t.Parallel()
	e := setup(t, 3, nil)
	e.emu.Faults().ThrottleNext(1, 2500*time.Millisecond)
	_, err := e.conn.FetchAlerts(t.Context(), "")
	if connector.ClassOf(err) != connector.ClassRateLimited || connector.RetryAfterOf(err) != 3*time.Second {
		t.Fatalf("err %v (class %s, retry after %v); want rate_limited after 3s", err, connector.ClassOf(err), connector.RetryAfterOf(err))
	}
	// The emulator's own budget, not an injected fault, answers the same way.
	e.emu.Limiter().SetLimits(emukit.Limit{Requests: 1, Window: time.Minute})
	_ = e.conn.Health(t.Context())
	err = e.conn.Health(t.Context())
	if connector.ClassOf(err) != connector.ClassRateLimited || connector.RetryAfterOf(err) <= 0 {
		t.Fatalf("over budget: err %v, want rate_limited with a Retry-After", err)
	}
}

func TestLocalBudget(t *testing.T) {
	t.Parallel()
	e := setup(t, 3, map[string]any{"requests_per_minute": 1})
	ctx := t.Context()
	if err := e.conn.Health(ctx); err != nil {
		t.Fatal(err)
	}
	short, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	err := e.conn.Health(short)
	if connector.ClassOf(err) != connector.ClassRateLimited || connector.RetryAfterOf(err) < 30*time.Second {
		t.Fatalf("second call within the minute: err %v, want a local rate_limited with the wait", err)
	}
}

func TestErrorsCarryNoSecret(t *testing.T) {
	t.Parallel()
	e := setup(t, 1, map[string]any{"client_secret": "wrong-" + "secret-value"})
	err := e.conn.Health(t.Context())
	if connector.ClassOf(err) != connector.ClassAuth {
		t.Fatalf("bad secret: err %v, want auth", err)
	}
	if s := err.Error(); strings.Contains(s, "wrong-secret-value") {
		t.Errorf("error leaks the secret: %s", s)
	}
	_, err = e.conn.SetState(t.Context(), connector.StateChange{VendorID: "missing", Status: model.StatusResolved})
	if connector.ClassOf(err) != connector.ClassAuth {
		t.Errorf("err %v", err)
	}
}
