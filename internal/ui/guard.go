package ui

import (
	"context"
	"errors"
	"net/http"
	"net/url"

	"github.com/alertsync/alertsync/internal/api"
)

// contentSecurityPolicy allows only the console's own files: no inline
// script or style, no eval, no framing, forms post only to the console.
const contentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// csrfField is the form field (and, for htmx requests, the header
// X-CSRF-Token) that carries the session's CSRF token.
const csrfField = "csrf"

type sessionKey struct{}

// current is the request's session; zero on public routes.
func current(ctx context.Context) session {
	s, _ := ctx.Value(sessionKey{}).(session)
	return s
}

// headers sets the security headers every answer carries.
func (c *console) headers(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("Cache-Control", "no-store")
		next.ServeHTTP(w, r)
	})
}

// guard enforces a route's role the way the API does (api.Role.AtLeast)
// and, on every request that changes something, the session's CSRF token.
func (c *console) guard(rt route) http.Handler {
	return c.headers(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if rt.Role == api.RolePublic {
			rt.h(w, r)
			return
		}
		se, err := c.sessions.get(r.Context(), cookieValue(r, sessionCookie))
		if errors.Is(err, errNoSession) {
			c.toLogin(w, r)
			return
		}
		if err != nil {
			c.fail(w, r, err)
			return
		}
		if !se.who.Role.AtLeast(rt.Role) {
			c.errorPage(w, r, http.StatusForbidden, "This needs the "+string(rt.Role)+" role; you are logged in as "+string(se.who.Role)+".")
			return
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead && !sameSecret(csrfOf(r), se.csrf) {
			c.errorPage(w, r, http.StatusForbidden, "The form was stale or did not come from this console (CSRF check failed). Reload the page and try again.")
			return
		}
		cc, ok := c.forTenant(se.tenant)
		if !ok {
			c.errorPage(w, r, http.StatusNotFound, "Your tenant is not running here (disabled or deleted).")
			return
		}
		cc.routes[rt.Method+" "+rt.Pattern](w, r.WithContext(context.WithValue(r.Context(), sessionKey{}, se)))
	}))
}

func csrfOf(r *http.Request) string {
	if v := r.Header.Get("X-CSRF-Token"); v != "" {
		return v
	}
	return r.PostFormValue(csrfField)
}

// toLogin sends a browser without a session to the login page, back to
// where it was going afterwards; anything else is refused outright.
func (c *console) toLogin(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		c.errorPage(w, r, http.StatusUnauthorized, "Your session has ended. Log in again.")
		return
	}
	if r.Header.Get("HX-Request") != "" {
		w.Header().Set("HX-Redirect", "/login")
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
}
