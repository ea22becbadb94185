package httpkit

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alertsync/alertsync/internal/config"
	"github.com/alertsync/alertsync/internal/connector"
)

// testSign is a vendor-style signature: a 16-byte hex nonce, the time in
// milliseconds, and sha256(key + nonce + time) in Authorization.
func testSign(key string) SignFunc {
	return func(req *http.Request, at time.Time, random io.Reader) error {
		b := make([]byte, 16)
		if _, err := io.ReadFull(random, b); err != nil {
			return err
		}
		nonce, ts := hex.EncodeToString(b), strconv.FormatInt(at.UnixMilli(), 10)
		sum := sha256.Sum256([]byte(key + nonce + ts))
		req.Header.Set("X-Nonce", nonce)
		req.Header.Set("X-Timestamp", ts)
		req.Header.Set("Authorization", hex.EncodeToString(sum[:]))
		return nil
	}
}

// countingReader yields bytes that differ on every read, so two nonces
// drawn from it differ.
type countingReader struct {
	mu sync.Mutex
	n  byte
}

func (r *countingReader) Read(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for i := range p {
		r.n++
		p[i] = r.n
	}
	return len(p), nil
}

func TestSignedSignsEveryRequestAfresh(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	auth := Signed{Sign: testSign("k3y"), Secrets: []config.Secret{config.NewSecret("k3y")},
		Now: func() time.Time { return at }, Random: &countingReader{}}
	var nonces []string
	var mu sync.Mutex
	c, _ := setup(t, Options{Auth: auth}, func(w http.ResponseWriter, r *http.Request) {
		nonce, ts := r.Header.Get("X-Nonce"), r.Header.Get("X-Timestamp")
		sum := sha256.Sum256([]byte("k3y" + nonce + ts))
		mu.Lock()
		nonces = append(nonces, nonce)
		first := len(nonces) == 1
		mu.Unlock()
		if ts != strconv.FormatInt(at.UnixMilli(), 10) || r.Header.Get("Authorization") != hex.EncodeToString(sum[:]) {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		if first { // the first signature is refused: the Client signs again
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		_, _ = w.Write([]byte(`{}`))
	})
	if err := c.SendJSON(t.Context(), http.MethodPost, "call", map[string]any{"request_data": map[string]any{}}, nil); err != nil {
		t.Fatal(err)
	}
	if len(nonces) != 2 || nonces[0] == nonces[1] || nonces[0] == "" {
		t.Errorf("nonces %q: want two requests with two different nonces", nonces)
	}
	auth.Invalidate() // a no-op, but part of the Auth contract
}

func TestSignedKeysAreRedacted(t *testing.T) {
	t.Parallel()
	const key = "advanced-key-0123456789"
	auth := Signed{Sign: testSign(key), Secrets: []config.Secret{config.NewSecret(key)}}
	c, _ := setup(t, Options{Auth: auth}, func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusForbidden)
		_, _ = w.Write([]byte(`{"reply":{"err_code":403,"err_msg":"key ` + key + ` lacks a role"}}`))
	})
	err := c.SendJSON(t.Context(), http.MethodPost, "call", map[string]any{}, nil)
	if connector.ClassOf(err) != connector.ClassAuth {
		t.Fatalf("err %v, want auth", err)
	}
	if strings.Contains(err.Error(), key) {
		t.Errorf("error carries the key: %v", err)
	}
}

func TestSignedFailures(t *testing.T) {
	t.Parallel()
	broken := errors.New("no entropy")
	tests := []struct {
		name string
		auth Signed
	}{
		{"no sign function", Signed{}},
		{"sign fails", Signed{Sign: func(*http.Request, time.Time, io.Reader) error { return broken }}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, _ := setup(t, Options{Auth: tt.auth}, func(w http.ResponseWriter, r *http.Request) {
				t.Error("an unsigned request was sent")
			})
			err := c.SendJSON(t.Context(), http.MethodPost, "call", map[string]any{}, nil)
			if err == nil || connector.ClassOf(err) != connector.ClassRetryable {
				t.Errorf("err %v, want a retryable error before anything is sent", err)
			}
		})
	}
}
