package app_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/alertsync/alertsync/internal/app"
	"github.com/alertsync/alertsync/internal/config"
)

func intakeConfig(t *testing.T, settings map[string]any) config.Config {
	t.Helper()
	cfg := config.Defaults()
	cfg.DataDir = t.TempDir()
	cfg.Listen = "127.0.0.1:0"
	cfg.Integrations = []config.Integration{{ID: "push", Kind: "httpintake", Settings: settings}}
	return cfg
}

func TestSecretsEncryptedAtRest(t *testing.T) {
	const key = "plaintext-intake-key-must-not-be-stored"
	cfg := intakeConfig(t, map[string]any{"intake_key": key})
	ctx := context.Background()
	a, err := app.New(ctx, cfg, app.Options{})
	if err != nil {
		t.Fatal(err)
	}
	row, err := a.Store().IntegrationGet(ctx, "push")
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(row.Secrets, []byte(key)) || strings.Contains(string(row.Settings), key) {
		t.Fatal("intake key stored in the clear")
	}
	if err := a.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"alertsync.db", "alertsync.db-wal"} {
		b, err := os.ReadFile(filepath.Join(cfg.DataDir, name))
		if err == nil && bytes.Contains(b, []byte(key)) {
			t.Fatalf("%s holds the intake key in the clear", name)
		}
	}
	// The stored, encrypted form is what runs after a restart.
	b, err := app.New(ctx, cfg, app.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Stop(ctx)
	if _, ok := b.Engine().Integration("push"); !ok {
		t.Fatal("integration not rebuilt from the stored row")
	}
}

func TestInvalidIntegrationSettingNamesTheField(t *testing.T) {
	tests := []struct {
		settings map[string]any
		want     string
	}{
		{map[string]any{}, "integrations[0].settings.intake_key: required"},
		{map[string]any{"intake_key": "k-0123456789abcdef", "colour": "red"}, "integrations[0].settings.colour: unknown setting"},
		{map[string]any{"intake_key": "k-0123456789abcdef", "timeout": "soon"}, "integrations[0].settings.timeout"},
	}
	for _, tt := range tests {
		_, err := app.New(context.Background(), intakeConfig(t, tt.settings), app.Options{})
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("error = %v, want it to contain %q", err, tt.want)
		}
	}
}
