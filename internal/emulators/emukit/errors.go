package emukit

import (
	"encoding/json"
	"net/http"
	"strconv"
	"time"
)

// AuthFailure says why a bearer token was refused, so an emulator can pick
// the message its vendor gives for that case.
type AuthFailure int

// Reasons a token is refused.
const (
	AuthOK            AuthFailure = iota
	AuthMissing                   // no Authorization header
	AuthMalformed                 // not "Bearer <token>"
	AuthInvalid                   // a token this issuer never issued
	AuthExpired                   // past its expiry
	AuthWrongAudience             // issued for another API
)

// String names the failure for logs and test messages.
func (f AuthFailure) String() string {
	switch f {
	case AuthOK:
		return "ok"
	case AuthMissing:
		return "missing"
	case AuthMalformed:
		return "malformed"
	case AuthInvalid:
		return "invalid"
	case AuthExpired:
		return "expired"
	case AuthWrongAudience:
		return "wrong audience"
	}
	return "unknown"
}

// ErrorWriter writes the vendor's own error answers. emukit middleware calls
// it; it never invents a body of its own for these cases.
type ErrorWriter interface {
	// WriteUnauthorized answers a request whose bearer token was refused.
	WriteUnauthorized(w http.ResponseWriter, r *http.Request, why AuthFailure)
	// WriteThrottled answers a request over budget; it must set Retry-After
	// (SetRetryAfter does) and write status 429 or the vendor's equivalent.
	WriteThrottled(w http.ResponseWriter, r *http.Request, retryAfter time.Duration)
	// WriteServerError answers a request failed on purpose with status.
	WriteServerError(w http.ResponseWriter, r *http.Request, status int)
}

// WriteJSON writes v as JSON with status. Encoding errors are ignored: the
// header is already sent and emulator values always encode.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// SetRetryAfter sets the Retry-After header in whole seconds, rounded up and
// never below one, the way Microsoft APIs send it.
func SetRetryAfter(w http.ResponseWriter, d time.Duration) {
	secs := int((d + time.Second - 1) / time.Second)
	if secs < 1 {
		secs = 1
	}
	w.Header().Set("Retry-After", strconv.Itoa(secs))
}
