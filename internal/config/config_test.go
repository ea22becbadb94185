package config

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeConfig(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "alertsync.yaml")
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestLoadDefaultsAndFile(t *testing.T) {
	cfg, err := Load(writeConfig(t, "listen: 127.0.0.1:9999\nintegrations:\n  - id: push\n    kind: httpintake\n    policy:\n      comment_sync: true\n"+
		"playbooks:\n  dir: ./playbooks\n"))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Listen != "127.0.0.1:9999" || cfg.Store.Driver != "sqlite" || cfg.Engine.ValidationInterval.Minutes() != 30 || cfg.Engine.ValidationWindow.Hours() != 48 ||
		cfg.Playbooks.RunRetention.Hours() != 30*24 {
		t.Fatalf("cfg = %+v", cfg)
	}
	if p := cfg.Integrations[0].Policy; p.CommentSync == nil || !*p.CommentSync || p.CloseOnNotAThreat != nil {
		t.Fatalf("policy = %+v", p)
	}
}

func TestEnvOverrides(t *testing.T) {
	t.Setenv("ALERTSYNC_LISTEN", "127.0.0.1:7000")
	t.Setenv("ALERTSYNC_STORE_DRIVER", "postgres")
	t.Setenv("ALERTSYNC_STORE_DSN", "postgres://u:pw@h/db")
	cfg, err := Load("")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Listen != "127.0.0.1:7000" || cfg.Store.Driver != "postgres" || cfg.Store.DSN.Reveal() != "postgres://u:pw@h/db" {
		t.Fatalf("cfg = %+v", cfg)
	}
}

func TestInvalidConfigNamesTheField(t *testing.T) {
	tests := []struct {
		body, field string
	}{
		{"store:\n  driver: mysql\n", "store.driver"},
		{"store:\n  driver: postgres\n", "store.dsn"},
		{"outbox:\n  workers: 0\n", "outbox.workers"},
		{"engine:\n  validation_window: 1m\n", "engine.validation_window"},
		{"api:\n  tokens:\n    - {name: a, token: short, role: analyst}\n", "api.tokens[0].token"},
		{"api:\n  admin_token: x\n", "api.admin_token"},
		{"api:\n  tokens:\n    - {name: a, token: a-long-enough-token, role: boss}\n", "api.tokens[0].role"},
		{"integrations:\n  - {id: 'bad id', kind: graph}\n", "integrations[0].id"},
		{"integrations:\n  - {id: a, kind: graph}\n  - {id: a, kind: mde}\n", "integrations[1].id"},
		{"integrations:\n  - {id: s, kind: sentinel, reconcile: {alerts_from: [nope]}}\n", "integrations[0].reconcile.alerts_from[0]"},
		{"integrations:\n  - {id: d, kind: x}\n  - {id: s, kind: sentinel, reconcile: {alerts_from: [d], on_alert: {active: {status: resolved}}}}\n", "integrations[1].reconcile.on_alert.active"},
		{"playbooks:\n  run_retention: -1h\n", "playbooks.run_retention"},
		{"tenants:\n  - {id: acme, playbooks: {run_retention: 24h}}\n", "tenants[0].playbooks.run_retention"},
	}
	for _, tt := range tests {
		t.Run(tt.field, func(t *testing.T) {
			_, err := Load(writeConfig(t, tt.body))
			if err == nil || !strings.Contains(err.Error(), tt.field+":") {
				t.Fatalf("error %v does not name %s", err, tt.field)
			}
		})
	}
	if _, err := Load(writeConfig(t, "unknown_key: 1\n")); err == nil || !strings.Contains(err.Error(), "unknown_key") {
		t.Fatalf("unknown key error = %v", err)
	}
}

func TestSecretNeverPrints(t *testing.T) {
	s := NewSecret("hunter2-very-secret")
	var logged strings.Builder
	slog.New(slog.NewTextHandler(&logged, nil)).Info("x", "secret", s)
	b, _ := json.Marshal(struct{ S Secret }{s})
	for _, out := range []string{fmt.Sprint(s), fmt.Sprintf("%v %+v %#v %s", s, s, s, s), string(b), logged.String()} {
		if strings.Contains(out, "hunter2") {
			t.Fatalf("secret leaked: %s", out)
		}
	}
	if s.Reveal() != "hunter2-very-secret" {
		t.Fatal("Reveal lost the value")
	}
}
