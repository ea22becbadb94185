package cortexxdr

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"net/http"
	"regexp"
	"strconv"
	"time"
)

// KeyType is an API key's security level, chosen when the key is made in
// the Cortex XDR console.
type KeyType string

// Key types. A standard key travels as itself in Authorization; an
// advanced key never travels: each request carries a 64-character nonce,
// its time in epoch milliseconds and sha256(key + nonce + time) in hex.
const (
	Standard KeyType = "standard"
	Advanced KeyType = "advanced"
)

// Key is one API key: its id (x-xdr-auth-id), its value and its type.
type Key struct {
	ID    string
	Value string
	Type  KeyType
}

// The keys every emulator accepts unless Options.Keys says otherwise.
const (
	DefaultStandardKeyID = "7"
	DefaultStandardKey   = "emulator-standard-key-6Q2hX9vT4mKp8Rz1Lw5Nc3Yb7Gd0Fs"
	DefaultAdvancedKeyID = "8"
	DefaultAdvancedKey   = "emulator-advanced-key-Jx4Vn8Qe2Tk6Wm0Zr3Hy7Pb1Ls5Dc9"
)

// DefaultKeys are one key of each type.
func DefaultKeys() []Key {
	return []Key{
		{ID: DefaultStandardKeyID, Value: DefaultStandardKey, Type: Standard},
		{ID: DefaultAdvancedKeyID, Value: DefaultAdvancedKey, Type: Advanced},
	}
}

// DefaultSkew is how far an advanced request's timestamp may be from the
// emulator's clock. Cortex XDR refuses requests from clients whose clock
// is off (demisto's integration tells users to sync clocks on "API request
// Unauthorized") but publishes no window; five minutes is the common one
// and is unconfirmed.
const DefaultSkew = 5 * time.Minute

// Headers of an authenticated request.
const (
	headerAuthID    = "x-xdr-auth-id"
	headerNonce     = "x-xdr-nonce"
	headerTimestamp = "x-xdr-timestamp"
)

var nonceRe = regexp.MustCompile(`^[A-Za-z0-9]{64}$`)

// authenticate lets through only requests signed by a registered key the
// way its type requires, and answers every refusal with the same 401:
// the vendor does not say which check failed, so the reason is logged.
func (e *Emulator) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if why := e.checkKey(r); why != "" {
			e.log.DebugContext(r.Context(), "cortex xdr api key refused", "why", why)
			errorWriter{e}.WriteUnauthorized(w, r, 0)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// checkKey returns why the request's credentials are refused, or "".
func (e *Emulator) checkKey(r *http.Request) string {
	key, ok := e.keys[r.Header.Get(headerAuthID)]
	if !ok {
		return "unknown key id"
	}
	auth := r.Header.Get("Authorization")
	if key.Type == Standard {
		if !equal(auth, key.Value) {
			return "standard key: Authorization is not the key"
		}
		return ""
	}
	nonce, ts := r.Header.Get(headerNonce), r.Header.Get(headerTimestamp)
	if nonce == "" || ts == "" {
		return "advanced key used without a nonce and timestamp"
	}
	if !nonceRe.MatchString(nonce) {
		return "nonce is not 64 letters and digits"
	}
	ms, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return "timestamp is not epoch milliseconds"
	}
	now := e.clock.Now()
	if d := now.Sub(time.UnixMilli(ms)); d > e.opts.SkewWindow || d < -e.opts.SkewWindow {
		return "timestamp outside the accepted window"
	}
	sum := sha256.Sum256([]byte(key.Value + nonce + ts))
	if !equal(auth, hex.EncodeToString(sum[:])) {
		return "advanced key: signature does not match"
	}
	if !e.useNonce(nonce, now) {
		return "nonce used before"
	}
	return ""
}

func equal(a, b string) bool { return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1 }

// useNonce records a nonce and reports whether it was fresh. Nonces are
// forgotten once no timestamp that could carry them is accepted any more.
// Palo Alto documents the nonce as 64 random characters per request; that
// the service refuses a repeated one is unconfirmed [U] (neither the fact
// sheet nor the public clients say). The emulator refuses it, the stricter
// reading, since stopping a replayed signature is what a nonce is for.
func (e *Emulator) useNonce(nonce string, now time.Time) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	for n, at := range e.nonces {
		if now.Sub(at) > 2*e.opts.SkewWindow {
			delete(e.nonces, n)
		}
	}
	if _, used := e.nonces[nonce]; used {
		return false
	}
	e.nonces[nonce] = now
	return true
}

// keyOf keys per-key budgets by the key id.
func keyOf(r *http.Request) string { return "key:" + r.Header.Get(headerAuthID) }
