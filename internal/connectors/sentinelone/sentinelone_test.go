package sentinelone

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/alertsync/alertsync/internal/connector"
	"github.com/alertsync/alertsync/internal/connector/connectortest"
)

func TestConformance(t *testing.T) {
	e := setup(t, nil)
	connectortest.Run(t, connectortest.Harness{
		Connector:       e.conn,
		Integration:     "it-s1",
		Seed:            func(t *testing.T) []string { return e.reseed(2*pageSize+2, 2) },
		RemoteState:     e.remoteStatus,
		RemoteComments:  func(t *testing.T, id string) []string { return e.noteTexts(id) },
		InjectRateLimit: func(t *testing.T) { e.emu.ThrottleNext(4 * time.Second) },
		Throttle:        func(t *testing.T, d time.Duration) { e.emu.ThrottleNext(d) },
		Slow:            func(t *testing.T, d time.Duration) { e.emu.SetLatency(d) },
		FailItems: func(t *testing.T, ids []string) {
			if ids == nil {
				e.emu.FailItems(nil, "")
				return
			}
			e.emu.FailItems(rawIDs(ids), "")
		},
		Build: func(t *testing.T, log *slog.Logger, wrong bool) connector.Connector {
			return e.build(t, log, wrong, nil)
		},
		Secrets:            []string{e.emu.Token(), wrongToken},
		Malformed:          malformed,
		IdempotentComments: true,
		CheckEcho:          true,
		PageSize:           pageSize,
	})
}

// malformed serves a fresh emulator through a Malformer that cuts one of
// three new threats down to its id and update time.
func malformed(t *testing.T) connectortest.MalformedCase {
	var m connectortest.Malformer
	e := setup(t, nil)
	srv := httptest.NewServer(m.Handler(e.emu.Handler()))
	t.Cleanup(srv.Close)
	c := e.build(t, nil, false, map[string]any{"base_url": srv.URL})
	ids := e.reseed(3, 0)
	m.Break(ids[1], "threatInfo.updatedAt")
	return connectortest.MalformedCase{Connector: c, Bad: ids[1], Good: []string{ids[0], ids[2]}}
}

// TestRevokedToken: a static token cannot be refreshed, so a revoked one
// is an auth error on every capability, not a retry loop.
func TestRevokedToken(t *testing.T) {
	t.Parallel()
	e := setup(t, nil)
	ids := e.reseed(1, 0)
	e.emu.ExpireTokens()
	e.emu.Recorder().Reset()
	ctx := t.Context()
	_, ferr := e.conn.FetchAlerts(ctx, "")
	_, serr := e.conn.SetState(ctx, connector.StateChange{VendorID: ids[0], Status: "resolved", IdempotencyKey: "k"})
	cerr := e.conn.AddComment(ctx, connector.CommentAction{VendorID: ids[0], Body: "x", IdempotencyKey: "c"})
	for _, err := range []error{ferr, serr, cerr, e.conn.Health(ctx)} {
		if connector.ClassOf(err) != connector.ClassAuth || strings.Contains(err.Error(), e.emu.Token()) {
			t.Errorf("err %v: want an auth error without the token", err)
		}
	}
	// The kit sends each request once more after a 401 (for refreshable
	// credentials); a static token gets exactly that one retry.
	if n := len(e.emu.Recorder().Requests()); n != 8 {
		t.Errorf("%d requests for four refused calls, want 8", n)
	}
}

// TestThrottleWithoutRetryAfter: SentinelOne documents no 429 answer; a
// 429 without Retry-After waits the default minute.
func TestThrottleWithoutRetryAfter(t *testing.T) {
	t.Parallel()
	e := setup(t, nil)
	e.emu.Faults().FailFirst(1, http.StatusTooManyRequests, []byte(`{"errors":[{"code":4290010,"detail":null,"title":"Too Many Requests"}]}`))
	err := e.conn.Health(t.Context())
	if connector.ClassOf(err) != connector.ClassRateLimited || connector.RetryAfterOf(err) != defaultThrottleWait {
		t.Fatalf("err %v (retry after %v), want rate_limited after %v", err, connector.RetryAfterOf(err), defaultThrottleWait)
	}
	e.emu.ThrottleNext(9 * time.Second)
	if err := e.conn.Health(t.Context()); connector.RetryAfterOf(err) != 9*time.Second {
		t.Errorf("Retry-After 9: err %v, wait %v", err, connector.RetryAfterOf(err))
	}
}

func TestConfig(t *testing.T) {
	t.Parallel()
	c, err := connector.Build(Kind, connector.Deps{ID: "x"}, map[string]any{"base_url": "https://usea1-contoso.sentinelone.net/", "api_token": "t0k3n"})
	if err != nil {
		t.Fatal(err)
	}
	cc := c.(*Connector)
	if cc.s.api != "https://usea1-contoso.sentinelone.net/web/api/v2.1" || cc.cfg.PageSize != 100 || !cc.cfg.IncludeCloudDetections ||
		cc.cfg.RequestsPerMinute != DefaultRequestsPerMinute || cc.s.overlap != 5*time.Minute || cc.s.window != 24*time.Hour {
		t.Errorf("defaults: %+v %+v", cc.cfg, cc.s)
	}
	c, err = connector.Build(Kind, connector.Deps{ID: "x"}, map[string]any{"base_url": "https://c.sentinelone.net/web/api/v2.1", "api_token": "t"})
	if err != nil || c.(*Connector).s.api != "https://c.sentinelone.net/web/api/v2.1" {
		t.Errorf("a base_url with the API path: %v", err)
	}
	bad := []map[string]any{
		{"base_url": "https://c.sentinelone.net", "api_token": "t", "page_size": 1001},
		{"base_url": "c.sentinelone.net", "api_token": "t"},
		{"base_url": "https://c.sentinelone.net", "api_token": " "},
		{"base_url": "https://c.sentinelone.net", "api_token": "t", "cloud_detection_window": "0s"},
	}
	for _, s := range bad {
		if _, err := connector.Build(Kind, connector.Deps{ID: "x"}, s); err == nil {
			t.Errorf("settings %v accepted", s)
		}
	}
	for _, f := range Spec {
		if f.Name == "api_token" && !f.Secret() {
			t.Error("api_token is not a secret field")
		}
	}
}
