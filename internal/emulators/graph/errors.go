package graph

import (
	"fmt"
	"net/http"
	"time"

	"github.com/alertsync/alertsync/internal/emulators/emukit"
)

// odataError is Graph's error envelope.
type odataError struct {
	Error mainError `json:"error"`
}

type mainError struct {
	Code       string      `json:"code"`
	Message    string      `json:"message"`
	Details    *[]any      `json:"details,omitempty"`
	InnerError *innerError `json:"innerError,omitempty"`
}

type innerError struct {
	Code            string `json:"code,omitempty"`
	Date            string `json:"date"`
	Message         string `json:"message,omitempty"`
	RequestID       string `json:"request-id"`
	ClientRequestID string `json:"client-request-id,omitempty"`
	Status          string `json:"status,omitempty"`
}

func (e *Emulator) inner(r *http.Request) *innerError {
	rid := emukit.RequestID()
	crid := r.Header.Get("client-request-id")
	if crid == "" {
		crid = rid
	}
	return &innerError{Date: e.clock.Now().UTC().Format("2006-01-02T15:04:05"), RequestID: rid, ClientRequestID: crid}
}

// writeError writes {"error":{"code","message","innerError":{...}}}.
func (e *Emulator) writeError(w http.ResponseWriter, r *http.Request, status int, code, msg string) {
	e.log.DebugContext(r.Context(), "graph error", "status", status, "code", code, "msg", msg)
	emukit.WriteJSON(w, status, odataError{mainError{Code: code, Message: msg, InnerError: e.inner(r)}})
}

func (e *Emulator) badRequest(w http.ResponseWriter, r *http.Request, format string, args ...any) {
	e.writeError(w, r, http.StatusBadRequest, "BadRequest", fmt.Sprintf(format, args...))
}

func (e *Emulator) notFound(w http.ResponseWriter, r *http.Request, kind, id string) {
	e.writeError(w, r, http.StatusNotFound, "NotFound", fmt.Sprintf("The %s with id '%s' was not found.", kind, id))
}

// topExceeded is the exact answer to $top above the limit on incidents,
// including the empty code and empty details the service sends.
func (e *Emulator) topExceeded(w http.ResponseWriter, r *http.Request, limit, got int) {
	details := []any{}
	emukit.WriteJSON(w, http.StatusBadRequest, odataError{mainError{
		Code:       "",
		Message:    fmt.Sprintf("The query specified in the URI is not valid. The limit of '%d' for Top query has been exceeded. The value from the incoming request is '%d'.", limit, got),
		Details:    &details,
		InnerError: e.inner(r),
	}})
}

// errorWriter gives emukit Graph's words for refusals.
type errorWriter struct{ e *Emulator }

func (ew errorWriter) WriteUnauthorized(w http.ResponseWriter, r *http.Request, why emukit.AuthFailure) {
	msg := map[emukit.AuthFailure]string{
		emukit.AuthMissing:       "Access token is empty.",
		emukit.AuthMalformed:     "Access token validation failure. Invalid audience.",
		emukit.AuthInvalid:       "Access token validation failure.",
		emukit.AuthExpired:       "Lifetime validation failed, the token is expired.",
		emukit.AuthWrongAudience: "Access token validation failure. Invalid audience.",
	}[why]
	w.Header().Set("WWW-Authenticate", `Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", client_id="00000003-0000-0000-c000-000000000000"`)
	ew.e.writeError(w, r, http.StatusUnauthorized, "InvalidAuthenticationToken", msg)
}

// WriteThrottled writes the documented throttling answer, field for field.
func (ew errorWriter) WriteThrottled(w http.ResponseWriter, r *http.Request, retryAfter time.Duration) {
	emukit.SetRetryAfter(w, retryAfter)
	in := &innerError{Code: "429", Date: ew.e.clock.Now().UTC().Format("2006-01-02T15:04:05"), Message: "Please retry after", RequestID: emukit.RequestID(), Status: "429"}
	emukit.WriteJSON(w, http.StatusTooManyRequests, map[string]any{"error": map[string]any{
		"code": "TooManyRequests", "innerError": in, "message": "Please retry again later.",
	}})
}

func (ew errorWriter) WriteServerError(w http.ResponseWriter, r *http.Request, status int) {
	code := map[int]string{500: "InternalServerError", 502: "BadGateway", 503: "ServiceUnavailable", 504: "GatewayTimeout"}[status]
	if code == "" {
		code = "generalException"
	}
	ew.e.writeError(w, r, status, code, "The service is temporarily unavailable. Please retry later.")
}
