package sekoia

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/alertsync/alertsync/internal/connector"
)

// TestConfig: the defaults, and each field's refusal naming the field.
func TestConfig(t *testing.T) {
	t.Parallel()
	base := map[string]any{"api_key": "k"}
	c, err := connector.Build(Kind, connector.Deps{ID: "x"}, base)
	if err != nil {
		t.Fatal(err)
	}
	cfg := c.(*Connector).cfg
	if cfg.BaseURL != "https://api.sekoia.io" || cfg.IntakeURL != "https://intake.sekoia.io" || cfg.CommentAuthor != "alertsync" ||
		cfg.PageSize != 100 || cfg.RequestsPerMinute != DefaultRequestsPerMinute || cfg.CommunityUUID != "" {
		t.Errorf("defaults %+v", cfg)
	}
	if s := c.(*Connector).s; s.lookback != 24*time.Hour || s.overlap != time.Minute {
		t.Errorf("durations %+v", s)
	}
	tests := []struct {
		field string
		value any
	}{
		{"api_key", ""},
		{"base_url", "api.sekoia.io"},
		{"intake_url", "ftp://intake.sekoia.io"},
		{"community_uuid", "community-1"},
		{"comment_author", strings.Repeat("a", 33)},
		{"comment_author", ""},
		{"page_size", 0},
		{"page_size", 101},
		{"requests_per_minute", -1},
		{"lookback", "-1h"},
		{"overlap", "-1s"},
	}
	for _, tt := range tests {
		s := map[string]any{"api_key": "k", tt.field: tt.value}
		_, err := connector.Build(Kind, connector.Deps{ID: "x"}, s)
		var fe *connector.FieldError
		if !errors.As(err, &fe) || fe.Field != tt.field {
			t.Errorf("%s=%v: %v, want a field error naming it", tt.field, tt.value, err)
		}
	}
	red := Spec.Redact(map[string]any{"api_key": "k1", "intake_key": "k2", "base_url": "u"})
	if red["api_key"] != "[REDACTED]" || red["intake_key"] != "[REDACTED]" || red["base_url"] != "u" {
		t.Errorf("redacted %v", red)
	}
	if _, err := connector.Build(Kind, connector.Deps{ID: "x"}, map[string]any{"api_key": "k", "comment_author": "alertsync-hub-of-the-soc-team-32"}); err != nil {
		t.Errorf("a 32-character author: %v", err)
	}
}

// TestErrorClasses: 401 is auth, 404 not found, 429 rate limited with
// the default wait or Retry-After, and 5xx retryable.
func TestErrorClasses(t *testing.T) {
	t.Parallel()
	e := setup(t, 0, nil)
	ctx := t.Context()
	_, err := e.conn.SetState(ctx, connector.StateChange{VendorID: "00000000-0000-4000-8000-000000000000", Status: "resolved", IdempotencyKey: "k"})
	if connector.ClassOf(err) != connector.ClassNotFound {
		t.Errorf("unknown alert: %v", err)
	}
	if err := e.build(t, nil, "wrong-key", nil).Health(ctx); connector.ClassOf(err) != connector.ClassAuth {
		t.Errorf("wrong key: %v", err)
	}
	e.emu.ThrottleNext(0)
	if err := e.conn.Health(ctx); connector.ClassOf(err) != connector.ClassRateLimited || connector.RetryAfterOf(err) != defaultThrottleWait {
		t.Errorf("429 without Retry-After: %v (%v)", err, connector.RetryAfterOf(err))
	}
	e.emu.SetPerMinute(1)
	_ = e.conn.Health(ctx)
	err = e.conn.Health(ctx)
	if connector.ClassOf(err) != connector.ClassRateLimited || connector.RetryAfterOf(err) != time.Minute {
		t.Errorf("over the emulator's budget: %v (%v)", err, connector.RetryAfterOf(err))
	}
	e.emu.SetPerMinute(-1)
	e.emu.Faults().FailFirst(1, http.StatusBadGateway, []byte(`{"message":"bad gateway"}`))
	if err := e.conn.Health(ctx); connector.ClassOf(err) != connector.ClassRetryable {
		t.Errorf("502: %v", err)
	}
}
