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
	"github.com/alertsync/alertsync/internal/secrets"
	"github.com/alertsync/alertsync/internal/store"
)

// writeIntakeConfig writes a config file declaring one intake integration
// per id, on the SQLite store in dir.
func writeIntakeConfig(t *testing.T, dir string, ids ...string) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("data_dir: " + dir + "\nintegrations:\n")
	for _, id := range ids {
		b.WriteString("  - id: " + id + "\n    kind: httpintake\n    settings:\n      intake_key: intake-key-of-" + id + "-0123456789\n")
	}
	path := filepath.Join(dir, "alertsync.yaml")
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// storeOnce starts the hub on cfgPath, which stores its integrations
// sealed, and stops it.
func storeOnce(t *testing.T, cfgPath string) {
	t.Helper()
	cfg, err := config.Load(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	a, err := app.New(context.Background(), cfg, app.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// openAll opens every stored integration's secrets with the keyring
// material and returns the ids it could not open.
func openAll(t *testing.T, cfgPath, material string) []string {
	t.Helper()
	cfg, err := config.Load(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	kr, err := secrets.New(material)
	if err != nil {
		t.Fatal(err)
	}
	st, err := app.OpenStore(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = st.Close() }()
	rows, err := st.Scope(store.DefaultTenant).IntegrationList(context.Background())
	if err != nil || len(rows) == 0 {
		t.Fatalf("integrations: %d, %v", len(rows), err)
	}
	var closed []string
	for _, row := range rows {
		if _, err := kr.Open(row.Secrets, row.ID); err != nil {
			closed = append(closed, row.ID)
		}
	}
	return closed
}

func runCLI(t *testing.T, args ...string) string {
	t.Helper()
	var out, errOut bytes.Buffer
	if code := app.Main(args, &out, &errOut); code != 0 {
		t.Fatalf("alertsync %s: exit %d: %s", strings.Join(args, " "), code, errOut.String())
	}
	return out.String()
}

// TestSecretsRotateKeyFile rotates a generated key file: a new key is
// made, every stored integration (one no longer in the config included)
// is sealed with it, the old key is dropped, and the hub starts on the
// new key alone.
func TestSecretsRotateKeyFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	storeOnce(t, writeIntakeConfig(t, dir, "push-1", "push-2"))
	cfgPath := writeIntakeConfig(t, dir, "push-1") // push-2 is kept, disabled
	keyFile := filepath.Join(dir, "secret.key")
	oldKey, err := os.ReadFile(keyFile)
	if err != nil {
		t.Fatal(err)
	}
	out := runCLI(t, "--config", cfgPath, "secrets", "rotate", "--new-key", "--drop-previous")
	if !strings.Contains(out, "sealed the secrets of 2 integrations again") || !strings.Contains(out, "removed 1 previous keys") {
		t.Errorf("rotate said:\n%s", out)
	}
	newKey, err := os.ReadFile(keyFile)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Count(strings.TrimSpace(string(newKey)), "\n") != 0 || bytes.Equal(newKey, oldKey) {
		t.Fatalf("key file after rotate holds %q; want one new key", newKey)
	}
	if closed := openAll(t, cfgPath, string(newKey)); len(closed) != 0 {
		t.Errorf("the new key alone does not open %v", closed)
	}
	if closed := openAll(t, cfgPath, string(oldKey)); len(closed) != 2 {
		t.Errorf("the old key still opens what it should not: it fails on %v only", closed)
	}
	storeOnce(t, cfgPath)
}

// TestSecretsRotateConfiguredKey rotates a key given in the config: with
// the new key first and the old one after it, data sealed with the old
// key reads, rotate seals it with the new one, and afterwards the old key
// is no longer needed.
func TestSecretsRotateConfiguredKey(t *testing.T) {
	const oldKey, newKey = "the old at-rest key, long enough", "the new at-rest key, long enough"
	dir := t.TempDir()
	cfgPath := writeIntakeConfig(t, dir, "push-1")
	t.Setenv("ALERTSYNC_SECRET_KEY", oldKey)
	storeOnce(t, cfgPath)

	t.Setenv("ALERTSYNC_SECRET_KEY", newKey+"\n"+oldKey)
	if closed := openAll(t, cfgPath, newKey+"\n"+oldKey); len(closed) != 0 {
		t.Fatalf("with the old key second, %v do not open", closed)
	}
	out := runCLI(t, "--config", cfgPath, "secrets", "rotate")
	if !strings.Contains(out, "sealed the secrets of 1 integrations again") {
		t.Errorf("rotate said:\n%s", out)
	}
	if closed := openAll(t, cfgPath, newKey); len(closed) != 0 {
		t.Errorf("after rotate the new key alone does not open %v", closed)
	}
	var stdout, errOut bytes.Buffer
	if code := app.Main([]string{"--config", cfgPath, "secrets", "rotate", "--drop-previous"}, &stdout, &errOut); code == 0 ||
		!strings.Contains(errOut.String(), "put the new key on its first line") {
		t.Errorf("--drop-previous with a configured key: exit %d, %s", code, errOut.String())
	}
	t.Setenv("ALERTSYNC_SECRET_KEY", newKey)
	storeOnce(t, cfgPath)
}
