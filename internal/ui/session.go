package ui

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/alertsync/alertsync/internal/api"
	"github.com/alertsync/alertsync/internal/store"
)

// Cookie names. The session cookie holds the tenant the session is kept
// in and a random id; the token or password a person logged in with is
// never stored, in the cookie or on the server.
const (
	sessionCookie = "alertsync_session"
	// loginCookie carries the login form's CSRF value (double submit), so
	// a page elsewhere cannot log a browser in as someone else.
	loginCookie = "alertsync_login"
)

// Credential kinds a session records.
const (
	credToken = "token"
	credUser  = "user"
)

// pruneBatch bounds how many expired sessions one login deletes.
const pruneBatch = 100

// errNoSession is a cookie that names no live session.
var errNoSession = errors.New("no such session")

// session is one logged-in browser.
type session struct {
	who  api.Principal
	csrf string
	// tenant is the tenant the session acts in: the principal's own, or
	// the one an operator picked in the switcher.
	tenant string
	// expires is the absolute end; a session is not extended by use.
	expires time.Time
}

// grant is what a login proved: who, with which kind of credential, and
// the session's seed with the credential's binding to it.
type grant struct {
	who        api.Principal
	credential string
	seed       []byte
	binding    []byte
}

// sessions are kept in the store, each in the scope of the tenant of
// whoever logged in (an operator's in the default tenant), keyed by a
// digest of its id: a restart keeps them, and every replica on the same
// store honours them. Each request checks the session's principal
// against this process's configuration, so a token or user removed,
// replaced, or given another role or tenant ends its sessions.
type sessions struct {
	st     store.Store
	ttl    time.Duration
	now    func() time.Time
	tokens *api.Authenticator
	users  *users
}

// homeOf is the tenant whose scope keeps who's sessions.
func homeOf(who api.Principal) string {
	if who.AllTenants() {
		return store.DefaultTenant
	}
	return who.Tenant
}

// create starts a session for g and returns its cookie value; it first
// deletes a batch of the tenant's expired sessions.
func (s *sessions) create(ctx context.Context, g grant) (string, error) {
	id, home, now := randomToken(), homeOf(g.who), s.now()
	sc := s.st.Scope(home)
	if _, err := sc.SessionPrune(ctx, now, pruneBatch); err != nil {
		return "", fmt.Errorf("start a session: %w", err)
	}
	err := sc.SessionCreate(ctx, store.ConsoleSession{
		Digest: digestOf(id), Principal: g.who.Name, Role: string(g.who.Role), Home: g.who.Tenant,
		Credential: g.credential, Binding: g.binding, Seed: g.seed, Acting: home, CreatedAt: now, ExpiresAt: now.Add(s.ttl),
	})
	if err != nil {
		return "", fmt.Errorf("start a session: %w", err)
	}
	return home + "." + id, nil
}

// parse splits a cookie value into the session's tenant and the digest
// of its id.
func parseCookie(v string) (home string, digest []byte, ok bool) {
	home, id, ok := strings.Cut(v, ".")
	if !ok || id == "" || store.CheckTenantID(home) != nil {
		return "", nil, false
	}
	return home, digestOf(id), true
}

// get returns the live session the cookie names, or errNoSession. A
// session whose credential is no longer configured as it was is deleted.
func (s *sessions) get(ctx context.Context, cookie string) (session, error) {
	home, digest, ok := parseCookie(cookie)
	if !ok {
		return session{}, errNoSession
	}
	sc := s.st.Scope(home)
	row, err := sc.SessionGet(ctx, digest, s.now())
	if errors.Is(err, store.ErrNotFound) {
		return session{}, errNoSession
	}
	if err != nil {
		return session{}, err
	}
	who := api.Principal{Name: row.Principal, Role: api.Role(row.Role), Tenant: row.Home}
	if homeOf(who) != home || !s.holds(row.Credential, who, row.Seed, row.Binding) {
		if err := sc.SessionDelete(ctx, digest); err != nil {
			return session{}, err
		}
		return session{}, errNoSession
	}
	se := session{who: who, csrf: csrfToken(cookie, row.Seed), tenant: row.Acting, expires: row.ExpiresAt}
	if !who.AllTenants() {
		se.tenant = who.Tenant
	}
	return se, nil
}

// holds reports whether the configuration still grants who by the
// credential the session was bound to.
func (s *sessions) holds(credential string, who api.Principal, seed, binding []byte) bool {
	switch credential {
	case credToken:
		return s.tokens.Bound(who, seed, binding)
	case credUser:
		return s.users.bound(who, seed, binding)
	}
	return false
}

// pick moves an operator's session to tenant.
func (s *sessions) pick(ctx context.Context, cookie, tenant string) error {
	home, digest, ok := parseCookie(cookie)
	if !ok {
		return errNoSession
	}
	if err := s.st.Scope(home).SessionSetTenant(ctx, digest, tenant); err != nil {
		return fmt.Errorf("switch tenant: %w", err)
	}
	return nil
}

// end deletes the session the cookie names, if any.
func (s *sessions) end(ctx context.Context, cookie string) error {
	home, digest, ok := parseCookie(cookie)
	if !ok {
		return nil
	}
	if err := s.st.Scope(home).SessionDelete(ctx, digest); err != nil {
		return fmt.Errorf("log out: %w", err)
	}
	return nil
}

func digestOf(id string) []byte {
	d := sha256.Sum256([]byte(id))
	return d[:]
}

// csrfToken derives a session's CSRF token from its cookie and seed: the
// store holds neither the cookie nor the token, and a page that shows the
// token reveals nothing of the cookie.
func csrfToken(cookie string, seed []byte) string {
	m := hmac.New(sha256.New, []byte(cookie))
	m.Write([]byte("alertsync console csrf\x00"))
	m.Write(seed)
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// newSeed is a session's random seed.
func newSeed() []byte {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return b
}

// randomToken is 32 random bytes, URL-safe.
func randomToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return base64.RawURLEncoding.EncodeToString(b)
}

// sameSecret compares two secrets in constant time.
func sameSecret(a, b string) bool {
	if a == "" || b == "" {
		return false
	}
	da, db := sha256.Sum256([]byte(a)), sha256.Sum256([]byte(b))
	return subtle.ConstantTimeCompare(da[:], db[:]) == 1
}

// setCookie writes a cookie that scripts cannot read, that other sites'
// forms do not carry (SameSite=Lax), and that only travels over TLS when
// the console is served over TLS.
func setCookie(w http.ResponseWriter, r *http.Request, name, value string, maxAge time.Duration) {
	http.SetCookie(w, &http.Cookie{
		Name: name, Value: value, Path: "/", MaxAge: int(maxAge.Seconds()),
		HttpOnly: true, Secure: r.TLS != nil, SameSite: http.SameSiteLaxMode,
	})
}

func clearCookie(w http.ResponseWriter, r *http.Request, name string) {
	http.SetCookie(w, &http.Cookie{
		Name: name, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: r.TLS != nil, SameSite: http.SameSiteLaxMode,
	})
}

func cookieValue(r *http.Request, name string) string {
	ck, err := r.Cookie(name)
	if err != nil {
		return ""
	}
	return ck.Value
}
