package ui

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"sync"
	"time"

	"github.com/alertsync/alertsync/internal/api"
	"github.com/alertsync/alertsync/internal/store"
)

// Cookie names. The session cookie holds only a random id; the token a
// person logged in with is never stored, in the cookie or on the server.
const (
	sessionCookie = "alertsync_session"
	// loginCookie carries the login form's CSRF value (double submit), so
	// a page elsewhere cannot log a browser in as someone else.
	loginCookie = "alertsync_login"
)

// session is one logged-in browser.
type session struct {
	who  api.Principal
	csrf string
	// tenant is the tenant the session acts in: the token's own, or the
	// one an operator picked in the switcher.
	tenant string
	// expires is the absolute end; a session is not extended by use, so
	// a token removed from the config stops working within one TTL.
	expires time.Time
}

// sessions are kept in memory, keyed by a digest of their id: a restart
// logs everyone out, which is the safe side for a console that changes
// what vendors' consoles show.
type sessions struct {
	ttl time.Duration
	now func() time.Time
	mu  sync.Mutex
	m   map[[sha256.Size]byte]*session
}

func newSessions(ttl time.Duration, now func() time.Time) *sessions {
	return &sessions{ttl: ttl, now: now, m: map[[sha256.Size]byte]*session{}}
}

// create starts a session for who and returns its id.
func (s *sessions) create(who api.Principal) string {
	id := randomToken()
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	for k, v := range s.m {
		if !now.Before(v.expires) {
			delete(s.m, k)
		}
	}
	tenant := who.Tenant
	if who.AllTenants() {
		tenant = store.DefaultTenant
	}
	s.m[sha256.Sum256([]byte(id))] = &session{who: who, csrf: randomToken(), expires: now.Add(s.ttl), tenant: tenant}
	return id
}

// pick moves an operator's session to tenant.
func (s *sessions) pick(id, tenant string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if se, ok := s.m[sha256.Sum256([]byte(id))]; ok && se.who.AllTenants() {
		se.tenant = tenant
	}
}

// get returns the live session with id.
func (s *sessions) get(id string) (session, bool) {
	if id == "" {
		return session{}, false
	}
	key := sha256.Sum256([]byte(id))
	s.mu.Lock()
	defer s.mu.Unlock()
	se, ok := s.m[key]
	if !ok {
		return session{}, false
	}
	if !s.now().Before(se.expires) {
		delete(s.m, key)
		return session{}, false
	}
	return *se, true
}

func (s *sessions) end(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.m, sha256.Sum256([]byte(id)))
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
