package cortexxdr

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/alertsync/alertsync/internal/config"
	"github.com/alertsync/alertsync/internal/connector"
	xdremu "github.com/alertsync/alertsync/internal/emulators/cortexxdr"
)

// TestAdvancedSignature checks the headers of signed requests: a fresh
// 64-character nonce each time, the signing time in epoch milliseconds
// and sha256(key + nonce + timestamp); the emulator accepts them.
func TestAdvancedSignature(t *testing.T) {
	t.Parallel()
	e := setup(t, 2, nil)
	for range 2 {
		if err := e.conn.Health(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	reqs := e.emu.Recorder().Requests()
	if len(reqs) != 2 {
		t.Fatalf("%d requests, want 2", len(reqs))
	}
	nonceRe := regexp.MustCompile(`^[A-Za-z0-9]{64}$`)
	var nonces []string
	for _, r := range reqs {
		nonce, ts := r.Header.Get(headerNonce), r.Header.Get(headerTimestamp)
		if !nonceRe.MatchString(nonce) || ts != strconv.FormatInt(e.clock.Now().UnixMilli(), 10) ||
			r.Header.Get(headerAuthID) != xdremu.DefaultAdvancedKeyID || r.Status != http.StatusOK {
			t.Errorf("request headers nonce %q timestamp %q id %q answered %d", nonce, ts, r.Header.Get(headerAuthID), r.Status)
		}
		nonces = append(nonces, nonce)
	}
	if nonces[0] == nonces[1] {
		t.Error("two requests share a nonce")
	}
	// The recorder drops Authorization; the signature is checked directly.
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, "http://x.test", nil)
	at := time.UnixMilli(1700000000123)
	if err := signAdvanced("8", config.NewSecret("k"))(req, at, rand.Reader); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256([]byte("k" + req.Header.Get(headerNonce) + "1700000000123"))
	if want := hex.EncodeToString(sum[:]); req.Header.Get("Authorization") != want || req.Header.Get(headerTimestamp) != "1700000000123" {
		t.Errorf("Authorization %q, want %q", req.Header.Get("Authorization"), want)
	}
}

// TestAuthRefused checks what the vendor refuses: a stale timestamp (the
// host's clock ten minutes off) and a key used as the other type. Each is
// an auth error carrying the vendor's message and never the key.
func TestAuthRefused(t *testing.T) {
	t.Parallel()
	e := setup(t, 2, nil)
	stale := func() time.Time { return e.clock.Now().Add(-10 * time.Minute) }
	tests := []struct {
		name  string
		extra map[string]any
		now   func() time.Time
	}{
		{"stale timestamp", nil, stale},
		{"advanced key sent as standard", map[string]any{"key_type": KeyStandard}, e.clock.Now},
		{"standard key signed as advanced", map[string]any{"api_key_id": xdremu.DefaultStandardKeyID, "api_key": xdremu.DefaultStandardKey}, e.clock.Now},
	}
	for _, tt := range tests {
		c := e.buildAt(t, nil, tt.extra, tt.now).(connector.HealthChecker)
		err := c.Health(t.Context())
		if connector.ClassOf(err) != connector.ClassAuth || !strings.Contains(err.Error(), "Public API request unauthorized") {
			t.Errorf("%s: err %v, want auth with the vendor's message", tt.name, err)
		}
		if err != nil && (strings.Contains(err.Error(), xdremu.DefaultAdvancedKey) || strings.Contains(err.Error(), xdremu.DefaultStandardKey)) {
			t.Errorf("%s: error carries a key", tt.name)
		}
	}
	std := e.buildAt(t, nil, map[string]any{"api_key_id": xdremu.DefaultStandardKeyID, "api_key": xdremu.DefaultStandardKey, "key_type": KeyStandard}, stale)
	if err := std.(connector.HealthChecker).Health(t.Context()); err != nil {
		t.Errorf("standard key (no timestamp to be stale): %v", err)
	}
}

func TestConfig(t *testing.T) {
	t.Parallel()
	base := map[string]any{"base_url": "https://api-mytenant.xdr.us.paloaltonetworks.com/", "api_key_id": "7", "api_key": "k"}
	c, err := connector.Build(Kind, connector.Deps{ID: "x"}, base)
	if err != nil {
		t.Fatal(err)
	}
	inc := c.(*Incidents)
	if inc.cfg.KeyType != KeyAdvanced || inc.cfg.RequestsPerMinute != defaultRequestsPerMinute || inc.pageSize != maxPage ||
		inc.s.base != "https://api-mytenant.xdr.us.paloaltonetworks.com" || inc.s.overlap != 5*time.Minute {
		t.Errorf("defaults: %+v %+v", inc.cfg, inc.s)
	}
	if inc.MaxBatch() != 100 {
		t.Errorf("MaxBatch %d, want update_alerts' 100", inc.MaxBatch())
	}
	with := func(k string, v any) map[string]any {
		m := map[string]any{}
		for k, v := range base {
			m[k] = v
		}
		m[k] = v
		return m
	}
	if c, _ := connector.Build(Kind, connector.Deps{ID: "x"}, with("ingest_incidents", false)); c == nil {
		t.Fatal("build without incidents failed")
	} else if _, ok := c.(connector.IncidentSource); ok {
		t.Error("ingest_incidents false still polls incidents")
	}
	for field, v := range map[string]any{"page_size": 101, "key_type": "basic", "base_url": "api-x", "overlap": "-1m", "requests_per_minute": -1} {
		if _, err := connector.Build(Kind, connector.Deps{ID: "x"}, with(field, v)); err == nil || !strings.Contains(err.Error(), field) {
			t.Errorf("%s %v: err %v", field, v, err)
		}
	}
	if reg, _ := connector.Lookup(Kind); reg.Spec.Redact(with("api_key", "s3cret"))["api_key"] != "[REDACTED]" {
		t.Error("api_key is not redacted")
	}
}
