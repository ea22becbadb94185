package o365

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/alertsync/alertsync/internal/emulators/emukit"
)

// apiError is the documented error envelope: {"error":{"code","message"}}.
type apiError struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

func writeError(w http.ResponseWriter, status int, code, msg string) {
	var body apiError
	body.Error.Code, body.Error.Message = code, msg
	emukit.WriteJSON(w, status, body)
}

// The documented messages of the AF codes the emulator answers. The
// reference gives codes and messages but no HTTP statuses; the statuses
// below are the emulator's choice except AF429 (403, from the
// troubleshooting guide) and AF20023/AF20024 (400, reported by users).
func missingParam(w http.ResponseWriter, name string) {
	writeError(w, http.StatusBadRequest, "AF20001", "Missing parameter: "+name+".")
}

func invalidParam(w http.ResponseWriter, name, want string) {
	writeError(w, http.StatusBadRequest, "AF20002", fmt.Sprintf("Invalid parameter type: %s. Expected type: %s", name, want))
}

func invalidContentType(w http.ResponseWriter) {
	writeError(w, http.StatusBadRequest, "AF20020", "The specified content type is not valid.")
}

const (
	msgWindowBoth = "Start time and end time must both be specified (or both omitted) and must be less than or equal to 24 hours apart, with the start time no more than 7 days in the past."
	msgWindow     = "Start time and end time must both be specified (or both omitted) and must be less than or equal to 24 hours apart, with the start time prior to end time and start time no more than 7 days in the past."
)

type errorWriter struct{ e *Emulator }

// WriteUnauthorized answers a refused bearer token. Microsoft documents
// no body for it; the emulator sends the ASP.NET Web API refusal.
func (ew errorWriter) WriteUnauthorized(w http.ResponseWriter, r *http.Request, why emukit.AuthFailure) {
	ew.e.log.DebugContext(r.Context(), "o365 token refused", "why", why.String())
	w.Header().Set("WWW-Authenticate", `Bearer realm="", error="invalid_token"`)
	emukit.WriteJSON(w, http.StatusUnauthorized, map[string]string{"Message": "Authorization has been denied for this request."})
}

// WriteThrottled answers as the service throttles: HTTP 403 with AF429
// naming the method and the PublisherIdentifier (all zeros without one).
// Whether the service sends Retry-After is not documented; the emulator
// sends one when it has a wait to give.
func (ew errorWriter) WriteThrottled(w http.ResponseWriter, r *http.Request, retryAfter time.Duration) {
	if retryAfter > 0 {
		emukit.SetRetryAfter(w, retryAfter)
	}
	pid := r.URL.Query().Get("PublisherIdentifier")
	if pid == "" {
		pid = "00000000-0000-0000-0000-000000000000"
	}
	writeError(w, http.StatusForbidden, "AF429", fmt.Sprintf("Too many requests. Method=%s, PublisherId=%s", method(r), pid))
}

func (ew errorWriter) WriteServerError(w http.ResponseWriter, _ *http.Request, status int) {
	writeError(w, status, "AF50000", "An internal error occurred. Retry the request.")
}

// method names the operation in AF429 the way the service does
// ("GetBlob" for a content blob, the HTTP method otherwise).
func method(r *http.Request) string {
	if strings.Contains(r.URL.Path, "/activity/feed/audit/") {
		return "GetBlob"
	}
	return r.Method
}
