package app_test

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/alertsync/alertsync/internal/app"
	"github.com/alertsync/alertsync/internal/engine"
)

// TestConsoleSecretSurvivesRestart: a secret replaced in the console is
// used at once, wins over the configured one after a restart, and is
// stored sealed; an unknown setting, a setting that is not a secret and
// an empty value are refused.
func TestConsoleSecretSurvivesRestart(t *testing.T) {
	ctx := context.Background()
	const configured, replaced = "secret-test-configured-key-01", "secret-test-replaced-key-0002"
	cfg := intakeConfig(t, map[string]any{"intake_key": configured})
	a, err := app.New(ctx, cfg, app.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.SetSecret(ctx, "push", "intake_key", replaced); err != nil {
		t.Fatal(err)
	}
	for name, err := range map[string]error{
		"unknown setting":  a.SetSecret(ctx, "push", "nope", "x"),
		"not a secret":     a.SetSecret(ctx, "push", "writeback_url", "http://example.invalid"),
		"empty":            a.SetSecret(ctx, "push", "intake_key", " "),
		"no such integ...": a.SetSecret(ctx, "nope", "intake_key", "x"),
	} {
		if err == nil || name != "no such integ..." && !errors.Is(err, engine.ErrInvalid) {
			t.Errorf("%s: err = %v", name, err)
		}
	}
	row, err := a.Store().IntegrationGet(ctx, "push")
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(row.Secrets, []byte(replaced)) {
		t.Fatal("the replaced key is stored in the clear")
	}
	if err := a.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	b, err := app.New(ctx, cfg, app.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = b.Stop(ctx) }()
	if err := b.Start(ctx); err != nil {
		t.Fatal(err)
	}
	push := func(key string) int {
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, "http://"+b.Addr()+"/api/v1/intake/push",
			strings.NewReader(`[{"id":"R-1","title":"restart","severity":"low"}]`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Alertsync-Intake-Key", key)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_ = resp.Body.Close()
		return resp.StatusCode
	}
	if code := push(configured); code != http.StatusUnauthorized {
		t.Errorf("after a restart the configured key pushes again: %d", code)
	}
	if code := push(replaced); code >= 300 {
		t.Errorf("after a restart the console's key is refused: %d", code)
	}
}
