// Package secrets encrypts integration credentials at rest with
// XChaCha20-Poly1305. The key comes from the environment, a key file, or is
// generated once into the data dir with owner-only permissions.
//
// Key material holds one key per line: the first is the current key,
// which seals; the others are previous keys, which still open what they
// sealed. Rotating the key is putting a new one first, keeping the old
// one on the next line until everything stored was sealed again with the
// new one (Reseal, `alertsync secrets rotate`), then dropping it.
//
// The keyring is the master key of an envelope scheme (datakey.go): it
// seals each tenant's data key, and the data keys seal the secrets.
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

// Keyring seals with its current key and opens with any of its keys. The
// zero value is not usable.
type Keyring struct {
	keys [][]byte // keys[0] is the current key
}

// ErrNoKey is Open's error when none of the keyring's keys opens a blob:
// it was sealed with a key no longer configured, or it was tampered with.
var ErrNoKey = errors.New("open secret: no configured key opens it (wrong key or tampered data)")

// New derives a Keyring from key material, one key per line (blank lines
// are skipped), the current key first. A key of 32 bytes in base64 is used
// as is; anything else (a passphrase) goes through HKDF-SHA256 with a
// fixed label.
func New(material string) (*Keyring, error) {
	var k Keyring
	for i, line := range strings.Split(material, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		key, err := derive(line)
		if err != nil {
			return nil, fmt.Errorf("secret key on line %d: %w", i+1, err)
		}
		k.keys = append(k.keys, key)
	}
	if len(k.keys) == 0 {
		return nil, errors.New("secret key is empty")
	}
	return &k, nil
}

func derive(material string) ([]byte, error) {
	if len(material) < 16 {
		return nil, errors.New("secret key must be at least 16 characters")
	}
	if raw, err := base64.StdEncoding.DecodeString(material); err == nil && len(raw) == chacha20poly1305.KeySize {
		return raw, nil
	}
	key := make([]byte, chacha20poly1305.KeySize)
	r := hkdf.New(sha256.New, []byte(material), nil, []byte("alertsync secrets v1"))
	if _, err := r.Read(key); err != nil {
		return nil, fmt.Errorf("derive secret key: %w", err)
	}
	return key, nil
}

// Previous is how many previous keys the keyring holds beside its
// current one.
func (k *Keyring) Previous() int { return len(k.keys) - 1 }

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
	enc, err := newKey()
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(keyFile), 0o700); err != nil {
		return nil, fmt.Errorf("create key dir: %w", err)
	}
	if err := os.WriteFile(keyFile, []byte(enc+"\n"), 0o600); err != nil {
		return nil, fmt.Errorf("write secret key file: %w", err)
	}
	return New(enc)
}

// newKey is a fresh random key, in base64.
func newKey() (string, error) {
	raw := make([]byte, chacha20poly1305.KeySize)
	if _, err := rand.Read(raw); err != nil {
		return "", fmt.Errorf("generate secret key: %w", err)
	}
	return base64.StdEncoding.EncodeToString(raw), nil
}

// Seal encrypts plaintext with the current key, bound to aad (the
// integration id), so a blob copied onto another row does not decrypt.
func (k *Keyring) Seal(plaintext []byte, aad string) ([]byte, error) {
	aead, err := chacha20poly1305.NewX(k.keys[0])
	if err != nil {
		return nil, fmt.Errorf("init cipher: %w", err)
	}
	nonce := make([]byte, aead.NonceSize(), aead.NonceSize()+len(plaintext)+aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return nil, fmt.Errorf("generate nonce: %w", err)
	}
	return aead.Seal(nonce, nonce, plaintext, []byte(aad)), nil
}

// Open decrypts a blob made by Seal with the same aad, with whichever of
// the keyring's keys sealed it.
func (k *Keyring) Open(blob []byte, aad string) ([]byte, error) {
	out, _, err := k.open(blob, aad)
	return out, err
}

// open is Open that also says which key opened the blob (0: the current).
func (k *Keyring) open(blob []byte, aad string) ([]byte, int, error) {
	if len(blob) < chacha20poly1305.NonceSizeX {
		return nil, 0, errors.New("open secret: blob too short")
	}
	nonce, sealed := blob[:chacha20poly1305.NonceSizeX], blob[chacha20poly1305.NonceSizeX:]
	for i, key := range k.keys {
		aead, err := chacha20poly1305.NewX(key)
		if err != nil {
			return nil, 0, fmt.Errorf("init cipher: %w", err)
		}
		if out, err := aead.Open(nil, nonce, sealed, []byte(aad)); err == nil {
			return out, i, nil
		}
	}
	return nil, 0, ErrNoKey
}

// Reseal returns the blob sealed with the current key: the blob itself
// when the current key sealed it (changed is false), else its plaintext
// sealed anew. A blob no key opens is ErrNoKey.
func (k *Keyring) Reseal(blob []byte, aad string) (out []byte, changed bool, err error) {
	plain, which, err := k.open(blob, aad)
	if err != nil {
		return nil, false, err
	}
	if which == 0 {
		return blob, false, nil
	}
	out, err = k.Seal(plain, aad)
	return out, err == nil, err
}

// AddKey generates a new key and writes it first into keyFile, keeping
// the keys the file held as previous ones, and returns the new keyring.
// The file is replaced in one rename, owner-only, so a crash leaves
// either the old file or the new one.
func AddKey(keyFile string) (*Keyring, error) {
	old, err := os.ReadFile(keyFile)
	if err != nil {
		return nil, fmt.Errorf("read secret key file: %w", err)
	}
	if _, err := New(string(old)); err != nil {
		return nil, err
	}
	enc, err := newKey()
	if err != nil {
		return nil, err
	}
	material := enc + "\n" + strings.TrimSpace(string(old)) + "\n"
	if err := replaceFile(keyFile, material); err != nil {
		return nil, err
	}
	return New(material)
}

// DropPrevious rewrites keyFile with its current key only, once nothing
// stored needs the previous ones.
func DropPrevious(keyFile string) error {
	b, err := os.ReadFile(keyFile)
	if err != nil {
		return fmt.Errorf("read secret key file: %w", err)
	}
	if _, err := New(string(b)); err != nil {
		return err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if line = strings.TrimSpace(line); line != "" {
			return replaceFile(keyFile, line+"\n")
		}
	}
	return nil
}

// replaceFile writes content beside path and renames it over path.
func replaceFile(path, content string) error {
	f, err := os.CreateTemp(filepath.Dir(path), ".secret-key-*")
	if err != nil {
		return fmt.Errorf("write secret key file: %w", err)
	}
	defer func() { _ = os.Remove(f.Name()) }() // a no-op once renamed
	if err := f.Chmod(0o600); err != nil {
		_ = f.Close()
		return fmt.Errorf("write secret key file: %w", err)
	}
	if _, err := f.WriteString(content); err != nil {
		_ = f.Close()
		return fmt.Errorf("write secret key file: %w", err)
	}
	if err := f.Sync(); err != nil {
		_ = f.Close()
		return fmt.Errorf("write secret key file: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write secret key file: %w", err)
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return fmt.Errorf("replace secret key file: %w", err)
	}
	return nil
}
