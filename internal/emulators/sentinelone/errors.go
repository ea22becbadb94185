package sentinelone

import (
	"fmt"
	"net/http"
	"time"

	"github.com/alertsync/alertsync/internal/emulators/emukit"
)

// SentinelOne answers errors as {"errors":[{"code","detail","title"}]}
// (the swagger's NoDataSchema400 errors: code a number, detail and title
// strings). The codes and titles are those seen in public traces where
// there is one (4000020 "Invalid Identifier"); the others follow the same
// numbering and are unconfirmed.
const (
	codeValidation   = 4000010 // "Validation Error"
	codeUnauthorized = 4010010 // "Authentication Failed" (unconfirmed)
	codeNotFound     = 4040010 // "Not Found" (unconfirmed)
	codeThrottled    = 4290010 // "Too Many Requests" (unconfirmed)
	codeServer       = 5000010 // "Server Error" (unconfirmed)
)

type apiError struct {
	Code   int     `json:"code"`
	Detail *string `json:"detail"`
	Title  string  `json:"title"`
}

type errorBody struct {
	Errors []apiError `json:"errors"`
}

func (e *Emulator) writeError(w http.ResponseWriter, r *http.Request, status, code int, title, detail string) {
	ae := apiError{Code: code, Title: title}
	if detail != "" {
		ae.Detail = &detail
	}
	e.log.DebugContext(r.Context(), "sentinelone error", "status", status, "code", code, "detail", detail)
	emukit.WriteJSON(w, status, errorBody{Errors: []apiError{ae}})
}

// invalid answers 400 Validation Error with detail.
func (e *Emulator) invalid(w http.ResponseWriter, r *http.Request, format string, args ...any) {
	e.writeError(w, r, http.StatusBadRequest, codeValidation, "Validation Error", fmt.Sprintf(format, args...))
}

type errorWriter struct{ e *Emulator }

func (ew errorWriter) WriteUnauthorized(w http.ResponseWriter, r *http.Request, _ emukit.AuthFailure) {
	ew.e.writeError(w, r, http.StatusUnauthorized, codeUnauthorized, "Authentication Failed", "")
}

// WriteThrottled answers 429 with Retry-After. SentinelOne documents no
// rate-limit answer; a standard Retry-After in seconds is assumed.
func (ew errorWriter) WriteThrottled(w http.ResponseWriter, r *http.Request, retryAfter time.Duration) {
	emukit.SetRetryAfter(w, retryAfter)
	ew.e.writeError(w, r, http.StatusTooManyRequests, codeThrottled, "Too Many Requests", "Rate limit exceeded, please try again later")
}

func (ew errorWriter) WriteServerError(w http.ResponseWriter, r *http.Request, status int) {
	ew.e.writeError(w, r, status, codeServer, "Server Error", "")
}
