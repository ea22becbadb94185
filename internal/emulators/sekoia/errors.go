package sekoia

import (
	"net/http"
	"time"

	"github.com/alertsync/alertsync/internal/emulators/emukit"
)

// keyIssuer checks API keys for emukit's bearer middleware: Sekoia keys
// are static, sent as "Authorization: Bearer <key>", and never expire in
// the emulator (real ones do within a year).
type keyIssuer struct{ e *Emulator }

// Validate accepts a key the emulator knows; the key itself is the
// principal, so each key has its own rate budget.
func (k keyIssuer) Validate(token, _ string) (emukit.Principal, emukit.AuthFailure) {
	k.e.mu.Lock()
	defer k.e.mu.Unlock()
	if _, ok := k.e.keys[token]; !ok {
		return emukit.Principal{}, emukit.AuthInvalid
	}
	return emukit.Principal{ClientID: token, DisplayName: "api key"}, emukit.AuthOK
}

// Register mounts nothing: there is no token endpoint.
func (keyIssuer) Register(*http.ServeMux) {}

// errorWriter answers for emukit's middleware in the API's words.
type errorWriter struct{ e *Emulator }

// WriteUnauthorized answers a missing or unknown key [U: message].
func (ew errorWriter) WriteUnauthorized(w http.ResponseWriter, _ *http.Request, _ emukit.AuthFailure) {
	emukit.WriteJSON(w, http.StatusUnauthorized, errorBody{"Authentication failed"})
}

// WriteThrottled answers 429. Sekoia documents only "wait before
// retrying", so Retry-After goes out only when the wait is known [U].
func (ew errorWriter) WriteThrottled(w http.ResponseWriter, _ *http.Request, retryAfter time.Duration) {
	if retryAfter > 0 {
		emukit.SetRetryAfter(w, retryAfter)
	}
	emukit.WriteJSON(w, http.StatusTooManyRequests, errorBody{"Too many requests"})
}

// WriteServerError answers a failure injected on purpose.
func (ew errorWriter) WriteServerError(w http.ResponseWriter, _ *http.Request, status int) {
	emukit.WriteJSON(w, status, errorBody{http.StatusText(status)})
}

// fail4xx answers status with a message.
func (e *Emulator) fail4xx(w http.ResponseWriter, r *http.Request, status int, msg string) {
	e.log.DebugContext(r.Context(), "sekoia refusal", "status", status, "path", r.URL.Path, "message", msg)
	emukit.WriteJSON(w, status, errorBody{msg})
}

// need wraps h so that a key without perm is refused with 403, the
// swagger's "Insufficient permissions".
func (e *Emulator) need(perm string, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		p, _ := emukit.PrincipalFrom(r.Context())
		e.mu.Lock()
		ok := e.keys[p.ClientID][perm]
		e.mu.Unlock()
		if !ok {
			e.fail4xx(w, r, http.StatusForbidden, "Insufficient permissions")
			return
		}
		h(w, r)
	}
}
