package config

import (
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

func TestResolveSecretRef(t *testing.T) {
	dir := t.TempDir()
	file := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	withNL, bare, empty := file("nl", "from-a-file\n"), file("bare", "no newline"), file("empty", "\n")
	t.Setenv("ALERTSYNC_TEST_REF", "from-the-env")
	t.Setenv("ALERTSYNC_TEST_EMPTY", "")
	tests := []struct {
		in, want, err string
	}{
		{"plain value", "plain value", ""},
		{"${env:ALERTSYNC_TEST_REF}", "from-the-env", ""},
		{"${file:" + withNL + "}", "from-a-file", ""},
		{"${file:" + bare + "}", "no newline", ""},
		{"prefix ${env:ALERTSYNC_TEST_REF}", "prefix ${env:ALERTSYNC_TEST_REF}", ""}, // whole values only
		{"${env:ALERTSYNC_TEST_UNSET_9f3}", "", "environment variable ALERTSYNC_TEST_UNSET_9f3 is not set"},
		{"${env:ALERTSYNC_TEST_EMPTY}", "", "ALERTSYNC_TEST_EMPTY is not set"},
		{"${env:}", "", "names no variable"},
		{"${file:" + empty + "}", "", "is empty"},
		{"${file:" + filepath.Join(dir, "missing") + "}", "", "read secret file"},
		{"${file:}", "", "names no file"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ResolveSecretRef(tt.in)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("error = %v, want it to contain %q", err, tt.err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("= %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

// TestLoadResolvesSecretRefs checks every Secret field of the file takes
// a reference, that an override from the environment may be one too, and
// that a broken reference names its field.
func TestLoadResolvesSecretRefs(t *testing.T) {
	dir := t.TempDir()
	tokenFile := filepath.Join(dir, "ana.token")
	if err := os.WriteFile(tokenFile, []byte("analyst-token-from-file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("TEST_DSN", "postgres://u:pw@h/db")
	t.Setenv("TEST_KEY", "a-secret-key-from-the-env")
	t.Setenv("ALERTSYNC_ADMIN_TOKEN", "${file:"+tokenFile+"}")
	cfg, err := Load(writeConfig(t, `
store: {driver: postgres, dsn: "${env:TEST_DSN}"}
secret_key: ${env:TEST_KEY}
api:
  tokens:
    - {name: ana, token: "${file:`+tokenFile+`}", role: analyst}
`))
	if err != nil {
		t.Fatal(err)
	}
	got := []string{cfg.Store.DSN.Reveal(), cfg.SecretKey.Reveal(), cfg.API.Tokens[0].Token.Reveal(), cfg.API.AdminToken.Reveal()}
	want := []string{"postgres://u:pw@h/db", "a-secret-key-from-the-env", "analyst-token-from-file", "analyst-token-from-file"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("resolved %q, want %q", got, want)
	}
	_, err = Load(writeConfig(t, "api:\n  tokens:\n    - {name: a, token: '${env:TEST_UNSET_TOKEN_4c1}', role: viewer}\n"))
	if err == nil || !strings.Contains(err.Error(), "api.tokens[0].token: environment variable TEST_UNSET_TOKEN_4c1 is not set") {
		t.Fatalf("error = %v", err)
	}
}

// TestEnvVarsListsWhatLoadReads checks the EnvVars listing against the
// variables applyEnv really asks for, both ways.
func TestEnvVarsListsWhatLoadReads(t *testing.T) {
	asked := map[string]bool{}
	var cfg Config
	if err := cfg.applyEnv(func(name string) string { asked[name] = true; return "" }); err != nil {
		t.Fatal(err)
	}
	listed := map[string]bool{}
	for _, v := range EnvVars {
		listed[v.Name] = true
		if !asked[v.Name] {
			t.Errorf("%s is listed but Load never reads it", v.Name)
		}
	}
	for name := range asked {
		if !listed[name] {
			t.Errorf("Load reads %s but EnvVars does not list it", name)
		}
	}
}

// TestEverySecretFieldTakesARef walks Config for Secret fields and checks
// that each one, wherever it sits, is resolved.
func TestEverySecretFieldTakesARef(t *testing.T) {
	t.Setenv("TEST_SECRET_REF", "resolved-secret-value-0123")
	cfg := Config{API: APIConfig{Tokens: []APIToken{{}}}, Integrations: []Integration{{}}}
	var paths []string
	_ = walkSecrets(reflect.ValueOf(&cfg).Elem(), "", func(path string, s *Secret) error {
		*s = NewSecret("${env:TEST_SECRET_REF}")
		paths = append(paths, path)
		return nil
	})
	for _, want := range []string{"store.dsn", "secret_key", "api.admin_token", "api.tokens[0].token", "integrations[0].proxy"} {
		if !slices.Contains(paths, want) {
			t.Errorf("walk missed %s (found %v)", want, paths)
		}
	}
	if err := cfg.resolveSecretRefs(); err != nil {
		t.Fatal(err)
	}
	_ = walkSecrets(reflect.ValueOf(&cfg).Elem(), "", func(path string, s *Secret) error {
		if s.Reveal() != "resolved-secret-value-0123" {
			t.Errorf("%s = %q, not resolved", path, s.Reveal())
		}
		return nil
	})
}

func TestKeys(t *testing.T) {
	keys := Keys()
	for _, want := range []string{"data_dir", "store.dsn", "api.tokens[].role", "engine.ingest_batch", "outbox.idle_wait",
		"integrations[].settings", "integrations[].policy.auto_validate.max_active", "integrations[].reconcile.rules",
		"integrations[].reconcile.on_alert.<status>.classification_reason", "integrations[].reconcile.mirror_grace"} {
		if !slices.Contains(keys, want) {
			t.Errorf("Keys() lacks %s: %v", want, keys)
		}
	}
}
