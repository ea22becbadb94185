package entra

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/alertsync/alertsync/internal/emulators/emukit"
)

// DefaultTokenTTL is what Entra ID answers in expires_in for app tokens.
const DefaultTokenTTL = 3599 * time.Second

// Client is an app registration: who may ask for tokens, and for which APIs.
type Client struct {
	Tenant      string // tenant GUID or domain, compared case-insensitively
	ID          string // application (client) ID
	Secret      string
	DisplayName string // the app's name, shown by vendors as a comment author
	// Audiences are the resource identifiers the app has permissions on, such
	// as "https://graph.microsoft.com".
	Audiences []string
}

// Token is an issued access token.
type Token struct {
	AccessToken string
	ExpiresAt   time.Time
	Principal   emukit.Principal
}

// Options configures an Issuer.
type Options struct {
	Clock emukit.Clock  // real clock when nil
	TTL   time.Duration // DefaultTokenTTL when zero
}

// Issuer plays the Entra ID token endpoint for client-credentials
// grants and remembers every token it issued, so emulators can check bearer
// tokens without signatures: the tokens are opaque on purpose, because a
// connector must never look inside one.
type Issuer struct {
	clock emukit.Clock

	mu      sync.Mutex
	ttl     time.Duration
	clients map[string]Client // by tenant + "/" + client ID
	aliases map[string]string // scope or resource spelling -> audience
	tokens  map[string]Token
}

// NewIssuer returns an issuer with no clients.
func NewIssuer(opts Options) *Issuer {
	ttl := opts.TTL
	if ttl <= 0 {
		ttl = DefaultTokenTTL
	}
	clock := opts.Clock
	if clock == nil {
		clock = emukit.RealClock{}
	}
	return &Issuer{
		clock:   clock,
		ttl:     ttl,
		clients: map[string]Client{},
		aliases: map[string]string{},
		tokens:  map[string]Token{},
	}
}

func clientKey(tenant, id string) string { return strings.ToLower(tenant) + "/" + id }

// RegisterClient adds or replaces an app registration.
func (i *Issuer) RegisterClient(c Client) {
	i.mu.Lock()
	defer i.mu.Unlock()
	aud := make([]string, len(c.Audiences))
	for n, a := range c.Audiences {
		aud[n] = canonicalAudience(a)
	}
	c.Audiences = aud
	i.clients[clientKey(c.Tenant, c.ID)] = c
}

// AddAudienceAlias makes another resource spelling (without "/.default")
// stand for audience, as Defender for Endpoint accepts both
// api.securitycenter and the windowsatpservice identifier.
func (i *Issuer) AddAudienceAlias(alias, audience string) {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.aliases[canonicalAudience(alias)] = canonicalAudience(audience)
}

// SetTTL changes the lifetime of tokens issued from now on.
func (i *Issuer) SetTTL(d time.Duration) {
	i.mu.Lock()
	defer i.mu.Unlock()
	if d <= 0 {
		d = DefaultTokenTTL
	}
	i.ttl = d
}

// SetTokenLifetime makes tokens issued from now on live d (zero: an
// hour, as Entra ID issues them): see emukit.TokenLifetime.
func (i *Issuer) SetTokenLifetime(d time.Duration) { i.SetTTL(d) }

// TokensExpired counts the tokens issued whose lifetime has ended.
func (i *Issuer) TokensExpired() int {
	i.mu.Lock()
	defer i.mu.Unlock()
	return expiredCount(i.tokens, i.clock.Now())
}

func expiredCount(tokens map[string]Token, now time.Time) int {
	n := 0
	for _, t := range tokens {
		if !now.Before(t.ExpiresAt) {
			n++
		}
	}
	return n
}

// ExpireAll makes every token issued so far expired, as if an hour passed.
func (i *Issuer) ExpireAll() {
	i.mu.Lock()
	defer i.mu.Unlock()
	now := i.clock.Now()
	for k, t := range i.tokens {
		t.ExpiresAt = now
		i.tokens[k] = t
	}
}

// Reset forgets all issued tokens (clients stay registered).
func (i *Issuer) Reset() {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.tokens = map[string]Token{}
}

// Issue mints a token for a registered client without the HTTP round trip,
// for tests that are not about authentication.
func (i *Issuer) Issue(tenant, clientID, audience string) (Token, error) {
	i.mu.Lock()
	defer i.mu.Unlock()
	c, ok := i.clients[clientKey(tenant, clientID)]
	if !ok {
		return Token{}, fmt.Errorf("issue token: client %q not registered in tenant %q", clientID, tenant)
	}
	aud := i.resolveLocked(audience)
	if !c.allows(aud) {
		return Token{}, fmt.Errorf("issue token: client %q has no access to %q", clientID, aud)
	}
	return i.mintLocked(c, aud), nil
}

func (i *Issuer) mintLocked(c Client, aud string) Token {
	t := Token{
		AccessToken: emukit.OpaqueToken(),
		ExpiresAt:   i.clock.Now().Add(i.ttl),
		Principal:   emukit.Principal{Tenant: c.Tenant, ClientID: c.ID, DisplayName: c.DisplayName, Audience: aud},
	}
	i.tokens[t.AccessToken] = t
	return t
}

func (i *Issuer) resolveLocked(aud string) string {
	aud = canonicalAudience(aud)
	if a, ok := i.aliases[aud]; ok {
		return a
	}
	return aud
}

func (c Client) allows(aud string) bool {
	for _, a := range c.Audiences {
		if a == aud {
			return true
		}
	}
	return false
}

// canonicalAudience drops the trailing slash so "https://management.azure.com/"
// and "https://management.azure.com" are one audience.
func canonicalAudience(a string) string { return strings.TrimRight(strings.TrimSpace(a), "/") }

// Validate checks a raw access token against audience (or any of its aliases).
func (i *Issuer) Validate(accessToken, audience string) (emukit.Principal, emukit.AuthFailure) {
	i.mu.Lock()
	defer i.mu.Unlock()
	t, ok := i.tokens[accessToken]
	if !ok {
		return emukit.Principal{}, emukit.AuthInvalid
	}
	if !i.clock.Now().Before(t.ExpiresAt) {
		return emukit.Principal{}, emukit.AuthExpired
	}
	if t.Principal.Audience != i.resolveLocked(audience) {
		return emukit.Principal{}, emukit.AuthWrongAudience
	}
	return t.Principal, emukit.AuthOK
}

// errTokenRequest is an AADSTS answer: the OAuth error code, the status and
// the AADSTS number and text.
type errTokenRequest struct {
	status int
	code   string
	aadsts int
	text   string
}

func (e *errTokenRequest) Error() string { return fmt.Sprintf("AADSTS%d: %s", e.aadsts, e.text) }

// grant validates a token request and mints a token for it.
func (i *Issuer) grant(tenant string, form map[string][]string, v1 bool) (Token, error) {
	get := func(k string) string {
		if v := form[k]; len(v) > 0 {
			return v[0]
		}
		return ""
	}
	grantType, id, secret := get("grant_type"), get("client_id"), get("client_secret")
	switch {
	case grantType == "":
		return Token{}, missingParam("grant_type")
	case grantType != "client_credentials":
		return Token{}, &errTokenRequest{http.StatusBadRequest, "unsupported_grant_type", 70003,
			"The app requested an unsupported grant type '" + grantType + "'."}
	case id == "":
		return Token{}, missingParam("client_id")
	case secret == "":
		return Token{}, &errTokenRequest{http.StatusUnauthorized, "invalid_client", 7000216,
			"'client_assertion', 'client_secret' or 'request' is required for the 'client_credentials' grant type."}
	}
	aud, err := requestedAudience(get, v1)
	if err != nil {
		return Token{}, err
	}
	i.mu.Lock()
	defer i.mu.Unlock()
	c, ok := i.clients[clientKey(tenant, id)]
	if !ok {
		return Token{}, &errTokenRequest{http.StatusBadRequest, "unauthorized_client", 700016,
			fmt.Sprintf("Application with identifier '%s' was not found in the directory '%s'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.", id, tenant)}
	}
	if c.Secret != secret {
		return Token{}, &errTokenRequest{http.StatusUnauthorized, "invalid_client", 7000215,
			fmt.Sprintf("Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '%s'.", id)}
	}
	resolved := i.resolveLocked(aud)
	if !c.allows(resolved) {
		return Token{}, &errTokenRequest{http.StatusBadRequest, "invalid_resource", 500011,
			fmt.Sprintf("The resource principal named %s was not found in the tenant named %s. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant.", aud, tenant)}
	}
	return i.mintLocked(c, resolved), nil
}

func missingParam(name string) error {
	return &errTokenRequest{http.StatusBadRequest, "invalid_request", 900144,
		"The request body must contain the following parameter: '" + name + "'."}
}

// requestedAudience reads resource= (v1) or a single "<resource>/.default"
// scope (v2), the only scope form client credentials allow.
func requestedAudience(get func(string) string, v1 bool) (string, error) {
	if v1 {
		res := get("resource")
		if res == "" {
			return "", missingParam("resource")
		}
		return res, nil
	}
	scope := strings.TrimSpace(get("scope"))
	if scope == "" {
		return "", missingParam("scope")
	}
	if strings.Contains(scope, " ") || !strings.HasSuffix(scope, "/.default") {
		return "", &errTokenRequest{http.StatusBadRequest, "invalid_scope", 1002012,
			"The provided value for scope " + scope + " is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI)."}
	}
	return strings.TrimSuffix(scope, "/.default"), nil
}
