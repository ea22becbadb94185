package arm

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/alertsync/alertsync/internal/emulators/emukit"
	"github.com/alertsync/alertsync/internal/emulators/emukit/entra"
)

// Audience is the Azure Resource Manager resource that tokens for every
// ARM resource provider (Defender for Cloud, Sentinel) are issued for.
const Audience = "https://management.azure.com"

// InsufficientAccessBody is the 403 a fresh principal may get on its first
// call to an Azure API before its role assignment has propagated, byte for
// byte as the Defender for Cloud → Sentinel sync write-up reports it (a
// retry moments later succeeds). [C-community: the seed's Known issues]
const InsufficientAccessBody = `{
  "error": {
    "message": "The provided credentials have insufficient access to perform the requested operation",
    "code": "InsufficientAccessError",
    "correlationId": "b6c48692-cabf-449a-ba8d-fed52ad6d174"
  }
}`

// CloudError is the ARM CloudError body every Azure resource provider
// answers failures with.
type CloudError struct {
	Error CloudErrorBody `json:"error"`
}

// CloudErrorBody is the inside of a CloudError.
type CloudErrorBody struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// WriteCloudError answers with an ARM CloudError.
func WriteCloudError(w http.ResponseWriter, status int, code, msg string) {
	emukit.WriteJSON(w, status, CloudError{Error: CloudErrorBody{Code: code, Message: msg}})
}

// Errors writes the refusals emukit middleware decides on in ARM's
// words; it is the emukit.ErrorWriter of every ARM resource provider, because the
// ARM front door, not the provider, answers these.
type Errors struct{}

// WriteUnauthorized answers like the ARM front door: a missing header is
// AuthenticationFailed, anything else is InvalidAuthenticationToken.
func (Errors) WriteUnauthorized(w http.ResponseWriter, _ *http.Request, why emukit.AuthFailure) {
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
	WriteCloudError(w, http.StatusUnauthorized, code, msg)
}

// WriteThrottled answers ARM's 429 with Retry-After in seconds.
func (Errors) WriteThrottled(w http.ResponseWriter, r *http.Request, retryAfter time.Duration) {
	emukit.SetRetryAfter(w, retryAfter)
	op := "read"
	if isWrite(r) {
		op = "write"
	}
	WriteCloudError(w, http.StatusTooManyRequests, "SubscriptionRequestsThrottled",
		fmt.Sprintf("Number of '%s' requests for subscription exceeded. Please try again after '%s' seconds after additional tokens are available.",
			op, w.Header().Get("Retry-After")))
}

// WriteServerError answers an injected failure with the ARM code for status.
func (Errors) WriteServerError(w http.ResponseWriter, _ *http.Request, status int) {
	code := map[int]string{
		http.StatusBadGateway:         "BadGateway",
		http.StatusServiceUnavailable: "ServiceUnavailable",
		http.StatusGatewayTimeout:     "GatewayTimeout",
	}[status]
	if code == "" {
		code = "InternalServerError"
	}
	WriteCloudError(w, status, code, "Encountered internal server error. Please try again.")
}

// isWrite reports whether ARM meters r against the write budget.
func isWrite(r *http.Request) bool {
	return r.Method != http.MethodGet && r.Method != http.MethodHead
}

var apiVersionShape = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}(-preview)?$`)

// RequireAPIVersion refuses requests without the one api-version a
// provider serves, with the codes ARM uses for each case.
func RequireAPIVersion(version, resourceType string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v := r.URL.Query().Get("api-version")
		switch {
		case v == "":
			WriteCloudError(w, http.StatusBadRequest, "MissingApiVersionParameter",
				"The api-version query parameter (?api-version=) is required for all requests.")
		case !apiVersionShape.MatchString(v):
			WriteCloudError(w, http.StatusBadRequest, "InvalidApiVersionParameter",
				fmt.Sprintf("The api-version '%s' is invalid. The supported versions are '%s'.", v, version))
		case v != version:
			WriteCloudError(w, http.StatusBadRequest, "NoRegisteredProviderFound",
				fmt.Sprintf("No registered resource provider found for location 'global' and API version '%s' for type '%s'. The supported api-versions are '%s'.", v, resourceType, version))
		default:
			next.ServeHTTP(w, r)
		}
	})
}

// CanonicalSegments rewrites the fixed path segments ARM matches
// case-insensitively to the spelling the mux patterns use.
func CanonicalSegments(literals []string, next http.Handler) http.Handler {
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

// IsGUID reports whether s has the shape ARM requires of subscription and
// object ids.
func IsGUID(s string) bool { return guidShape.MatchString(s) }

// ValidSubscription answers ARM's 400 for a subscription id that is not a
// GUID and reports whether the request may go on.
func ValidSubscription(w http.ResponseWriter, sub string) bool {
	if IsGUID(sub) {
		return true
	}
	WriteCloudError(w, http.StatusBadRequest, "InvalidSubscriptionId",
		fmt.Sprintf("The provided subscription identifier '%s' is malformed or invalid.", sub))
	return false
}

// FrontDoor wraps a resource provider's routes the way Azure Resource
// Manager fronts every provider: canonical path segments, recording,
// tokens, faults and bearer auth from emukit.Stack, then the per-principal token
// buckets and the api-version check, all answered in ARM's error bodies.
type FrontDoor struct {
	APIVersion   string   // the one api-version the provider serves
	ResourceType string   // named in NoRegisteredProviderFound
	PathLiterals []string // fixed segments ARM matches case-insensitively
	Issuer       *entra.Issuer
	ServeTokens  bool // also answer the Entra token endpoint
	Faults       *emukit.Faults
	Throttle     *Throttle // nil: no budget
	Recorder     *emukit.Recorder
}

// Handler returns routes behind the front door.
func (d FrontDoor) Handler(routes http.Handler) http.Handler {
	ew := Errors{}
	api := RequireAPIVersion(d.APIVersion, d.ResourceType, routes)
	if d.Throttle != nil {
		api = d.Throttle.Middleware(ew)(api)
	}
	stack := emukit.Stack{
		Audience:    Audience,
		ServeTokens: d.ServeTokens,
		Faults:      d.Faults,
		Recorder:    d.Recorder,
		Errors:      ew,
	}
	if d.Issuer != nil { // a nil *entra.Issuer must stay a nil emukit.TokenIssuer
		stack.Issuer = d.Issuer
	}
	return CanonicalSegments(d.PathLiterals, stack.Handler(api))
}
