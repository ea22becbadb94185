package api

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"log/slog"
	"net/http"
	"strings"

	"github.com/alertsync/alertsync/internal/config"
)

// Role is what a token may do. Each role includes the ones below it.
type Role string

// Roles, from least to most privileged.
const (
	RoleViewer  Role = "viewer"
	RoleAnalyst Role = "analyst"
	RoleAdmin   Role = "admin"
)

func (r Role) rank() int {
	switch r {
	case RoleViewer:
		return 1
	case RoleAnalyst:
		return 2
	case RoleAdmin:
		return 3
	}
	return 0
}

// Token is one named bearer token. Name is what revisions and comments
// record as the analyst; Value is never logged or echoed.
type Token struct {
	Name  string
	Value config.Secret
	Role  Role
}

// TokensFrom converts the configured API tokens.
func TokensFrom(cfg []config.APIToken) []Token {
	out := make([]Token, 0, len(cfg))
	for _, t := range cfg {
		out = append(out, Token{Name: t.Name, Value: t.Token, Role: Role(t.Role)})
	}
	return out
}

// tokenEntry keeps a digest of the token value so every comparison is over
// equal-length inputs and takes the same time.
type tokenEntry struct {
	name   string
	role   Role
	digest [sha256.Size]byte
}

func newTokenEntries(tokens []Token, admin config.Secret, log *slog.Logger) []tokenEntry {
	var out []tokenEntry
	add := func(name string, role Role, value config.Secret) {
		if value.IsZero() {
			return
		}
		if role.rank() == 0 {
			log.Warn("api token ignored: unknown role", "name", name, "role", string(role))
			return
		}
		out = append(out, tokenEntry{name: name, role: role, digest: sha256.Sum256([]byte(value.Reveal()))})
	}
	for _, t := range tokens {
		add(t.Name, t.Role, t.Value)
	}
	add("admin", RoleAdmin, admin)
	return out
}

// principal is the caller a request was authenticated as.
type principal struct {
	name string
	role Role
}

type principalKey struct{}

func principalFrom(ctx context.Context) principal {
	p, _ := ctx.Value(principalKey{}).(principal)
	return p
}

// authenticate compares the presented token with every configured token,
// without stopping at the first match, so timing says nothing about which
// token matched. Should two names share a value, the first one configured
// wins.
func (s *server) authenticate(r *http.Request) (principal, bool) {
	h := r.Header.Get("Authorization")
	scheme, value, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || value == "" {
		return principal{}, false
	}
	digest := sha256.Sum256([]byte(strings.TrimSpace(value)))
	var found principal
	matched := false
	for _, t := range s.tokens {
		if subtle.ConstantTimeCompare(digest[:], t.digest[:]) == 1 && !matched {
			found, matched = principal{name: t.name, role: t.role}, true
		}
	}
	return found, matched
}

// require wraps h so that only callers holding at least role reach it.
func (s *server) require(role Role, h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, ok := s.authenticate(r)
		if !ok {
			w.Header().Set("WWW-Authenticate", `Bearer realm="alertsync"`)
			writeError(w, http.StatusUnauthorized, codeUnauthorized, "a valid bearer token is required")
			return
		}
		if p.role.rank() < role.rank() {
			writeError(w, http.StatusForbidden, codeForbidden, "this needs the "+string(role)+" role")
			return
		}
		h(w, r.WithContext(context.WithValue(r.Context(), principalKey{}, p)))
	})
}
