package app_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"io"
	"log"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/alertsync/alertsync/internal/app"
	"github.com/alertsync/alertsync/internal/config"
	"github.com/alertsync/alertsync/internal/connector"
	"github.com/alertsync/alertsync/internal/emulators/emukit/entra"
	"github.com/alertsync/alertsync/internal/emulators/registry"
	"github.com/alertsync/alertsync/internal/secrets"
	"github.com/alertsync/alertsync/internal/store"

	_ "github.com/alertsync/alertsync/internal/emulators/all" // every vendor emulator
)

// The hub-level secrets of the proof, distinctive so that a hit is a leak.
// The vendors' credentials are the emulators' own (each at least
// minSecretLen characters, which the test checks).
const (
	proofKey       = "proof-at-rest-key-6f1c9a0e2b7d4c38"
	proofAdmin     = "proof-admin-token-a3d8e1f05b6c7249"
	proofAnalyst   = "proof-analyst-token-1e7b4d9c2a0f5386"
	proofIntake    = "proof-intake-key-8c2e5a7f1d3b9046"
	proofWriteback = "proof-writeback-token-5d0a2f8e6b1c7394"
	proofProxyPass = "proof-proxy-pass-9b4e1c7a3f0d2865"
	proofAcmeKey   = "proof-acme-intake-key-4f7c0b2e9a1d6358"
	minSecretLen   = 12
)

// TestSecretsNeverInClear runs the whole hub against every emulator, each
// integration through an authenticated proxy, with traffic of every kind
// (ingest, verdicts, comments, write-backs, pushes, tokens expired and
// obtained again) and debug logging, then reads every byte the hub left:
// the database (SQLite's main file, WAL and shared memory; every column of
// every PostgreSQL table), its whole log output, and the answer to every
// GET route of the API and of the console. No configured secret may show,
// as it is, URL-encoded, JSON-escaped, in hex or in base64, nor any
// tenant's data key in clear (its wrapped form is stored, as it should).
//
// Not parallel: it captures the process's default logger too.
func TestSecretsNeverInClear(t *testing.T) {
	for _, sk := range []struct {
		name  string
		store func(t *testing.T, cfg *config.Config) func(t *testing.T) []leakSource
	}{
		{"sqlite", sqliteFiles},
		{"postgres", postgresColumns},
	} {
		t.Run(sk.name, func(t *testing.T) { proveSecrets(t, sk.store) })
	}
}

func proveSecrets(t *testing.T, storeKind func(t *testing.T, cfg *config.Config) func(t *testing.T) []leakSource) {
	ctx := context.Background()
	logs := captureLogs(t)
	set, root := startEmulators(t)
	proxy := startProxy(t)
	rcv := startReceiver(t)
	cfg := proofConfig(t, set, root, proxy.url, rcv.URL)
	readDB := storeKind(t, &cfg)
	secrets := configuredSecrets(t, cfg)

	a, err := app.New(ctx, cfg, app.Options{Logger: logs.logger()})
	if err != nil {
		t.Fatal(err)
	}
	stopped := false
	stop := func() {
		if !stopped {
			stopped = true
			if err := a.Stop(ctx); err != nil {
				t.Error(err)
			}
		}
	}
	t.Cleanup(stop)
	for _, in := range cfg.Integrations {
		if err := a.PollOnce(ctx, in.ID); err != nil {
			t.Fatalf("first poll of %s: %v", in.ID, err)
		}
	}
	if err := a.Start(ctx); err != nil {
		t.Fatal(err)
	}
	a.Outbox().Hold(true) // the test steps the queue itself
	h := &hubClient{t: t, base: "http://" + a.Addr(), a: a}
	h.traffic("first")
	for _, l := range set.Logins() {
		if iss, ok := l.(interface{ Issuer() *entra.Issuer }); ok {
			iss.Issuer().ExpireAll()
		}
	}
	for _, v := range set.Vendors() {
		if e, ok := set.Emulator(v.Kind); ok {
			if x, ok := e.Unwrap().(interface{ ExpireTokens() }); ok {
				x.ExpireTokens()
			}
		}
	}
	h.traffic("second, after every token expired")
	counts, err := a.Store().OutboxCounts(ctx)
	if err != nil || counts[store.OutboxDone] == 0 || rcv.writes.Load() == 0 || proxy.calls.Load() == 0 {
		t.Fatalf("no traffic to check: outbox %v (%v), %d write-backs received, %d calls through the proxy",
			counts, err, rcv.writes.Load(), proxy.calls.Load())
	}

	maps.Copy(secrets, dataKeysInClear(t, a))
	sources := h.answers()
	sources = append(sources, readDB(t)...) // while the hub runs: SQLite's WAL holds the recent writes
	stop()
	sources = append(sources, readDB(t)...)
	sources = append(sources, leakSource{"the hub's log output", logs.bytes()})
	if !bytes.Contains(logs.bytes(), []byte("level=DEBUG")) {
		t.Fatal("no debug line was logged: the log check would prove nothing")
	}
	for _, src := range sources {
		for name, forms := range secrets {
			for _, f := range forms {
				if bytes.Contains(src.data, []byte(f)) {
					t.Errorf("%s holds %s (as %q)", src.name, name, f)
				}
			}
		}
	}
	t.Logf("searched %d sources for %d secrets", len(sources), len(secrets))
}

// leakSource is a place secrets must not reach, read whole.
type leakSource struct {
	name string
	data []byte
}

// proofConfig is a hub with every emulator's integration and a push
// intake that writes back to rcv, all through the proxy, at debug level.
func proofConfig(t *testing.T, set *registry.Set, root, proxyURL, rcv string) config.Config {
	t.Helper()
	cfg := config.Defaults()
	cfg.DataDir = t.TempDir()
	cfg.Listen = "127.0.0.1:0"
	cfg.LogLevel = "debug"
	cfg.SecretKey = config.NewSecret(proofKey)
	cfg.API.AdminToken = config.NewSecret(proofAdmin)
	cfg.API.Tokens = []config.APIToken{{Name: "ana", Token: config.NewSecret(proofAnalyst), Role: "analyst"}}
	cfg.Engine.PollInterval = time.Hour // one poll at start; the test polls itself
	cfg.Outbox.BaseBackoff = time.Hour  // a failed write waits: the test steps the queue
	cfg.Integrations = set.Integrations(root, nil, time.Hour)
	cfg.Integrations = append(cfg.Integrations, config.Integration{ID: "push", Kind: "httpintake", Settings: map[string]any{
		"intake_key": proofIntake, "writeback_url": rcv, "writeback_token": proofWriteback,
	}})
	for i := range cfg.Integrations {
		cfg.Integrations[i].Proxy = config.NewSecret(proxyURL)
	}
	// A second tenant, so that its data key and secrets are searched too.
	cfg.Tenants = []config.Tenant{{ID: "acme", Integrations: []config.Integration{{ID: "push", Kind: "httpintake",
		Settings: map[string]any{"intake_key": proofAcmeKey}}}}}
	return cfg
}

// configuredSecrets maps every secret the config holds to the forms it
// could leak in: the hub's own, and each integration's secret settings
// as its connector's spec declares them.
func configuredSecrets(t *testing.T, cfg config.Config) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	add := func(name, v string) {
		if len(v) < minSecretLen {
			t.Fatalf("%s is %d characters: too short to search for without false hits", name, len(v))
		}
		out[name] = forms(v)
	}
	add("secret_key", proofKey)
	add("api.admin_token", proofAdmin)
	add("api.tokens[0].token", proofAnalyst)
	add("the proxy password", proofProxyPass)
	integrations := slices.Clone(cfg.Integrations)
	for _, tc := range cfg.Tenants {
		integrations = append(integrations, tc.Integrations...)
	}
	for _, in := range integrations {
		reg, ok := connector.Lookup(in.Kind)
		if !ok {
			t.Fatalf("integration %s: kind %q not registered", in.ID, in.Kind)
		}
		for _, f := range reg.Spec.SecretFields() {
			if v, ok := in.Settings[f].(string); ok && v != "" {
				add(in.ID+"."+f, v)
			}
		}
	}
	return out
}

// dataKeysInClear maps every tenant's data key, unwrapped with the
// master key, to the forms it could leak in. There must be one per
// tenant, or the search for them would prove nothing.
func dataKeysInClear(t *testing.T, a *app.App) map[string][]string {
	t.Helper()
	ring, err := secrets.New(proofKey)
	if err != nil {
		t.Fatal(err)
	}
	tenants, err := a.Hub().TenantList(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]string{}
	for _, tn := range tenants {
		// The binding package secrets wraps a tenant's data key with: a
		// change there fails here, it cannot pass unnoticed.
		key, err := ring.Open(tn.DataKey, "tenant-dek/"+tn.ID)
		if err != nil || len(key) != 32 {
			t.Fatalf("tenant %s: its data key does not unwrap (%d bytes): %v", tn.ID, len(key), err)
		}
		out["the data key of tenant "+tn.ID] = forms(string(key))
	}
	if len(out) < 2 {
		t.Fatalf("%d tenants hold a data key; want the default tenant and acme", len(out))
	}
	return out
}

// forms are what a secret looks like wherever it could leak: as it is,
// URL-encoded, JSON-escaped, in hex, and in base64 (standard and URL
// alphabets, padded or not) at each of the three offsets it can have
// inside a longer encoded text, such as user:password in a Basic header.
func forms(s string) []string {
	j, _ := json.Marshal(s)
	out := []string{s, url.QueryEscape(s), url.PathEscape(s), string(j[1 : len(j)-1]), hex.EncodeToString([]byte(s))}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding} {
		for k := range 3 {
			b := enc.EncodeToString(append(make([]byte, k), s...))
			start, end := 0, 4*((k+len(s))/3)
			if k > 0 {
				start = 4 // the first quantum mixes in what came before
			}
			out = append(out, b[start:end])
		}
	}
	return out
}

// startEmulators serves every registered emulator, with a few alerts
// each, and returns them with their root URL.
func startEmulators(t *testing.T) (*registry.Set, string) {
	t.Helper()
	vs, err := registry.Vendors()
	if err != nil {
		t.Fatal(err)
	}
	alerts := map[string]int{}
	for _, v := range vs {
		alerts[v.Kind] = 6
	}
	set, err := registry.Start(registry.Options{Alerts: alerts, WorldSeed: 17, Unlimited: true})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(set.Handler())
	t.Cleanup(srv.Close)
	return set, srv.URL
}

// proxy is an HTTP forward proxy that wants proofProxyPass.
type proxy struct {
	url   string
	calls atomic.Int64
}

func startProxy(t *testing.T) *proxy {
	t.Helper()
	p := &proxy{}
	want := "Basic " + base64.StdEncoding.EncodeToString([]byte("hub:"+proofProxyPass))
	fwd := &httputil.ReverseProxy{Rewrite: func(pr *httputil.ProxyRequest) {
		pr.Out.URL = pr.In.URL
		pr.Out.Host = pr.In.Host
	}}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Proxy-Authorization") != want {
			w.WriteHeader(http.StatusProxyAuthRequired)
			return
		}
		p.calls.Add(1)
		fwd.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	p.url = "http://hub:" + proofProxyPass + "@" + strings.TrimPrefix(srv.URL, "http://")
	return p
}

// receiver takes the push intake's write-backs, with proofWriteback.
type receiver struct {
	*httptest.Server
	writes atomic.Int64
}

func startReceiver(t *testing.T) *receiver {
	t.Helper()
	r := &receiver{}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if req.Header.Get("Authorization") != "Bearer "+proofWriteback {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		_, _ = io.Copy(io.Discard, req.Body)
		r.writes.Add(1)
	}))
	t.Cleanup(r.Close)
	return r
}

// logCapture holds every line the hub and the process's default loggers
// write during the test, at debug level.
type logCapture struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (c *logCapture) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.buf.Write(p)
}

func (c *logCapture) logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(c, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

func (c *logCapture) bytes() []byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	return bytes.Clone(c.buf.Bytes())
}

func captureLogs(t *testing.T) *logCapture {
	t.Helper()
	c := &logCapture{}
	prev, prevOut, prevFlags := slog.Default(), log.Writer(), log.Flags()
	slog.SetDefault(c.logger()) // the log package's default logger follows
	t.Cleanup(func() {
		slog.SetDefault(prev)
		log.SetOutput(prevOut)
		log.SetFlags(prevFlags)
	})
	return c
}
