package emukit

import (
	"context"
	"net/http"
	"strings"
)

// Principal is the app a validated token was issued to.
type Principal struct {
	Tenant      string
	ClientID    string
	DisplayName string
	Audience    string
}

// Key identifies the principal for per-app-per-tenant budgets.
func (p Principal) Key() string { return strings.ToLower(p.Tenant) + "/" + p.ClientID }

// TokenIssuer is a vendor's login as the Stack sees it: it validates the
// bearer tokens it issued and can mount its own token endpoint. A vendor
// family's issuer lives in that family's sub-package, such as entra.Issuer.
type TokenIssuer interface {
	// Validate checks a raw access token against the audience an API wants.
	Validate(accessToken, audience string) (Principal, AuthFailure)
	// Register mounts the issuer's token endpoint on mux.
	Register(mux *http.ServeMux)
}

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
// token issuer issued for audience, and puts the token's Principal in the
// request context. Refusals are written by ew in the vendor's words.
func Require(issuer TokenIssuer, audience string, ew ErrorWriter) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			tok, why := bearer(r.Header.Get("Authorization"))
			if why == AuthOK {
				var p Principal
				p, why = issuer.Validate(tok, audience)
				if why == AuthOK {
					next.ServeHTTP(w, r.WithContext(WithPrincipal(r.Context(), p)))
					return
				}
			}
			ew.WriteUnauthorized(w, r, why)
		})
	}
}

// bearer extracts the token from an Authorization header.
func bearer(h string) (string, AuthFailure) {
	if h == "" {
		return "", AuthMissing
	}
	scheme, tok, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(tok) == "" {
		return "", AuthMalformed
	}
	return strings.TrimSpace(tok), AuthOK
}
