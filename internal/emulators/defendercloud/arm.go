package defendercloud

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/alertsync/alertsync/internal/emulators/emukit"
)

// cloudError is the ARM CloudError body every Azure resource provider
// answers failures with.
type cloudError struct {
	Error cloudErrorBody `json:"error"`
}

type cloudErrorBody struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// writeError answers with an ARM CloudError.
func writeError(w http.ResponseWriter, status int, code, msg string) {
	emukit.WriteJSON(w, status, cloudError{Error: cloudErrorBody{Code: code, Message: msg}})
}

// armErrors writes the refusals emukit middleware decides on in ARM's words.
type armErrors struct{}

// WriteUnauthorized answers like the ARM front door: a missing header is
// AuthenticationFailed, anything else is InvalidAuthenticationToken.
func (armErrors) WriteUnauthorized(w http.ResponseWriter, _ *http.Request, why emukit.AuthFailure) {
	code, msg := "InvalidAuthenticationToken", "The access token is invalid."
	switch why {
	case emukit.AuthMissing:
		code, msg = "AuthenticationFailed", "Authentication failed. The 'Authorization' header is missing."
	case emukit.AuthMalformed:
		code, msg = "AuthenticationFailed", "Authentication failed. The 'Authorization' header is provided in an invalid format."
	case emukit.AuthExpired:
		msg = "The access token has expired. Acquire a new access token and retry."
	case emukit.AuthWrongAudience:
		msg = "The access token has been obtained for wrong audience or resource. It should exactly match one of the allowed audiences."
	}
	w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token", error_description="`+msg+`"`)
	writeError(w, http.StatusUnauthorized, code, msg)
}

// WriteThrottled answers ARM's 429 with Retry-After in seconds.
func (armErrors) WriteThrottled(w http.ResponseWriter, r *http.Request, retryAfter time.Duration) {
	emukit.SetRetryAfter(w, retryAfter)
	op := "read"
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		op = "write"
	}
	writeError(w, http.StatusTooManyRequests, "SubscriptionRequestsThrottled",
		fmt.Sprintf("Number of '%s' requests for subscription exceeded. Please try again after '%s' seconds after additional tokens are available.",
			op, w.Header().Get("Retry-After")))
}

// WriteServerError answers an injected failure with the ARM code for status.
func (armErrors) WriteServerError(w http.ResponseWriter, _ *http.Request, status int) {
	code := map[int]string{
		http.StatusBadGateway:         "BadGateway",
		http.StatusServiceUnavailable: "ServiceUnavailable",
		http.StatusGatewayTimeout:     "GatewayTimeout",
	}[status]
	if code == "" {
		code = "InternalServerError"
	}
	writeError(w, status, code, "Encountered internal server error. Please try again.")
}

var apiVersionShape = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}(-preview)?$`)

// requireAPIVersion refuses requests without the one api-version this
// emulator serves, with the codes ARM uses for each case.
func requireAPIVersion(version, resourceType string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v := r.URL.Query().Get("api-version")
		switch {
		case v == "":
			writeError(w, http.StatusBadRequest, "MissingApiVersionParameter",
				"The api-version query parameter (?api-version=) is required for all requests.")
		case !apiVersionShape.MatchString(v):
			writeError(w, http.StatusBadRequest, "InvalidApiVersionParameter",
				fmt.Sprintf("The api-version '%s' is invalid. The supported versions are '%s'.", v, version))
		case v != version:
			writeError(w, http.StatusBadRequest, "NoRegisteredProviderFound",
				fmt.Sprintf("No registered resource provider found for location 'global' and API version '%s' for type '%s'. The supported api-versions are '%s'.", v, resourceType, version))
		default:
			next.ServeHTTP(w, r)
		}
	})
}

// canonicalSegments rewrites the fixed path segments ARM matches
// case-insensitively to the spelling the mux patterns use.
func canonicalSegments(literals []string, next http.Handler) http.Handler {
	canon := make(map[string]string, len(literals))
	for _, l := range literals {
		canon[strings.ToLower(l)] = l
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		segs := strings.Split(r.URL.Path, "/")
		changed := false
		for i, s := range segs {
			if c, ok := canon[strings.ToLower(s)]; ok && c != s {
				segs[i], changed = c, true
			}
		}
		if changed {
			r2 := r.Clone(r.Context())
			r2.URL.Path = strings.Join(segs, "/")
			r2.URL.RawPath = ""
			r = r2
		}
		next.ServeHTTP(w, r)
	})
}

var guidShape = regexp.MustCompile(`^[0-9A-Fa-f]{8}-([0-9A-Fa-f]{4}-){3}[0-9A-Fa-f]{12}$`)

// validSubscription answers ARM's 400 for a subscription id that is not a
// GUID and reports whether the request may go on.
func validSubscription(w http.ResponseWriter, sub string) bool {
	if guidShape.MatchString(sub) {
		return true
	}
	writeError(w, http.StatusBadRequest, "InvalidSubscriptionId",
		fmt.Sprintf("The provided subscription identifier '%s' is malformed or invalid.", sub))
	return false
}
