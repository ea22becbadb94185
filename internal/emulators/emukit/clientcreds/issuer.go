// Package clientcreds plays a vendor's own OAuth2 client-credentials token
// endpoint (RFC 6749 section 4.4): form-encoded client_id and
// client_secret, optional extra form fields the vendor defines, opaque
// tokens with a lifetime, and optionally token revocation (RFC 7009). It
// knows no vendor: the success status, the lifetime, extra response
// headers and the bodies of refusals are the vendor emulator's to choose
// (CrowdStrike answers 201 with an X-CS-Region header and 30-minute
// tokens). The Issuer satisfies emukit.TokenIssuer, so emukit.Require and
// emukit.Stack check the bearer tokens it issued.
package clientcreds

import (
	"errors"
	"net/url"
	"slices"
	"sync"
	"time"

	"github.com/alertsync/alertsync/internal/emulators/emukit"
)

// DefaultTTL is the token lifetime when Options.TTL is zero: the hour
// most client-credentials servers grant.
const DefaultTTL = time.Hour

// Client is an API client registered with the vendor.
type Client struct {
	ID     string
	Secret string
	// Name is what the vendor shows as the author of the client's changes.
	Name string
	// Audiences are the APIs the client may call; empty means any, for
	// vendors whose tokens are not bound to an audience.
	Audiences []string
	// Attrs is vendor data about the client (a home region, say), handed
	// to the Options hooks and kept on its tokens.
	Attrs map[string]string
}

func (c Client) clone() Client {
	c.Audiences = slices.Clone(c.Audiences)
	if c.Attrs != nil {
		attrs := make(map[string]string, len(c.Attrs))
		for k, v := range c.Attrs {
			attrs[k] = v
		}
		c.Attrs = attrs
	}
	return c
}

// Token is an issued access token.
type Token struct {
	AccessToken string
	ExpiresAt   time.Time
	Client      Client
	// Fields are the extra form fields (Options.Fields) the token request
	// carried, such as CrowdStrike's member_cid.
	Fields url.Values
}

// Issuer issues and checks opaque tokens. It is safe for concurrent use.
type Issuer struct {
	opts  Options
	clock emukit.Clock

	mu      sync.Mutex
	ttl     time.Duration
	clients map[string]Client
	tokens  map[string]Token
}

// New returns an issuer with no clients.
func New(o Options) *Issuer {
	o.defaults()
	clock := o.Clock
	if clock == nil {
		clock = emukit.RealClock{}
	}
	return &Issuer{opts: o, clock: clock, ttl: o.TTL, clients: map[string]Client{}, tokens: map[string]Token{}}
}

// RegisterClient adds or replaces a client.
func (i *Issuer) RegisterClient(c Client) {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.clients[c.ID] = c.clone()
}

// SetTTL changes the lifetime of tokens issued from now on.
func (i *Issuer) SetTTL(d time.Duration) {
	i.mu.Lock()
	defer i.mu.Unlock()
	if d <= 0 {
		d = i.opts.TTL
	}
	i.ttl = d
}

// SetTokenLifetime makes tokens issued from now on live d (zero: the
// issuer's own lifetime): see emukit.TokenLifetime.
func (i *Issuer) SetTokenLifetime(d time.Duration) { i.SetTTL(d) }

// TokensExpired counts the tokens issued whose lifetime has ended.
func (i *Issuer) TokensExpired() int {
	i.mu.Lock()
	defer i.mu.Unlock()
	now, n := i.clock.Now(), 0
	for _, t := range i.tokens {
		if !now.Before(t.ExpiresAt) {
			n++
		}
	}
	return n
}

// TTL is the lifetime of tokens issued now.
func (i *Issuer) TTL() time.Duration {
	i.mu.Lock()
	defer i.mu.Unlock()
	return i.ttl
}

// Expire invalidates every token issued so far, as if each had reached
// its expiry: the next API call with one is refused as expired.
func (i *Issuer) Expire() {
	i.mu.Lock()
	defer i.mu.Unlock()
	past := i.clock.Now().Add(-time.Second)
	for k, t := range i.tokens {
		t.ExpiresAt = past
		i.tokens[k] = t
	}
}

// Revoke forgets a token; it reports whether the token was known.
func (i *Issuer) Revoke(accessToken string) bool {
	i.mu.Lock()
	defer i.mu.Unlock()
	_, ok := i.tokens[accessToken]
	delete(i.tokens, accessToken)
	return ok
}

// Authenticate checks a client's credentials.
func (i *Issuer) Authenticate(id, secret string) (Client, bool) {
	i.mu.Lock()
	defer i.mu.Unlock()
	c, ok := i.clients[id]
	if !ok || secret == "" || c.Secret != secret {
		return Client{}, false
	}
	return c.clone(), true
}

// ErrUnknownClient is returned by Issue for a client never registered.
var ErrUnknownClient = errors.New("clientcreds: unknown client")

// Issue mints a token for a registered client without an HTTP request,
// for tests that need a bearer token.
func (i *Issuer) Issue(clientID string, fields url.Values) (Token, error) {
	i.mu.Lock()
	defer i.mu.Unlock()
	c, ok := i.clients[clientID]
	if !ok {
		return Token{}, ErrUnknownClient
	}
	return i.mintLocked(c, fields), nil
}

func (i *Issuer) mintLocked(c Client, fields url.Values) Token {
	t := Token{
		AccessToken: emukit.OpaqueToken(),
		ExpiresAt:   i.clock.Now().Add(i.ttl),
		Client:      c.clone(),
		Fields:      cloneValues(fields),
	}
	i.tokens[t.AccessToken] = t
	return t
}

func cloneValues(v url.Values) url.Values {
	if len(v) == 0 {
		return nil
	}
	out := make(url.Values, len(v))
	for k, vs := range v {
		out[k] = slices.Clone(vs)
	}
	return out
}

// Lookup returns a live token's record, for vendors that decide more
// than Validate does (which region's API a token is good for, say).
func (i *Issuer) Lookup(accessToken string) (Token, bool) {
	i.mu.Lock()
	defer i.mu.Unlock()
	t, ok := i.tokens[accessToken]
	if !ok || !i.clock.Now().Before(t.ExpiresAt) {
		return Token{}, false
	}
	t.Client, t.Fields = t.Client.clone(), cloneValues(t.Fields)
	return t, true
}

// Validate checks a bearer token for an API of the given audience (any
// audience when the client lists none or audience is empty). The
// Principal's Tenant is the token request's Options.TenantField value.
func (i *Issuer) Validate(accessToken, audience string) (emukit.Principal, emukit.AuthFailure) {
	i.mu.Lock()
	defer i.mu.Unlock()
	t, ok := i.tokens[accessToken]
	switch {
	case !ok:
		return emukit.Principal{}, emukit.AuthInvalid
	case !i.clock.Now().Before(t.ExpiresAt):
		return emukit.Principal{}, emukit.AuthExpired
	case audience != "" && len(t.Client.Audiences) > 0 && !slices.Contains(t.Client.Audiences, audience):
		return emukit.Principal{}, emukit.AuthWrongAudience
	}
	p := emukit.Principal{ClientID: t.Client.ID, DisplayName: t.Client.Name, Audience: audience}
	if i.opts.TenantField != "" {
		p.Tenant = t.Fields.Get(i.opts.TenantField)
	}
	return p, emukit.AuthOK
}

var _ emukit.TokenIssuer = (*Issuer)(nil)
