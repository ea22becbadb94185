package api

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"log/slog"
	"net/http"
	"strings"

	"github.com/alertsync/alertsync/internal/config"
	"github.com/alertsync/alertsync/internal/model"
)

// Role is what a token may do. Each role includes the ones below it.
type Role string

// Roles, from least to most privileged. RolePublic marks a route that
// takes no bearer token (health, metrics, the OpenAPI document, the intake,
// which checks its integration's own key, and the console's login page);
// no token holds it.
const (
	RolePublic  Role = ""
	RoleViewer  Role = "viewer"
	RoleAnalyst Role = "analyst"
	RoleAdmin   Role = "admin"
	// RoleOperator is a provider's operator: an admin token scoped to
	// every tenant (api.tokens[].tenant "*", and api.admin_token). It
	// may list, create, disable and delete tenants, and act in any.
	RoleOperator Role = "operator"
)

// AtLeast reports whether r may do what needs role min: every role may
// call a public route, and a role includes the ones below it.
func (r Role) AtLeast(min Role) bool { return r.rank() >= min.rank() }

func (r Role) rank() int {
	switch r {
	case RoleViewer:
		return 1
	case RoleAnalyst:
		return 2
	case RoleAdmin:
		return 3
	case RoleOperator:
		return 4
	}
	return 0
}

// Token is one named bearer token. Name is what revisions and comments
// record as the analyst; Value is never logged or echoed.
type Token struct {
	Name  string
	Value config.Secret
	Role  Role
	// Tenant is the tenant the token acts in: one tenant's id, or
	// config.AllTenants for a provider's operator ("" is the default
	// tenant).
	Tenant string
}

// TokensFrom converts the configured API tokens.
func TokensFrom(cfg []config.APIToken) []Token {
	out := make([]Token, 0, len(cfg))
	for _, t := range cfg {
		out = append(out, Token{Name: t.Name, Value: t.Token, Role: Role(t.Role), Tenant: t.Tenant})
	}
	return out
}

// tokenEntry keeps a digest of the token value so every comparison is over
// equal-length inputs and takes the same time.
type tokenEntry struct {
	name   string
	role   Role
	tenant string
	digest [sha256.Size]byte
}

// PrincipalOf is who a configured credential (an API token, or a user
// of the web console) with role and tenant acts as: tenant "" is the
// default tenant, and an admin of every tenant ("*") is a provider's
// operator. It is false for a role no configuration may grant.
func PrincipalOf(name string, role Role, tenant string) (Principal, bool) {
	if role.rank() == 0 || role == RoleOperator {
		return Principal{}, false
	}
	if tenant == "" {
		tenant = model.DefaultTenant
	}
	if tenant == config.AllTenants && role == RoleAdmin {
		role = RoleOperator
	}
	return Principal{Name: name, Role: role, Tenant: tenant}, true
}

func newTokenEntries(tokens []Token, admin config.Secret, log *slog.Logger) []tokenEntry {
	var out []tokenEntry
	add := func(name string, role Role, tenant string, value config.Secret) {
		if value.IsZero() {
			return
		}
		p, ok := PrincipalOf(name, role, tenant)
		if !ok {
			log.Warn("api token ignored: unknown role", "name", name, "role", string(role))
			return
		}
		out = append(out, tokenEntry{name: p.Name, role: p.Role, tenant: p.Tenant, digest: sha256.Sum256([]byte(value.Reveal()))})
	}
	for _, t := range tokens {
		add(t.Name, t.Role, t.Tenant, t.Value)
	}
	// The admin token is the provider's own: every tenant, and tenants
	// themselves.
	add("admin", RoleAdmin, config.AllTenants, admin)
	return out
}

// Principal is the caller a request was authenticated as: Name is what
// revisions and comments record, Role what the caller may do.
type Principal struct {
	Name string
	Role Role
	// Tenant is the tenant the token acts in, or config.AllTenants.
	Tenant string
}

// AllTenants reports whether the principal may act in every tenant.
func (p Principal) AllTenants() bool { return p.Tenant == config.AllTenants }

type principalKey struct{}

func principalFrom(ctx context.Context) Principal {
	p, _ := ctx.Value(principalKey{}).(Principal)
	return p
}

// Authenticator checks a presented token against the configured ones. The
// API checks bearer tokens with it and the web console checks the token
// pasted at its login with the very same one, so both accept exactly the
// same tokens with the same roles.
type Authenticator struct{ tokens []tokenEntry }

// NewAuthenticator accepts tokens, and admin (when set) as an admin token
// named "admin"; a token with an unknown role is ignored with a warning.
func NewAuthenticator(tokens []Token, admin config.Secret, log *slog.Logger) *Authenticator {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Authenticator{tokens: newTokenEntries(tokens, admin, log)}
}

// Check compares value with every configured token, without stopping at
// the first match, so timing says nothing about which token matched.
// Should two names share a value, the first one configured wins.
func (a *Authenticator) Check(value string) (Principal, bool) {
	value = strings.TrimSpace(value)
	if value == "" {
		return Principal{}, false
	}
	digest := sha256.Sum256([]byte(value))
	var found Principal
	matched := false
	for _, t := range a.tokens {
		if subtle.ConstantTimeCompare(digest[:], t.digest[:]) == 1 && !matched {
			found, matched = Principal{Name: t.name, Role: t.role, Tenant: t.tenant}, true
		}
	}
	return found, matched
}

// CheckBound is Check for a login that outlives the request (the web
// console's session): it also returns a binding of the matched token to
// salt, an HMAC keyed by the token's digest, which the session keeps in
// place of the token.
func (a *Authenticator) CheckBound(value string, salt []byte) (Principal, []byte, bool) {
	p, ok := a.Check(value)
	if !ok {
		return Principal{}, nil, false
	}
	digest := sha256.Sum256([]byte(strings.TrimSpace(value)))
	return p, Bind(digest[:], salt), true
}

// Bound reports whether a token configured now still grants p and is the
// one binding was made from (CheckBound with salt): a session whose token
// was removed, replaced or given another role or tenant ends. Every
// token is compared, in constant time.
func (a *Authenticator) Bound(p Principal, salt, binding []byte) bool {
	found := 0
	for _, t := range a.tokens {
		same := subtle.ConstantTimeCompare(Bind(t.digest[:], salt), binding)
		if t.name == p.Name && t.role == p.Role && t.tenant == p.Tenant {
			found |= same
		}
	}
	return found == 1
}

// Bind ties a credential, by its digest, to salt: HMAC-SHA256 keyed by
// the digest, which only the credential's holder (or its configuration)
// can make again, and which tells nothing of the credential.
func Bind(digest, salt []byte) []byte {
	m := hmac.New(sha256.New, digest)
	m.Write(salt)
	return m.Sum(nil)
}

// authenticate reads the request's bearer token and checks it.
func (s *server) authenticate(r *http.Request) (Principal, bool) {
	h := r.Header.Get("Authorization")
	scheme, value, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || value == "" {
		return Principal{}, false
	}
	return s.auth.Check(value)
}
