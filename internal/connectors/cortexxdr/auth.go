package cortexxdr

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/alertsync/alertsync/internal/config"
	"github.com/alertsync/alertsync/internal/connector/httpkit"
)

// Cortex XDR's authentication headers ("Get Started with Cortex XDR
// APIs"; demisto CortexXDRIR get_headers).
const (
	headerAuthID    = "x-xdr-auth-id"
	headerNonce     = "x-xdr-nonce"
	headerTimestamp = "x-xdr-timestamp"
)

// nonceLen and nonceAlphabet: an advanced request's nonce is 64 random
// letters and digits.
const (
	nonceLen      = 64
	nonceAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
)

// newAuth returns the Auth for the key type. Both go through
// httpkit.Signed so the key is redacted from every error the same way; a
// standard key is simply "signed" with itself.
func newAuth(keyType, keyID string, key config.Secret, now func() time.Time) httpkit.Auth {
	sign := signStandard(keyID, key)
	if keyType == KeyAdvanced {
		sign = signAdvanced(keyID, key)
	}
	return httpkit.Signed{Sign: sign, Secrets: []config.Secret{key}, Now: now}
}

// signStandard sends the key itself with its id.
func signStandard(keyID string, key config.Secret) httpkit.SignFunc {
	return func(req *http.Request, _ time.Time, _ io.Reader) error {
		req.Header.Set(headerAuthID, keyID)
		req.Header.Set("Authorization", key.Reveal())
		return nil
	}
}

// signAdvanced sends a fresh nonce, the time in epoch milliseconds and
// hex(sha256(key + nonce + timestamp)); the key never travels.
func signAdvanced(keyID string, key config.Secret) httpkit.SignFunc {
	return func(req *http.Request, at time.Time, random io.Reader) error {
		nonce, err := newNonce(random)
		if err != nil {
			return err
		}
		ts := strconv.FormatInt(at.UnixMilli(), 10)
		req.Header.Set(headerAuthID, keyID)
		req.Header.Set(headerNonce, nonce)
		req.Header.Set(headerTimestamp, ts)
		req.Header.Set("Authorization", signature(key.Reveal(), nonce, ts))
		return nil
	}
}

func signature(key, nonce, ts string) string {
	sum := sha256.Sum256([]byte(key + nonce + ts))
	return hex.EncodeToString(sum[:])
}

// newNonce draws nonceLen characters of nonceAlphabet from random,
// rejecting bytes past the last whole multiple of the alphabet so every
// character is equally likely.
func newNonce(random io.Reader) (string, error) {
	const limit = 256 - 256%len(nonceAlphabet)
	out := make([]byte, 0, nonceLen)
	buf := make([]byte, nonceLen)
	for len(out) < nonceLen {
		if _, err := io.ReadFull(random, buf); err != nil {
			return "", fmt.Errorf("draw nonce: %w", err)
		}
		for _, b := range buf {
			if int(b) < limit && len(out) < nonceLen {
				out = append(out, nonceAlphabet[int(b)%len(nonceAlphabet)])
			}
		}
	}
	return string(out), nil
}
