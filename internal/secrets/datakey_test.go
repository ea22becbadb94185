package secrets

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"golang.org/x/crypto/chacha20poly1305"
)

// setup is a keyring of one passphrase and a data key wrapped with it
// for tenant acme.
func setup(t *testing.T) (*Keyring, *DataKey, []byte) {
	t.Helper()
	ring, err := New("the master passphrase, long enough")
	if err != nil {
		t.Fatal(err)
	}
	dk, err := NewDataKey()
	if err != nil {
		t.Fatal(err)
	}
	wrapped, err := ring.WrapDataKey(dk, "acme")
	if err != nil {
		t.Fatal(err)
	}
	return ring, dk, wrapped
}

func TestDataKeyWrap(t *testing.T) {
	t.Parallel()
	ring, dk, wrapped := setup(t)
	if bytes.Contains(wrapped, dk.key) {
		t.Fatal("the wrapped key holds the key in clear")
	}
	other, _ := New("another master passphrase, long")
	tests := []struct {
		name    string
		ring    *Keyring
		wrapped []byte
		tenant  string
		ok      bool
	}{
		{"its tenant", ring, wrapped, "acme", true},
		{"another tenant's row", ring, wrapped, "globex", false},
		{"another master key", other, wrapped, "acme", false},
		{"tampered", ring, append(bytes.Clone(wrapped[:len(wrapped)-1]), wrapped[len(wrapped)-1]^1), "acme", false},
	}
	for _, tt := range tests {
		got, err := tt.ring.UnwrapDataKey(tt.wrapped, tt.tenant)
		switch {
		case tt.ok && (err != nil || !bytes.Equal(got.key, dk.key)):
			t.Errorf("%s: unwrap = %v; want the key", tt.name, err)
		case !tt.ok && !errors.Is(err, ErrNoKey):
			t.Errorf("%s: unwrap = %v; want ErrNoKey", tt.name, err)
		}
	}
}

func TestDataKeySealOpen(t *testing.T) {
	t.Parallel()
	_, dk, _ := setup(t)
	blob, err := dk.Seal([]byte("client-secret-value"), "acme/graph-1")
	if err != nil {
		t.Fatal(err)
	}
	if !SealedByDataKey(blob) || bytes.Contains(blob, []byte("client-secret-value")) {
		t.Fatalf("blob %q: no data-key prefix, or the plaintext in it", blob)
	}
	if got, err := dk.Open(blob, "acme/graph-1"); err != nil || string(got) != "client-secret-value" {
		t.Fatalf("Open = %q, %v", got, err)
	}
	other, _ := NewDataKey()
	for name, open := range map[string]func() ([]byte, error){
		"another row's aad":   func() ([]byte, error) { return dk.Open(blob, "acme/graph-2") },
		"another data key":    func() ([]byte, error) { return other.Open(blob, "acme/graph-1") },
		"no prefix":           func() ([]byte, error) { return dk.Open(blob[len(dataKeyPrefix):], "acme/graph-1") },
		"truncated":           func() ([]byte, error) { return dk.Open(blob[:len(dataKeyPrefix)+3], "acme/graph-1") },
		"the master keyring":  func() ([]byte, error) { r, _, _ := setup(t); return r.Open(blob, "acme/graph-1") },
		"tampered ciphertext": func() ([]byte, error) { b := bytes.Clone(blob); b[len(b)-1] ^= 1; return dk.Open(b, "acme/graph-1") },
	} {
		if got, err := open(); err == nil {
			t.Errorf("%s opened the blob: %q", name, got)
		}
	}
}

// TestEnvelope: a tenant's envelope seals with its data key, opens what
// the master keyring sealed before the tenant had one, and Reseal moves
// such a blob under the data key.
func TestEnvelope(t *testing.T) {
	t.Parallel()
	ring, dk, _ := setup(t)
	legacy, err := ring.Seal([]byte("old-secret"), "acme/graph-1")
	if err != nil {
		t.Fatal(err)
	}
	none := Envelope{Ring: ring}
	if got, err := none.Open(legacy, "acme/graph-1"); err != nil || string(got) != "old-secret" {
		t.Fatalf("Open of a keyring blob without a data key = %q, %v", got, err)
	}
	if _, err := none.Seal([]byte("x"), "acme/graph-1"); !errors.Is(err, ErrNoDataKey) {
		t.Fatalf("Seal without a data key = %v, want ErrNoDataKey", err)
	}
	env := Envelope{Ring: ring, Key: dk}
	resealed, changed, err := env.Reseal(legacy, "acme/graph-1")
	if err != nil || !changed || !SealedByDataKey(resealed) {
		t.Fatalf("Reseal of a keyring blob = changed %v, %v", changed, err)
	}
	if again, changed, err := env.Reseal(resealed, "acme/graph-1"); err != nil || changed || !bytes.Equal(again, resealed) {
		t.Fatalf("Reseal of a data-key blob = changed %v, %v; want it as it is", changed, err)
	}
	for name, blob := range map[string][]byte{"legacy": legacy, "resealed": resealed} {
		if got, err := env.Open(blob, "acme/graph-1"); err != nil || string(got) != "old-secret" {
			t.Errorf("Open of the %s blob = %q, %v", name, got, err)
		}
	}
	if _, err := ring.Open(resealed, "acme/graph-1"); !errors.Is(err, ErrNoKey) {
		t.Errorf("the master keyring alone opens a data-key blob: %v", err)
	}
	if _, err := none.Open(resealed, "acme/graph-1"); !errors.Is(err, ErrNoKey) {
		t.Errorf("an envelope without the data key opens a data-key blob: %v", err)
	}
	// A keyring blob whose random nonce happens to start like the prefix
	// still opens, through the fallback.
	nonce := append(bytes.Clone(dataKeyPrefix), legacy[len(dataKeyPrefix):chacha20poly1305.NonceSizeX]...)
	aead, err := chacha20poly1305.NewX(ring.keys[0])
	if err != nil {
		t.Fatal(err)
	}
	blob := aead.Seal(nonce, nonce, []byte("old-secret"), []byte("acme/graph-1"))
	if !SealedByDataKey(blob) {
		t.Fatal("the forged keyring blob does not carry the prefix")
	}
	if got, err := env.Open(blob, "acme/graph-1"); err != nil || string(got) != "old-secret" {
		t.Errorf("Open of a keyring blob that looks prefixed = %q, %v", got, err)
	}
}

// TestRewrapDataKey: after the master key is rotated, the wrapped key is
// sealed again with the new one and still unwraps to the same data key,
// which keeps opening what it sealed; the old master key alone no longer
// unwraps it.
func TestRewrapDataKey(t *testing.T) {
	t.Parallel()
	const oldKey, newKey = "the old master passphrase, long", "the new master passphrase, long"
	old, _ := New(oldKey)
	both, _ := New(newKey + "\n" + oldKey)
	newOnly, _ := New(newKey)
	dk, _ := NewDataKey()
	wrapped, err := old.WrapDataKey(dk, "acme")
	if err != nil {
		t.Fatal(err)
	}
	blob, _ := dk.Seal([]byte("s"), "acme/x")
	rewrapped, changed, err := both.RewrapDataKey(wrapped, "acme")
	if err != nil || !changed {
		t.Fatalf("RewrapDataKey = changed %v, %v", changed, err)
	}
	if _, changed, err := both.RewrapDataKey(rewrapped, "acme"); err != nil || changed {
		t.Fatalf("RewrapDataKey of a current wrap = changed %v, %v", changed, err)
	}
	got, err := newOnly.UnwrapDataKey(rewrapped, "acme")
	if err != nil {
		t.Fatal(err)
	}
	if plain, err := got.Open(blob, "acme/x"); err != nil || string(plain) != "s" {
		t.Errorf("the rewrapped key does not open what the data key sealed: %q, %v", plain, err)
	}
	if _, err := old.UnwrapDataKey(rewrapped, "acme"); !errors.Is(err, ErrNoKey) {
		t.Errorf("the old master key unwraps the rewrapped key: %v", err)
	}
	if _, _, err := newOnly.RewrapDataKey(wrapped, "acme"); !errors.Is(err, ErrNoKey) {
		t.Errorf("RewrapDataKey of a key no configured master key opens = %v, want ErrNoKey", err)
	}
}

// TestDataKeyNeverShows: a data key in a format string, a log line or
// JSON shows a placeholder, never its bytes.
func TestDataKeyNeverShows(t *testing.T) {
	t.Parallel()
	_, dk, _ := setup(t)
	var logged bytes.Buffer
	slog.New(slog.NewTextHandler(&logged, nil)).Info("k", "key", dk)
	js, err := json.Marshal(map[string]any{"key": dk})
	if err != nil {
		t.Fatal(err)
	}
	outs := []string{logged.String(), string(js)}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%x", "%X", "%q", "%d"} {
		outs = append(outs, fmt.Sprintf(verb, dk), fmt.Sprintf(verb, struct{ K *DataKey }{dk}))
	}
	hexKey := fmt.Sprintf("%x", dk.key)
	for _, out := range outs {
		if strings.Contains(out, hexKey) || bytes.Contains([]byte(out), dk.key) || strings.Contains(out, fmt.Sprintf("%d", dk.key)) {
			t.Errorf("the key shows in %q", out)
		}
		if !strings.Contains(out, redacted) {
			t.Errorf("no placeholder in %q", out)
		}
	}
}
