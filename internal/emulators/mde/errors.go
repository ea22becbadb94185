package mde

import (
	"fmt"
	"net/http"
	"time"

	"github.com/alertsync/alertsync/internal/emulators/emukit"
)

// apiError is MDE's error envelope; target is a correlation id.
type apiError struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
		Target  string `json:"target"`
	} `json:"error"`
}

func (e *Emulator) writeError(w http.ResponseWriter, r *http.Request, status int, code, msg string) {
	var body apiError
	body.Error.Code, body.Error.Message, body.Error.Target = code, msg, emukit.RequestID()
	e.log.DebugContext(r.Context(), "mde error", "status", status, "code", code, "msg", msg)
	emukit.WriteJSON(w, status, body)
}

func (e *Emulator) badBody(w http.ResponseWriter, r *http.Request, format string, args ...any) {
	e.writeError(w, r, http.StatusBadRequest, "InvalidRequestBody", fmt.Sprintf(format, args...))
}

type errorWriter struct{ e *Emulator }

func (ew errorWriter) WriteUnauthorized(w http.ResponseWriter, r *http.Request, why emukit.AuthFailure) {
	msg := "Authorization has been denied for this request."
	if why == emukit.AuthExpired {
		msg = "The access token has expired."
	}
	ew.e.writeError(w, r, http.StatusUnauthorized, "Unauthorized", msg)
}

func (ew errorWriter) WriteThrottled(w http.ResponseWriter, r *http.Request, retryAfter time.Duration) {
	emukit.SetRetryAfter(w, retryAfter)
	ew.e.writeError(w, r, http.StatusTooManyRequests, "TooManyRequests",
		"API calls quota exceeded, either by number of requests or by CPU. Retry after the period in the Retry-After header.")
}

func (ew errorWriter) WriteServerError(w http.ResponseWriter, r *http.Request, status int) {
	ew.e.writeError(w, r, status, "InternalServerError", "An internal server error occurred.")
}
