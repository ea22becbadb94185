package arm

import (
	"net/http"
	"strings"
)

// Providers plays the Azure Resource Manager host in front of several
// resource providers: it routes each request by the provider namespace of
// the resource it addresses (the last "/providers/{namespace}/" segment
// of the path, compared case-insensitively as ARM does), so a Sentinel
// path under a Log Analytics workspace reaches Microsoft.SecurityInsights.
// A namespace no provider serves gets ARM's InvalidResourceNamespace.
func Providers(providers map[string]http.Handler) http.Handler {
	byNS := make(map[string]http.Handler, len(providers))
	for ns, h := range providers {
		byNS[strings.ToLower(ns)] = h
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ns := ProviderNamespace(r.URL.Path)
		if h, ok := byNS[strings.ToLower(ns)]; ok {
			h.ServeHTTP(w, r)
			return
		}
		if ns == "" {
			WriteCloudError(w, http.StatusNotFound, "NotFound", "The requested resource was not found.")
			return
		}
		WriteCloudError(w, http.StatusNotFound, "InvalidResourceNamespace",
			"The resource namespace '"+ns+"' is invalid.")
	})
}

// ProviderNamespace returns the namespace of the last provider segment of
// an ARM path ("Microsoft.SecurityInsights"), or "" when it has none.
func ProviderNamespace(path string) string {
	segs := strings.Split(path, "/")
	for i := len(segs) - 2; i >= 0; i-- {
		if strings.EqualFold(segs[i], "providers") && segs[i+1] != "" {
			return segs[i+1]
		}
	}
	return ""
}
