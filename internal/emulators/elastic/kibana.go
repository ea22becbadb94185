package elastic

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"strings"
)

type spaceKey struct{}

// spaceOf is the space a request addresses.
func spaceOf(r *http.Request) string {
	if s, ok := r.Context().Value(spaceKey{}).(string); ok {
		return s
	}
	return DefaultSpace
}

// kibana applies what Kibana's HTTP layer does before a route runs: it
// strips the /s/{space_id} prefix (an unknown space is a 404),
// authenticates the API key, then refuses writes without kbn-xsrf
// (Kibana's XSRF check runs after authentication) and versions it does
// not serve.
func (e *Emulator) kibana(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		space, path, ok := splitSpace(r.URL.Path)
		if !ok || !e.spaces[space] {
			e.platform(w, r, http.StatusNotFound, fmt.Sprintf("Saved object [space/%s] not found", space))
			return
		}
		if msg := e.authenticate(r.Header.Get("Authorization")); msg != "" {
			w.Header().Set("WWW-Authenticate", "ApiKey")
			e.platform(w, r, http.StatusUnauthorized, msg)
			return
		}
		if isWrite(r.Method) && r.Header.Get("kbn-xsrf") == "" {
			e.platform(w, r, http.StatusBadRequest, msgNoXSRF)
			return
		}
		if v := r.Header.Get("elastic-api-version"); v != "" && v != APIVersion {
			// The wording of this refusal is unconfirmed; the status is
			// Kibana's versioned router's.
			e.platform(w, r, http.StatusBadRequest, fmt.Sprintf("No version %q available for [%s] [%s]. Available versions are: [%q]",
				v, strings.ToLower(r.Method), path, APIVersion))
			return
		}
		r2 := r.WithContext(context.WithValue(r.Context(), spaceKey{}, space))
		r2.URL.Path = path
		r2.URL.RawPath = ""
		next.ServeHTTP(w, r2)
	})
}

// splitSpace cuts "/s/{space}" off path; paths without it address the
// default space.
func splitSpace(path string) (space, rest string, ok bool) {
	after, found := strings.CutPrefix(path, "/s/")
	if !found {
		return DefaultSpace, path, true
	}
	space, rest, _ = strings.Cut(after, "/")
	if space == "" {
		return "", path, false
	}
	return space, "/" + rest, true
}

func isWrite(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return false
	}
	return true
}

// authenticate checks "ApiKey base64(id:key)" and returns Kibana's
// message for a refusal, or "".
func (e *Emulator) authenticate(h string) string {
	if h == "" {
		return msgUnauthorized
	}
	scheme, cred, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "ApiKey") {
		return msgBadAPIKey
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(cred))
	if err != nil || string(raw) != e.opts.APIKeyID+":"+e.opts.APIKey {
		return msgBadAPIKey
	}
	return ""
}
