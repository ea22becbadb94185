package app_test

import (
	"context"
	"testing"

	"github.com/alertsync/alertsync/internal/app"
	"github.com/alertsync/alertsync/internal/engine"
	"github.com/alertsync/alertsync/internal/model"
)

// TestConsolePolicySurvivesRestart: a policy set in the console applies at
// once and wins over the configured one after a restart.
func TestConsolePolicySurvivesRestart(t *testing.T) {
	ctx := context.Background()
	cfg := intakeConfig(t, map[string]any{"intake_key": "policy-test-intake-key-0123"})
	a, err := app.New(ctx, cfg, app.Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := engine.DefaultPolicy()
	want.CommentSync, want.CloseOnNotAThreat = true, false
	want.AutoValidate = engine.AutoValidate{Enabled: true, MinSeverity: model.SeverityHigh, MaxActive: 3}
	if err := a.SetPolicy(ctx, "push", want); err != nil {
		t.Fatal(err)
	}
	if in, _ := a.Engine().Integration("push"); in.Policy != want {
		t.Fatalf("running policy = %+v, want %+v", in.Policy, want)
	}
	if err := a.SetPolicy(ctx, "nope", want); err == nil {
		t.Error("a policy for an unknown integration was accepted")
	}
	if err := a.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	b, err := app.New(ctx, cfg, app.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = b.Stop(ctx) }()
	if in, _ := b.Engine().Integration("push"); in.Policy != want {
		t.Fatalf("policy after restart = %+v, want the console's %+v", in.Policy, want)
	}
}
