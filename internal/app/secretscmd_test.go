package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/alertsync/alertsync/internal/app"
	"github.com/alertsync/alertsync/internal/config"
	"github.com/alertsync/alertsync/internal/secrets"
	"github.com/alertsync/alertsync/internal/store"
	"github.com/alertsync/alertsync/internal/store/storetest"
)

// writeIntakeConfig writes a config file declaring one intake integration
// per id in the default tenant and the same in tenant acme, on the SQLite
// store in dir.
func writeIntakeConfig(t *testing.T, dir string, ids ...string) string {
	t.Helper()
	return writeStoreConfig(t, dir, "", ids...)
}

// writeStoreConfig is writeIntakeConfig on the store storeYAML declares
// (SQLite in dir when empty). The key file is in dir either way.
func writeStoreConfig(t *testing.T, dir, storeYAML string, ids ...string) string {
	t.Helper()
	integrations := func(indent, tenant string) string {
		var b strings.Builder
		for _, id := range ids {
			b.WriteString(indent + "- id: " + id + "\n" + indent + "  kind: httpintake\n" + indent + "  settings:\n" +
				indent + "    intake_key: intake-key-of-" + tenant + "-" + id + "-0123456789\n")
		}
		return b.String()
	}
	text := "data_dir: " + dir + "\n" + storeYAML + "integrations:\n" + integrations("  ", "default") +
		"tenants:\n  - id: acme\n    integrations:\n" + integrations("      ", "acme")
	path := filepath.Join(dir, "alertsync.yaml")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
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

// withStore runs fn on the store cfgPath names.
func withStore(t *testing.T, cfgPath string, fn func(st store.Store)) {
	t.Helper()
	cfg, err := config.Load(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	st, err := app.OpenStore(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = st.Close() }()
	fn(st)
}

// storedRow is one integration's sealed secrets with its tenant.
type storedRow struct {
	tenant store.Tenant
	row    store.Integration
}

// name is the row's tenant/id, which is also the AAD its secrets are
// sealed with outside the default tenant.
func (r storedRow) name() string { return r.tenant.ID + "/" + r.row.ID }

func (r storedRow) aad() string {
	if r.tenant.ID == store.DefaultTenant {
		return r.row.ID
	}
	return r.name()
}

// storedRows reads every tenant's integrations.
func storedRows(t *testing.T, cfgPath string) []storedRow {
	t.Helper()
	var out []storedRow
	withStore(t, cfgPath, func(st store.Store) {
		tenants, err := st.TenantList(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, tn := range tenants {
			rows, err := st.Scope(tn.ID).IntegrationList(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			for _, row := range rows {
				out = append(out, storedRow{tenant: tn, row: row})
			}
		}
	})
	if len(out) == 0 {
		t.Fatal("no integration is stored")
	}
	return out
}

// openAll opens every stored integration's secrets as the hub does, with
// the keyring material unwrapping each tenant's data key, and returns
// those it could not open, by tenant/id.
func openAll(t *testing.T, cfgPath, material string) []string {
	t.Helper()
	kr, err := secrets.New(material)
	if err != nil {
		t.Fatal(err)
	}
	var closed []string
	for _, r := range storedRows(t, cfgPath) {
		env := secrets.Envelope{Ring: kr}
		if dk, err := kr.UnwrapDataKey(r.tenant.DataKey, r.tenant.ID); err == nil {
			env.Key = dk
		}
		if _, err := env.Open(r.row.Secrets, r.aad()); err != nil {
			closed = append(closed, r.name())
		}
	}
	return closed
}

// sealedByDataKeys checks that every stored secret is sealed with its
// tenant's data key: the master key alone opens none.
func sealedByDataKeys(t *testing.T, cfgPath, material string) {
	t.Helper()
	kr, err := secrets.New(material)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range storedRows(t, cfgPath) {
		if len(r.tenant.DataKey) == 0 || !secrets.SealedByDataKey(r.row.Secrets) {
			t.Errorf("%s: sealed by its tenant's data key = %v, tenant has a data key = %v",
				r.name(), secrets.SealedByDataKey(r.row.Secrets), len(r.tenant.DataKey) > 0)
		}
		if _, err := kr.Open(r.row.Secrets, r.aad()); err == nil {
			t.Errorf("%s: the master key alone opens its secrets", r.name())
		}
	}
}

// makeLegacy turns the store into one from before data keys: every
// integration's secrets sealed directly with the master key, and no
// tenant holding a data key.
func makeLegacy(t *testing.T, cfgPath, material string) {
	t.Helper()
	kr, err := secrets.New(material)
	if err != nil {
		t.Fatal(err)
	}
	rows := storedRows(t, cfgPath)
	ctx := context.Background()
	withStore(t, cfgPath, func(st store.Store) {
		for _, r := range rows {
			dk, err := kr.UnwrapDataKey(r.tenant.DataKey, r.tenant.ID)
			if err != nil {
				t.Fatal(err)
			}
			plain, err := dk.Open(r.row.Secrets, r.aad())
			if err != nil {
				t.Fatal(err)
			}
			if r.row.Secrets, err = kr.Seal(plain, r.aad()); err != nil {
				t.Fatal(err)
			}
			err = st.Scope(r.tenant.ID).WithTx(ctx, func(tx store.Tx) error { return tx.IntegrationUpsert(ctx, r.row) })
			if err != nil {
				t.Fatal(err)
			}
		}
		tenants, err := st.TenantList(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, tn := range tenants {
			if err := st.TenantKeySwap(ctx, store.TenantKeySwapParams{Tenant: tn.ID, Old: tn.DataKey}); err != nil {
				t.Fatal(err)
			}
		}
	})
	for _, r := range storedRows(t, cfgPath) {
		if _, err := kr.Open(r.row.Secrets, r.aad()); err != nil || len(r.tenant.DataKey) != 0 {
			t.Fatalf("legacy %s: master key opens it: %v; data key %d bytes", r.name(), err, len(r.tenant.DataKey))
		}
	}
}

func runCLI(t *testing.T, args ...string) string {
	t.Helper()
	var out, errOut bytes.Buffer
	if code := app.Main(args, &out, &errOut); code != 0 {
		t.Fatalf("alertsync %s: exit %d: %s", strings.Join(args, " "), code, errOut.String())
	}
	return out.String()
}

func wantSaid(t *testing.T, out string, lines ...string) {
	t.Helper()
	for _, l := range lines {
		if !strings.Contains(out, l) {
			t.Errorf("rotate did not say %q; it said:\n%s", l, out)
		}
	}
}

func readKey(t *testing.T, keyFile string) string {
	t.Helper()
	b, err := os.ReadFile(keyFile)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestSecretsRotateKeyFile rotates a generated key file: a new key is
// made, every tenant's data key is wrapped with it (no secret is sealed
// again: the stored secrets stay byte for byte), integrations no longer
// in the config included, the old key is dropped, and the hub starts on
// the new key alone.
func TestSecretsRotateKeyFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	storeOnce(t, writeIntakeConfig(t, dir, "push-1", "push-2"))
	cfgPath := writeIntakeConfig(t, dir, "push-1") // push-2 is kept, disabled
	keyFile := filepath.Join(dir, "secret.key")
	oldKey := readKey(t, keyFile)
	before := map[string][]byte{}
	for _, r := range storedRows(t, cfgPath) {
		before[r.name()] = r.row.Secrets
	}
	out := runCLI(t, "--config", cfgPath, "secrets", "rotate", "--new-key", "--drop-previous")
	wantSaid(t, out, "wrapped the data keys of 2 tenants again with the current key; 0 already were; 0 tenants got their first data key",
		"sealed the secrets of 0 integrations with their tenant's data key (the master key sealed them); 4 already were",
		"removed 1 previous keys")
	newKey := readKey(t, keyFile)
	if strings.Count(strings.TrimSpace(newKey), "\n") != 0 || newKey == oldKey {
		t.Fatalf("key file after rotate holds %q; want one new key", newKey)
	}
	after := map[string][]byte{}
	for _, r := range storedRows(t, cfgPath) {
		after[r.name()] = r.row.Secrets
	}
	if !maps.EqualFunc(before, after, bytes.Equal) {
		t.Error("rotating the master key sealed secrets again; only the data keys should be rewrapped")
	}
	if closed := openAll(t, cfgPath, newKey); len(closed) != 0 {
		t.Errorf("the new key alone does not open %v", closed)
	}
	if closed := openAll(t, cfgPath, oldKey); len(closed) != 4 {
		t.Errorf("the old key still opens what it should not: it fails on %v only", closed)
	}
	storeOnce(t, cfgPath)
}

// TestSecretsRotateConfiguredKey rotates a key given in the config: with
// the new key first and the old one after it, data sealed under the old
// key reads, rotate wraps the data keys with the new one, and afterwards
// the old key is no longer needed.
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
	wantSaid(t, out, "wrapped the data keys of 2 tenants again with the current key; 0 already were")
	if closed := openAll(t, cfgPath, newKey); len(closed) != 0 {
		t.Errorf("after rotate the new key alone does not open %v", closed)
	}
	out = runCLI(t, "--config", cfgPath, "secrets", "rotate")
	wantSaid(t, out, "wrapped the data keys of 0 tenants again with the current key; 2 already were")
	var stdout, errOut bytes.Buffer
	if code := app.Main([]string{"--config", cfgPath, "secrets", "rotate", "--drop-previous"}, &stdout, &errOut); code == 0 ||
		!strings.Contains(errOut.String(), "put the new key on its first line") {
		t.Errorf("--drop-previous with a configured key: exit %d, %s", code, errOut.String())
	}
	t.Setenv("ALERTSYNC_SECRET_KEY", newKey)
	storeOnce(t, cfgPath)
}

// TestSecretsRotateLegacy rotates the master key of a store from before
// data keys, on both stores: every tenant gets its data key, wrapped with
// the new master key, every secret the old master key sealed is sealed
// with its tenant's data key, and after the old key is dropped the new
// one opens everything through the data keys while it opens no secret
// directly.
func TestSecretsRotateLegacy(t *testing.T) {
	t.Parallel()
	for _, kind := range []string{"sqlite", "postgres"} {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			storeYAML := ""
			if kind == "postgres" {
				dsn, err := json.Marshal(storetest.PostgresSchemaDSN(t))
				if err != nil {
					t.Fatal(err)
				}
				storeYAML = "store:\n  driver: postgres\n  dsn: " + string(dsn) + "\n"
			}
			cfgPath := writeStoreConfig(t, dir, storeYAML, "push-1", "push-2")
			storeOnce(t, cfgPath)
			keyFile := filepath.Join(dir, "secret.key")
			oldKey := readKey(t, keyFile)
			makeLegacy(t, cfgPath, oldKey)

			out := runCLI(t, "--config", cfgPath, "secrets", "rotate", "--new-key", "--drop-previous")
			wantSaid(t, out, "wrapped the data keys of 0 tenants again with the current key; 0 already were; 2 tenants got their first data key",
				"sealed the secrets of 4 integrations with their tenant's data key (the master key sealed them); 0 already were",
				"removed 1 previous keys")
			newKey := readKey(t, keyFile)
			if closed := openAll(t, cfgPath, newKey); len(closed) != 0 {
				t.Errorf("after rotate the new key does not open %v", closed)
			}
			if closed := openAll(t, cfgPath, oldKey); len(closed) != 4 {
				t.Errorf("after rotate the old key still opens some: it fails on %v only", closed)
			}
			sealedByDataKeys(t, cfgPath, newKey)
			storeOnce(t, cfgPath)
		})
	}
}

// TestLegacySecretsSealedAtStart: the hub starts on a store from before
// data keys, opening what the master key sealed, and stores every
// configured integration's secrets again with its tenant's new data key.
func TestLegacySecretsSealedAtStart(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cfgPath := writeIntakeConfig(t, dir, "push-1")
	storeOnce(t, cfgPath)
	key := readKey(t, filepath.Join(dir, "secret.key"))
	makeLegacy(t, cfgPath, key)
	storeOnce(t, cfgPath)
	sealedByDataKeys(t, cfgPath, key)
	if closed := openAll(t, cfgPath, key); len(closed) != 0 {
		t.Errorf("after a start on legacy secrets, %v do not open", closed)
	}
}

// TestLostKeyReplacesDataKeys: a hub started with a master key that opens
// none of the stored data keys (the old key was lost, or this replica was
// given another) refuses to start, naming the way out, rather than give
// the tenant a key the replicas holding the right one cannot open;
// `secrets rotate --replace-lost-keys` gives each such tenant a new data
// key, the next start stores the configured secrets again with it, and
// the lost key opens nothing any more.
func TestLostKeyReplacesDataKeys(t *testing.T) {
	const lostKey, newKey = "the lost at-rest key, long enough", "the next at-rest key, long enough"
	dir := t.TempDir()
	cfgPath := writeIntakeConfig(t, dir, "push-1")
	t.Setenv("ALERTSYNC_SECRET_KEY", lostKey)
	storeOnce(t, cfgPath)
	t.Setenv("ALERTSYNC_SECRET_KEY", newKey)
	cfg, err := config.Load(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	if a, err := app.New(context.Background(), cfg, app.Options{}); err == nil {
		_ = a.Stop(context.Background())
		t.Fatal("a hub whose key opens no data key started")
	} else if !strings.Contains(err.Error(), "--replace-lost-keys") {
		t.Errorf("the refusal does not name the way out: %v", err)
	}
	out := runCLI(t, "--config", cfgPath, "secrets", "rotate", "--replace-lost-keys")
	wantSaid(t, out, "tenant default: no configured key opened its data key; it has a new one now")
	storeOnce(t, cfgPath)
	if closed := openAll(t, cfgPath, newKey); len(closed) != 0 {
		t.Errorf("with the new key, %v do not open", closed)
	}
	if closed := openAll(t, cfgPath, lostKey); len(closed) != 2 {
		t.Errorf("the lost key still opens some: it fails on %v only", closed)
	}
}
