package emukit

import (
	"net/http"
	"strings"
)

// PrefixHeader carries the path prefix an emulator is mounted under, the
// de facto header reverse proxies use for it. Mount sets it; RequestBase
// reads it, so nextLinks and Location headers keep the prefix.
const PrefixHeader = "X-Forwarded-Prefix"

// Mount serves h under prefix ("/graph"): the prefix is cut from the path
// before h sees it, so h keeps the paths its vendor documents, and
// recorded in PrefixHeader for the links h builds. Several emulators can
// then share one listener, each on a path of its own.
func Mount(prefix string, h http.Handler) http.Handler {
	prefix = "/" + strings.Trim(prefix, "/")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rest, ok := strings.CutPrefix(r.URL.Path, prefix)
		if !ok || rest != "" && rest[0] != '/' {
			http.NotFound(w, r)
			return
		}
		r2 := r.Clone(r.Context())
		r2.URL.Path = rest
		if r2.URL.Path == "" {
			r2.URL.Path = "/"
		}
		if r.URL.RawPath != "" {
			r2.URL.RawPath = strings.TrimPrefix(r.URL.RawPath, prefix)
		}
		r2.Header.Set(PrefixHeader, prefix)
		h.ServeHTTP(w, r2)
	})
}
