package o365

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strings"

	"github.com/alertsync/alertsync/internal/emulators/emukit"
)

var guidRE = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// api wraps an operation with what every call checks: the API version
// segment, the tenant in the URL (a GUID, the token's, one the service
// knows), and PublisherIdentifier, which when given must be a GUID (the
// docs say every call "should" carry it: one without it is served from
// the shared pool, and the recorder keeps it for tests to find). It first
// makes the records due since the last call.
func (e *Emulator) api(op http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if v := r.PathValue("version"); v != "v1.0" && v != "v1" {
			emukit.WriteJSON(w, http.StatusNotFound, map[string]string{"Message": "No HTTP resource was found that matches the request URI."})
			return
		}
		tenant := r.PathValue("tenant")
		p, _ := emukit.PrincipalFrom(r.Context())
		switch {
		case !guidRE.MatchString(tenant):
			writeError(w, http.StatusBadRequest, "AF20013", fmt.Sprintf("The tenant ID passed in the URL (%s) is not a valid GUID.", tenant))
		case !strings.EqualFold(tenant, p.Tenant):
			writeError(w, http.StatusForbidden, "AF20010",
				fmt.Sprintf("The tenant ID passed in the URL (%s) does not match the tenant ID passed in the access token (%s).", tenant, p.Tenant))
		case !strings.EqualFold(tenant, e.opts.TenantID):
			writeError(w, http.StatusBadRequest, "AF20011", fmt.Sprintf("Specified tenant ID (%s) does not exist in the system or has been deleted.", tenant))
		case r.URL.Query().Has("PublisherIdentifier") && !guidRE.MatchString(r.URL.Query().Get("PublisherIdentifier")):
			invalidParam(w, "PublisherIdentifier", "guid")
		default:
			e.advance()
			op(w, r)
		}
	}
}

// poolKey is the throttling pool of a request: the tenant's own when it
// carries a PublisherIdentifier, the pool every caller without one shares
// otherwise.
func poolKey(r *http.Request) string {
	pid := r.URL.Query().Get("PublisherIdentifier")
	if pid == "" {
		return "shared"
	}
	p, _ := emukit.PrincipalFrom(r.Context())
	return strings.ToLower(p.Tenant) + "/" + strings.ToLower(pid)
}

// contentType reads and checks the contentType parameter.
func contentType(w http.ResponseWriter, r *http.Request) (string, bool) {
	ct := r.URL.Query().Get("contentType")
	switch {
	case ct == "":
		missingParam(w, "contentType")
	case !slices.Contains(ContentTypes, ct):
		invalidContentType(w)
	default:
		return ct, true
	}
	return "", false
}

// start enables a subscription. A webhook in the body would need the
// service to reach the caller, which the emulator never does, so it is
// refused as the service refuses an endpoint that does not answer.
func (e *Emulator) start(w http.ResponseWriter, r *http.Request) {
	ct, ok := contentType(w, r)
	if !ok {
		return
	}
	if hook := webhookAddress(r.Body); hook != "" {
		writeError(w, http.StatusBadRequest, "AF20021", "The webhook endpoint {"+hook+"} could not be validated. The endpoint did not return HTTP 200.")
		return
	}
	e.mu.Lock()
	s, ok := e.subs[ct]
	already := ok && s.status == "enabled"
	if !already {
		e.subs[ct] = &subscription{contentType: ct, status: "enabled", started: e.clock.Now()}
	}
	e.mu.Unlock()
	if already {
		// Not in the reference's table; users report it for a redundant start.
		writeError(w, http.StatusBadRequest, "AF20024", "The subscription is already enabled. No property change.")
		return
	}
	emukit.WriteJSON(w, http.StatusOK, subscriptionWire{ContentType: ct, Status: "enabled"})
}

func webhookAddress(body io.Reader) string {
	var b struct {
		Webhook *struct {
			Address string `json:"address"`
		} `json:"webhook"`
	}
	if json.NewDecoder(body).Decode(&b) != nil || b.Webhook == nil {
		return ""
	}
	return b.Webhook.Address
}

// stop disables a subscription; its content can no longer be listed.
func (e *Emulator) stop(w http.ResponseWriter, r *http.Request) {
	ct, ok := contentType(w, r)
	if !ok {
		return
	}
	e.mu.Lock()
	s, ok := e.subs[ct]
	if ok {
		s.status, s.disabledBy = "disabled", "a tenant admin"
	}
	e.mu.Unlock()
	if !ok {
		writeError(w, http.StatusBadRequest, "AF20022", "No subscription found for the specified content type.")
		return
	}
	w.WriteHeader(http.StatusOK)
}

// list answers every subscription the tenant has, enabled or not.
func (e *Emulator) list(w http.ResponseWriter, _ *http.Request) {
	e.mu.Lock()
	out := []subscriptionWire{}
	for _, ct := range ContentTypes {
		if s, ok := e.subs[ct]; ok {
			out = append(out, subscriptionWire{ContentType: ct, Status: s.status})
		}
	}
	e.mu.Unlock()
	emukit.WriteJSON(w, http.StatusOK, out)
}

var contentIDRE = regexp.MustCompile(`^[0-9A-Za-z_.]+(\$[0-9A-Za-z_.]+)+$`)

// blob answers one content blob: its records as a JSON array.
func (e *Emulator) blob(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("contentId")
	if !contentIDRE.MatchString(id) {
		writeError(w, http.StatusBadRequest, "AF20052", "Content ID "+id+" in the URL is invalid.")
		return
	}
	e.mu.Lock()
	now := e.clock.Now()
	b, ok := e.byID[id]
	listed := ok && b.visible && !b.listable.After(now)
	expired := listed && !now.Before(b.expires)
	recs := []json.RawMessage{}
	if listed && !expired {
		for _, rec := range b.records {
			recs = append(recs, rec.Raw)
		}
	}
	e.mu.Unlock()
	switch {
	case !listed:
		writeError(w, http.StatusNotFound, "AF20050", "The specified content ("+id+") does not exist.")
	case expired:
		writeError(w, http.StatusBadRequest, "AF20051", "Content requested with the key "+id+" has already expired. Content older than 7 days cannot be retrieved.")
	default:
		emukit.WriteJSON(w, http.StatusOK, recs)
	}
}
