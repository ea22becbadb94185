package cortexxdr

import (
	"fmt"
	"net/http"
	"time"

	"github.com/alertsync/alertsync/internal/emulators/emukit"
)

// errorReply is Cortex XDR's error envelope,
// {"reply":{"err_code":…,"err_msg":"…","err_extra":…}}. The messages below
// follow the wording seen in client libraries and issue threads; the exact
// texts are not published, so they are unconfirmed.
type errorReply struct {
	Reply struct {
		Code  int    `json:"err_code"`
		Msg   string `json:"err_msg"`
		Extra any    `json:"err_extra"`
	} `json:"reply"`
}

// Messages the emulator answers with.
const (
	msgUnauthorized = "Public API request unauthorized"
	msgBadRequest   = "Bad Request. Got an invalid JSON."
	msgServerError  = "An error occurred while processing XDR public API"
	msgThrottled    = "Too many requests. Please try again later."
	msgNotFound     = "The requested API was not found"
)

func (e *Emulator) writeError(w http.ResponseWriter, r *http.Request, status int, msg string, extra any) {
	var body errorReply
	body.Reply.Code, body.Reply.Msg, body.Reply.Extra = status, msg, extra
	e.log.DebugContext(r.Context(), "cortex xdr error", "status", status, "msg", msg, "extra", extra)
	emukit.WriteJSON(w, status, body)
}

// badRequest answers 400 with the vendor's invalid-request message and
// what exactly was wrong in err_extra.
func (e *Emulator) badRequest(w http.ResponseWriter, r *http.Request, format string, args ...any) {
	e.writeError(w, r, http.StatusBadRequest, msgBadRequest, fmt.Sprintf(format, args...))
}

// errorWriter lets emukit's fault and rate-limit middleware answer in
// Cortex XDR's envelope.
type errorWriter struct{ e *Emulator }

// WriteUnauthorized answers a refused API key.
func (ew errorWriter) WriteUnauthorized(w http.ResponseWriter, r *http.Request, _ emukit.AuthFailure) {
	ew.e.writeError(w, r, http.StatusUnauthorized, msgUnauthorized, nil)
}

// WriteThrottled answers 429 with Retry-After. Cortex XDR documents
// neither its throttling answer nor a retry header (unconfirmed); the
// emulator sends the standard Retry-After in seconds.
func (ew errorWriter) WriteThrottled(w http.ResponseWriter, r *http.Request, retryAfter time.Duration) {
	emukit.SetRetryAfter(w, retryAfter)
	ew.e.writeError(w, r, http.StatusTooManyRequests, msgThrottled, nil)
}

// WriteServerError answers a request failed on purpose.
func (ew errorWriter) WriteServerError(w http.ResponseWriter, r *http.Request, status int) {
	ew.e.writeError(w, r, status, msgServerError, nil)
}
