package app_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/alertsync/alertsync/internal/app"
	"github.com/alertsync/alertsync/internal/config"
	"github.com/alertsync/alertsync/internal/connector"
	_ "github.com/alertsync/alertsync/internal/connectors/all"
)

const examplePath = "../../alertsync.example.yaml"

// envRef finds the ${env:NAME} references of a config file.
var envRef = regexp.MustCompile(`\$\{env:([A-Za-z_][A-Za-z0-9_]*)\}`)

// exampleEnv sets every variable the example config references (outside
// its comments) to a distinct value long enough for any token or key, and
// points the data dir and listener at the test's own.
func exampleEnv(t *testing.T) map[string]string {
	t.Helper()
	b, err := os.ReadFile(examplePath)
	if err != nil {
		t.Fatal(err)
	}
	vals := map[string]string{}
	for _, line := range strings.Split(string(b), "\n") {
		if i := strings.Index(line, "#"); i >= 0 {
			line = line[:i]
		}
		for _, m := range envRef.FindAllStringSubmatch(line, -1) {
			vals[m[1]] = "example-" + strings.ToLower(m[1]) + "-0123456789abcdef"
			t.Setenv(m[1], vals[m[1]])
		}
	}
	t.Setenv("ALERTSYNC_DATA_DIR", t.TempDir())
	t.Setenv("ALERTSYNC_LISTEN", "127.0.0.1:0")
	return vals
}

// noNetwork stands in for the vendors: the example's Microsoft
// integrations poll real endpoints, which a test must not reach.
type noNetwork struct{}

func (noNetwork) RoundTrip(*http.Request) (*http.Response, error) {
	return nil, errors.New("no network in this test")
}

// TestExampleConfigBuildsEveryConnector loads alertsync.example.yaml
// through the real path (config.Load, then app.New, which stores every
// integration with its secrets sealed and builds each connector from the
// stored row), checks that it covers every compiled-in connector and
// writes no secret inline, and pushes an alert to its intake with the key
// taken from the environment.
func TestExampleConfigBuildsEveryConnector(t *testing.T) {
	vals := exampleEnv(t)
	cfg, err := config.Load(examplePath)
	if err != nil {
		t.Fatalf("load the example: %v", err)
	}
	var kinds []string
	for _, in := range cfg.Integrations {
		kinds = append(kinds, in.Kind)
	}
	for _, k := range connector.Kinds() {
		if !slices.Contains(kinds, k) {
			t.Errorf("the example configures no %s integration", k)
		}
	}
	checkNoInlineSecrets(t)

	logs := &syncWriter{w: &strings.Builder{}}
	ctx := context.Background()
	a, err := app.New(ctx, cfg, app.Options{
		Logger:     slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		HTTPClient: &http.Client{Transport: noNetwork{}},
	})
	if err != nil {
		t.Fatalf("build the example's integrations: %v", err)
	}
	if got := len(a.Engine().Integrations()); got != len(cfg.Integrations) {
		t.Errorf("%d integrations built, want %d", got, len(cfg.Integrations))
	}
	if err := a.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := a.Stop(ctx); err != nil {
			t.Error(err)
		}
		// Every connector's lines (its polls failing here) name each
		// attribute once.
		for _, line := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
			for k, n := range lineKeys(t, line) {
				if n > 1 {
					t.Errorf("attribute %s %d times in %s", k, n, line)
				}
			}
		}
	}()
	body := `{"id":"A-1","rule":{"name":"Port scan"},"severity":"sev2","host":{"name":"web-1"}}`
	req, _ := http.NewRequestWithContext(ctx, "POST", "http://"+a.Addr()+"/api/v1/intake/push", strings.NewReader(body))
	req.Header.Set("X-Alertsync-Intake-Key", vals["PUSH_INTAKE_KEY"])
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	_ = res.Body.Close()
	if res.StatusCode != http.StatusAccepted {
		t.Fatalf("push with the key from the environment: %d %s", res.StatusCode, b)
	}
	got, err := a.Store().AlertGetByVendor(ctx, "push", "A-1")
	if err != nil || got.Title != "Port scan" || got.Severity != "high" || !slices.Contains(got.Entities.Hosts, "web-1") {
		t.Fatalf("pushed alert mapped with the example's field_map = %+v, %v", got, err)
	}
}

// checkNoInlineSecrets reads the example as written (references not yet
// resolved) and fails on a secret setting or token given in place.
func checkNoInlineSecrets(t *testing.T) {
	t.Helper()
	b, err := os.ReadFile(examplePath)
	if err != nil {
		t.Fatal(err)
	}
	var raw config.Config
	if err := yaml.Unmarshal(b, &raw); err != nil {
		t.Fatal(err)
	}
	secrets := map[string]config.Secret{"api.admin_token": raw.API.AdminToken, "store.dsn": raw.Store.DSN, "secret_key": raw.SecretKey}
	for i, tok := range raw.API.Tokens {
		secrets[fmt.Sprintf("api.tokens[%d].token", i)] = tok.Token
	}
	for i, in := range raw.Integrations {
		secrets[fmt.Sprintf("integrations[%d].proxy", i)] = in.Proxy
		reg, _ := connector.Lookup(in.Kind)
		for _, name := range reg.Spec.SecretFields() {
			if v, ok := in.Settings[name].(string); ok {
				secrets[fmt.Sprintf("integrations[%d].settings.%s", i, name)] = config.NewSecret(v)
			}
		}
	}
	for field, s := range secrets {
		if !s.IsZero() && !config.IsSecretRef(s.Reveal()) {
			t.Errorf("%s is written inline; reference it with ${env:...} or ${file:...}", field)
		}
	}
}
