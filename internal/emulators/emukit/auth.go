package emukit

import (
	"context"
	"net/http"
)

type principalKey struct{}

// WithPrincipal returns ctx carrying p.
func WithPrincipal(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// PrincipalFrom returns the app that authenticated the request, if any.
func PrincipalFrom(ctx context.Context) (Principal, bool) {
	p, ok := ctx.Value(principalKey{}).(Principal)
	return p, ok
}

// Require returns middleware that lets through only requests bearing a live
// token issued for audience, and puts the token's Principal in the request
// context. Refusals are written by ew in the vendor's words.
func (i *TokenIssuer) Require(audience string, ew ErrorWriter) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			tok, why := bearer(r.Header.Get("Authorization"))
			if why == AuthOK {
				var p Principal
				p, why = i.Validate(tok, audience)
				if why == AuthOK {
					next.ServeHTTP(w, r.WithContext(WithPrincipal(r.Context(), p)))
					return
				}
			}
			ew.WriteUnauthorized(w, r, why)
		})
	}
}
