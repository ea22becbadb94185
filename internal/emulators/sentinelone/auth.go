package sentinelone

import (
	"net/http"
	"strings"
	"sync"

	"github.com/alertsync/alertsync/internal/emulators/emukit"
)

// tokens are the console's API tokens. A SentinelOne API token is a
// static string sent as "Authorization: ApiToken <token>"; it does not
// expire on its own here, but a console user can revoke it (or generate a
// new one, which revokes the old), after which every call answers 401.
type tokens struct {
	mu   sync.Mutex
	live map[string]string // token -> user name shown as note creator
}

func newTokens() *tokens { return &tokens{live: map[string]string{}} }

func (t *tokens) add(tok, user string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.live[tok] = user
}

func (t *tokens) revoke(tok string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.live, tok)
}

func (t *tokens) revokeAll() {
	t.mu.Lock()
	defer t.mu.Unlock()
	clear(t.live)
}

func (t *tokens) user(tok string) (string, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	u, ok := t.live[tok]
	return u, ok
}

// require lets through only requests bearing a live token in the ApiToken
// scheme (case-insensitive, as HTTP schemes are) and puts the token's user
// in the context as the Principal's DisplayName.
func (t *tokens) require(ew emukit.ErrorWriter) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			h := r.Header.Get("Authorization")
			if h == "" {
				ew.WriteUnauthorized(w, r, emukit.AuthMissing)
				return
			}
			scheme, tok, ok := strings.Cut(h, " ")
			if !ok || !strings.EqualFold(scheme, "ApiToken") || strings.TrimSpace(tok) == "" {
				ew.WriteUnauthorized(w, r, emukit.AuthMalformed)
				return
			}
			user, live := t.user(strings.TrimSpace(tok))
			if !live {
				ew.WriteUnauthorized(w, r, emukit.AuthInvalid)
				return
			}
			p := emukit.Principal{ClientID: tokenKey(tok), DisplayName: user}
			next.ServeHTTP(w, r.WithContext(emukit.WithPrincipal(r.Context(), p)))
		})
	}
}

// tokenKey is a short, non-secret handle on a token for rate-limit keys.
func tokenKey(tok string) string {
	tok = strings.TrimSpace(tok)
	if len(tok) > 6 {
		return "token…" + tok[len(tok)-4:]
	}
	return "token"
}

// actor is the user a request acts as, for note creators.
func actor(r *http.Request) string {
	if p, ok := emukit.PrincipalFrom(r.Context()); ok && p.DisplayName != "" {
		return p.DisplayName
	}
	return "API User"
}
