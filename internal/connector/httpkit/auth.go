package httpkit

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"sync"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/alertsync/alertsync/internal/config"
	"github.com/alertsync/alertsync/internal/connector"
)

// Auth authenticates outgoing requests. Invalidate drops any cached
// credential so the next Apply fetches a new one; the Client calls it after
// a 401 before its single retry.
type Auth interface {
	Apply(ctx context.Context, req *http.Request) error
	Invalidate()
}

// Expiring is an Auth whose credential expires: Expiry is when the one it
// holds now does, and false while it holds none. The hub shows it on an
// integration's health (a token that stops renewing is seen before its
// calls fail).
type Expiring interface {
	Expiry() (time.Time, bool)
}

// secretHolder is implemented by the auths in this package so the Client
// redacts their credentials without the caller listing them again.
type secretHolder interface {
	redactValues() []string
}

// OAuth2Config configures the client-credentials grant.
type OAuth2Config struct {
	TokenURL     string
	ClientID     string
	ClientSecret config.Secret
	Scopes       []string
	// EndpointParams are extra form fields for the token request, such as
	// resource= for the v1 Entra ID endpoint.
	EndpointParams url.Values
	// AuthStyle says how the client secret is sent; zero auto-detects.
	AuthStyle oauth2.AuthStyle
	// HTTP is the client used for token requests; nil means http.DefaultClient.
	HTTP *http.Client
}

// OAuth2 is an Auth using the OAuth2 client-credentials grant. It caches the
// token until shortly before expiry and fetches at most one at a time.
type OAuth2 struct {
	conf   clientcredentials.Config
	http   *http.Client
	secret config.Secret
	sem    chan struct{} // held while fetching, so concurrent callers share one token request

	mu    sync.Mutex
	token *oauth2.Token
}

// NewOAuth2 returns a client-credentials Auth.
func NewOAuth2(c OAuth2Config) *OAuth2 {
	return &OAuth2{
		conf: clientcredentials.Config{
			ClientID:       c.ClientID,
			ClientSecret:   c.ClientSecret.Reveal(),
			TokenURL:       c.TokenURL,
			Scopes:         c.Scopes,
			EndpointParams: c.EndpointParams,
			AuthStyle:      c.AuthStyle,
		},
		http:   c.HTTP,
		secret: c.ClientSecret,
		sem:    make(chan struct{}, 1),
	}
}

// Apply sets the Authorization header, fetching a token when none is cached
// or the cached one is about to expire.
func (a *OAuth2) Apply(ctx context.Context, req *http.Request) error {
	tok, err := a.current(ctx)
	if err != nil {
		return err
	}
	tok.SetAuthHeader(req)
	return nil
}

// Invalidate forgets the cached token.
func (a *OAuth2) Invalidate() {
	a.mu.Lock()
	a.token = nil
	a.mu.Unlock()
}

func (a *OAuth2) cached() *oauth2.Token {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.token.Valid() {
		return a.token
	}
	return nil
}

func (a *OAuth2) current(ctx context.Context) (*oauth2.Token, error) {
	if tok := a.cached(); tok != nil {
		return tok, nil
	}
	select {
	case a.sem <- struct{}{}:
	case <-ctx.Done():
		return nil, &connector.Error{Class: connector.ClassRetryable, Message: "wait for token", Err: ctx.Err()}
	}
	defer func() { <-a.sem }()
	if tok := a.cached(); tok != nil { // another caller fetched it while we waited
		return tok, nil
	}
	if a.http != nil {
		ctx = context.WithValue(ctx, oauth2.HTTPClient, a.http)
	}
	tok, err := a.conf.Token(ctx)
	if err != nil {
		return nil, tokenError(err)
	}
	a.mu.Lock()
	a.token = tok
	a.mu.Unlock()
	return tok, nil
}

// tokenError classifies a failed token request. Rejected credentials (400
// invalid_client and friends, 401) are auth errors; the raw response body is
// dropped because it may echo the request.
func tokenError(err error) error {
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) || re.Response == nil {
		return &connector.Error{Class: connector.ClassRetryable, Message: "fetch token", Err: err}
	}
	st := re.Response.StatusCode
	cls := ClassForStatus(st)
	if st == http.StatusBadRequest {
		cls = connector.ClassAuth
	}
	msg := re.ErrorDescription
	if msg == "" {
		msg = "token request rejected"
	}
	return &connector.Error{
		Class:      cls,
		Status:     st,
		Code:       re.ErrorCode,
		Message:    "fetch token: " + msg,
		RetryAfter: defaultRetryAfter(re.Response.Header, time.Now()),
	}
}

// Expiry implements Expiring.
func (a *OAuth2) Expiry() (time.Time, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.token == nil || a.token.Expiry.IsZero() {
		return time.Time{}, false
	}
	return a.token.Expiry, true
}

func (a *OAuth2) redactValues() []string {
	out := []string{a.secret.Reveal()}
	a.mu.Lock()
	if a.token != nil {
		out = append(out, a.token.AccessToken)
	}
	a.mu.Unlock()
	return out
}

// Bearer is an Auth with a static bearer token (API keys sent as
// "Authorization: Bearer <key>").
type Bearer struct{ Token config.Secret }

// Apply sets the Authorization header.
func (b Bearer) Apply(_ context.Context, req *http.Request) error {
	req.Header.Set("Authorization", "Bearer "+b.Token.Reveal())
	return nil
}

// Invalidate does nothing: a static token cannot be refreshed.
func (Bearer) Invalidate() {}

func (b Bearer) redactValues() []string { return []string{b.Token.Reveal()} }

// APIKey is an Auth sending a static key in a named header.
type APIKey struct {
	Header string
	Key    config.Secret
}

// Apply sets the key header.
func (k APIKey) Apply(_ context.Context, req *http.Request) error {
	req.Header.Set(k.Header, k.Key.Reveal())
	return nil
}

// Invalidate does nothing: a static key cannot be refreshed.
func (APIKey) Invalidate() {}

func (k APIKey) redactValues() []string { return []string{k.Key.Reveal()} }

var (
	_ Auth = (*OAuth2)(nil)
	_ Auth = Bearer{}
	_ Auth = APIKey{}
)
