package elastic

import (
	"net/http"
	"time"

	"github.com/alertsync/alertsync/internal/emulators/emukit"
)

// Kibana answers errors in two envelopes (both in the detections spec):
// the platform's {"statusCode","error","message"} for what its HTTP
// layer refuses (authentication, the XSRF header, request validation),
// and the security solution's {"message","status_code"} for what a route
// handler refuses, Elasticsearch errors included. A handler's message is
// sometimes an array (set_alert_tags_route.ts).

// platformError is PlatformErrorResponse.
type platformError struct {
	StatusCode int    `json:"statusCode"`
	Error      string `json:"error"`
	Message    string `json:"message"`
}

// siemError is SiemErrorResponse; Message is a string or an array.
type siemError struct {
	Message    any `json:"message"`
	StatusCode int `json:"status_code"`
}

func (e *Emulator) platform(w http.ResponseWriter, r *http.Request, status int, msg string) {
	e.log.DebugContext(r.Context(), "kibana error", "status", status, "msg", msg)
	emukit.WriteJSON(w, status, platformError{StatusCode: status, Error: http.StatusText(status), Message: msg})
}

func (e *Emulator) siem(w http.ResponseWriter, r *http.Request, status int, msg any) {
	e.log.DebugContext(r.Context(), "kibana route error", "status", status, "msg", msg)
	emukit.WriteJSON(w, status, siemError{Message: msg, StatusCode: status})
}

// badBody is Kibana's answer to a body its zod schema refuses.
func (e *Emulator) badBody(w http.ResponseWriter, r *http.Request, msg string) {
	e.platform(w, r, http.StatusBadRequest, "[request body]: "+msg)
}

// Messages Kibana writes for refused credentials: none at all, or ones
// Elasticsearch does not recognise.
const (
	msgUnauthorized = "Unauthorized"
	msgBadAPIKey    = "[security_exception\n\tRoot causes:\n\t\tsecurity_exception: unable to authenticate with provided credentials and anonymous access is not allowed for this request]: unable to authenticate with provided credentials and anonymous access is not allowed for this request"
	msgNoXSRF       = "Request must contain a kbn-xsrf header."
)

// errorWriter answers the faults emukit injects in Kibana's words.
// Kibana documents no rate limit of its own; a proxy or Elastic Cloud's
// front door in front of it answers 429 with Retry-After, which is what
// the emulator does when told to throttle.
type errorWriter struct{ e *Emulator }

func (ew errorWriter) WriteUnauthorized(w http.ResponseWriter, r *http.Request, _ emukit.AuthFailure) {
	w.Header().Set("WWW-Authenticate", `ApiKey`)
	ew.e.platform(w, r, http.StatusUnauthorized, msgUnauthorized)
}

func (ew errorWriter) WriteThrottled(w http.ResponseWriter, r *http.Request, retryAfter time.Duration) {
	emukit.SetRetryAfter(w, retryAfter)
	ew.e.platform(w, r, http.StatusTooManyRequests, "Too Many Requests")
}

func (ew errorWriter) WriteServerError(w http.ResponseWriter, r *http.Request, status int) {
	ew.e.platform(w, r, status, "An internal server error occurred.")
}
