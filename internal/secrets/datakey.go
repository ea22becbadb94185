package secrets

import (
	"bytes"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"

	"golang.org/x/crypto/chacha20poly1305"
)

// Envelope encryption: each tenant's secrets are sealed with the tenant's
// own data key (DEK), 32 random bytes, and only the DEK is sealed
// ("wrapped") with the master keyring. Rotating the master key rewraps
// each DEK, a few bytes per tenant, and no secret needs sealing again;
// destroying a tenant's wrapped DEK makes everything sealed with it
// unreadable, copies and backups included (crypto-shredding).

// dataKeyPrefix starts every blob a data key sealed, so a blob says which
// scheme sealed it: without it, the master keyring sealed it directly
// (the scheme from before data keys).
var dataKeyPrefix = []byte("dk1\x00")

// DataKey is a tenant's data key in clear. It never prints, logs or
// encodes its bytes: every fmt verb, slog and JSON show a placeholder.
type DataKey struct {
	key []byte
}

// NewDataKey generates a random data key.
func NewDataKey() (*DataKey, error) {
	key := make([]byte, chacha20poly1305.KeySize)
	if _, err := rand.Read(key); err != nil {
		return nil, fmt.Errorf("generate data key: %w", err)
	}
	return &DataKey{key: key}, nil
}

const redacted = "[data key]"

// Format writes a placeholder whatever the verb, so a key passed to a
// log or error format by mistake does not leak.
func (*DataKey) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, redacted) }

// String is the placeholder.
func (*DataKey) String() string { return redacted }

// LogValue is the placeholder, for slog.
func (*DataKey) LogValue() slog.Value { return slog.StringValue(redacted) }

// MarshalText is the placeholder, for JSON and other encoders.
func (*DataKey) MarshalText() ([]byte, error) { return []byte(redacted), nil }

// dataKeyAAD binds a wrapped data key to its tenant, so a wrapped key
// copied onto another tenant's row does not unwrap.
func dataKeyAAD(tenant string) string { return "tenant-dek/" + tenant }

// WrapDataKey seals dk with the keyring's current key, bound to tenant.
func (k *Keyring) WrapDataKey(dk *DataKey, tenant string) ([]byte, error) {
	out, err := k.Seal(dk.key, dataKeyAAD(tenant))
	if err != nil {
		return nil, fmt.Errorf("wrap data key: %w", err)
	}
	return out, nil
}

// UnwrapDataKey opens a data key WrapDataKey sealed for tenant, with
// whichever of the keyring's keys sealed it. A wrapped key none opens is
// ErrNoKey.
func (k *Keyring) UnwrapDataKey(wrapped []byte, tenant string) (*DataKey, error) {
	key, err := k.Open(wrapped, dataKeyAAD(tenant))
	if err != nil {
		return nil, fmt.Errorf("unwrap data key: %w", err)
	}
	if len(key) != chacha20poly1305.KeySize {
		return nil, fmt.Errorf("unwrap data key: %d bytes, want %d", len(key), chacha20poly1305.KeySize)
	}
	return &DataKey{key: key}, nil
}

// RewrapDataKey returns the wrapped key sealed with the current key: as
// it is when the current key sealed it (changed is false), else wrapped
// anew. The data key itself does not change.
func (k *Keyring) RewrapDataKey(wrapped []byte, tenant string) (out []byte, changed bool, err error) {
	out, changed, err = k.Reseal(wrapped, dataKeyAAD(tenant))
	if err != nil {
		return nil, false, fmt.Errorf("rewrap data key: %w", err)
	}
	return out, changed, nil
}

// Seal encrypts plaintext with the data key, bound to aad, behind the
// data-key prefix.
func (dk *DataKey) Seal(plaintext []byte, aad string) ([]byte, error) {
	aead, err := chacha20poly1305.NewX(dk.key)
	if err != nil {
		return nil, fmt.Errorf("init cipher: %w", err)
	}
	n := len(dataKeyPrefix)
	out := make([]byte, n+aead.NonceSize(), n+aead.NonceSize()+len(plaintext)+aead.Overhead())
	copy(out, dataKeyPrefix)
	nonce := out[n:]
	if _, err := rand.Read(nonce); err != nil {
		return nil, fmt.Errorf("generate nonce: %w", err)
	}
	return aead.Seal(out, nonce, plaintext, []byte(aad)), nil
}

// Open decrypts a blob Seal made with the same data key and aad; any
// other blob is ErrNoKey.
func (dk *DataKey) Open(blob []byte, aad string) ([]byte, error) {
	if !SealedByDataKey(blob) {
		return nil, ErrNoKey
	}
	blob = blob[len(dataKeyPrefix):]
	if len(blob) < chacha20poly1305.NonceSizeX {
		return nil, errors.New("open secret: blob too short")
	}
	aead, err := chacha20poly1305.NewX(dk.key)
	if err != nil {
		return nil, fmt.Errorf("init cipher: %w", err)
	}
	out, err := aead.Open(nil, blob[:chacha20poly1305.NonceSizeX], blob[chacha20poly1305.NonceSizeX:], []byte(aad))
	if err != nil {
		return nil, ErrNoKey
	}
	return out, nil
}

// SealedByDataKey reports whether blob carries the data-key prefix. A
// blob the master keyring sealed starts with a random nonce, so one in
// 2^32 carries it too: Envelope.Open falls back to the keyring when the
// data key does not open a prefixed blob.
func SealedByDataKey(blob []byte) bool { return bytes.HasPrefix(blob, dataKeyPrefix) }

// Envelope seals one tenant's secrets with its data key and opens them,
// and opens too what the master keyring sealed before the tenant had a
// data key. Key is nil for a tenant without one yet: Open then reads
// only the keyring's blobs, and Seal fails.
type Envelope struct {
	Ring *Keyring
	Key  *DataKey
}

// ErrNoDataKey is Seal's error for an Envelope without a data key.
var ErrNoDataKey = errors.New("seal secret: the tenant has no data key")

// Seal seals plaintext with the data key.
func (e Envelope) Seal(plaintext []byte, aad string) ([]byte, error) {
	if e.Key == nil {
		return nil, ErrNoDataKey
	}
	return e.Key.Seal(plaintext, aad)
}

// Open opens a blob the data key sealed, or the keyring did. A blob
// neither opens is ErrNoKey.
func (e Envelope) Open(blob []byte, aad string) ([]byte, error) {
	out, _, err := e.open(blob, aad)
	return out, err
}

// open is Open that also says whether the data key opened the blob.
func (e Envelope) open(blob []byte, aad string) ([]byte, bool, error) {
	if e.Key != nil && SealedByDataKey(blob) {
		if out, err := e.Key.Open(blob, aad); err == nil {
			return out, true, nil
		}
	}
	out, err := e.Ring.Open(blob, aad)
	return out, false, err
}

// Reseal returns the blob sealed with the data key: the blob itself when
// the data key sealed it (changed is false), else, a blob the keyring
// sealed, its plaintext sealed with the data key.
func (e Envelope) Reseal(blob []byte, aad string) (out []byte, changed bool, err error) {
	plain, byKey, err := e.open(blob, aad)
	if err != nil {
		return nil, false, err
	}
	if byKey {
		return blob, false, nil
	}
	out, err = e.Seal(plain, aad)
	return out, err == nil, err
}
