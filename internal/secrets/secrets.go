// Package secrets encrypts integration credentials at rest with
// XChaCha20-Poly1305. The key comes from the environment, a key file, or is
// generated once into the data dir with owner-only permissions.
package secrets

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/crypto/chacha20poly1305"
	"golang.org/x/crypto/hkdf"
)

// Keyring seals and opens secret blobs. The zero value is not usable.
type Keyring struct {
	key []byte
}

// New derives a Keyring from key material: 32 bytes base64 are used as is,
// anything else (a passphrase) goes through HKDF-SHA256 with a fixed label.
func New(material string) (*Keyring, error) {
	material = strings.TrimSpace(material)
	if len(material) < 16 {
		return nil, errors.New("secret key must be at least 16 characters")
	}
	if raw, err := base64.StdEncoding.DecodeString(material); err == nil && len(raw) == chacha20poly1305.KeySize {
		return &Keyring{key: raw}, nil
	}
	key := make([]byte, chacha20poly1305.KeySize)
	r := hkdf.New(sha256.New, []byte(material), nil, []byte("alertsync secrets v1"))
	if _, err := r.Read(key); err != nil {
		return nil, fmt.Errorf("derive secret key: %w", err)
	}
	return &Keyring{key: key}, nil
}

// LoadOrCreate returns a Keyring from material if set, else from keyFile if
// it exists, else it writes a new random key to keyFile (mode 0600).
func LoadOrCreate(material, keyFile string) (*Keyring, error) {
	if material != "" {
		return New(material)
	}
	b, err := os.ReadFile(keyFile)
	if err == nil {
		return New(string(b))
	}
	if !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("read secret key file: %w", err)
	}
	raw := make([]byte, chacha20poly1305.KeySize)
	if _, err := rand.Read(raw); err != nil {
		return nil, fmt.Errorf("generate secret key: %w", err)
	}
	enc := base64.StdEncoding.EncodeToString(raw)
	if err := os.MkdirAll(filepath.Dir(keyFile), 0o700); err != nil {
		return nil, fmt.Errorf("create key dir: %w", err)
	}
	if err := os.WriteFile(keyFile, []byte(enc+"\n"), 0o600); err != nil {
		return nil, fmt.Errorf("write secret key file: %w", err)
	}
	return New(enc)
}

// Seal encrypts plaintext bound to aad (the integration id), so a blob
// copied onto another row does not decrypt.
func (k *Keyring) Seal(plaintext []byte, aad string) ([]byte, error) {
	aead, err := chacha20poly1305.NewX(k.key)
	if err != nil {
		return nil, fmt.Errorf("init cipher: %w", err)
	}
	nonce := make([]byte, aead.NonceSize(), aead.NonceSize()+len(plaintext)+aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return nil, fmt.Errorf("generate nonce: %w", err)
	}
	return aead.Seal(nonce, nonce, plaintext, []byte(aad)), nil
}

// Open decrypts a blob made by Seal with the same aad.
func (k *Keyring) Open(blob []byte, aad string) ([]byte, error) {
	aead, err := chacha20poly1305.NewX(k.key)
	if err != nil {
		return nil, fmt.Errorf("init cipher: %w", err)
	}
	if len(blob) < aead.NonceSize() {
		return nil, errors.New("open secret: blob too short")
	}
	out, err := aead.Open(nil, blob[:aead.NonceSize()], blob[aead.NonceSize():], []byte(aad))
	if err != nil {
		return nil, errors.New("open secret: wrong key or tampered data")
	}
	return out, nil
}
