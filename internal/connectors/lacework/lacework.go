// Package lacework is the Lacework FortiCNAPP connector over the API v2.
// It polls GET /api/v2/Alerts by time window (at most seven days a
// request, following paging.urls.nextPage), assembles each alert from
// its six scopes (GET /api/v2/Alerts/{id}?scope=Details, Investigation,
// Events, RelatedAlerts, Integrations, Timeline) fetched concurrently
// under one bound, writes comments (POST .../comment) and closes alerts
// (POST .../close with a reason code) on a final verdict only, because a
// closed Lacework alert cannot be reopened. It authenticates with an API
// key exchanged for short-lived access tokens.
package lacework

import (
	"log/slog"
	"net/http"
	"time"

	"golang.org/x/time/rate"

	"github.com/alertsync/alertsync/internal/config"
	"github.com/alertsync/alertsync/internal/connector"
	"github.com/alertsync/alertsync/internal/connector/httpkit"
)

// Kind is the registry name.
const Kind = "lacework"

func init() {
	connector.Register(connector.Registration{
		Kind:  Kind,
		Title: "Lacework FortiCNAPP (alerts API v2)",
		Description: "Polls Lacework FortiCNAPP alerts by time window and assembles each from its six scopes, adds comments, " +
			"and closes an alert (with the matching close reason) only on a final verdict: Lacework cannot reopen a closed alert. " +
			"Authenticates with an API key (or the key file an admin downloads).",
		Spec: Spec,
		New:  connector.Decoding(Spec, New),
	})
}

// Scope retries: a scope that fails with a retryable error is asked
// again up to scopeAttempts times in all, waiting retryBase, then twice
// as long each time (at most retryMax), so a passing 5xx does not fail a
// page while a lasting one fails it within seconds.
const (
	scopeAttempts = 4
	retryBase     = 250 * time.Millisecond
	retryMax      = 4 * time.Second
)

// core holds the connector's state; Connector exposes it.
type core struct {
	id     string
	cfg    Config
	s      settings
	deps   connector.Deps
	log    *slog.Logger
	auth   *tokenSource
	client *httpkit.Client
	// attempts and backoff are scopeAttempts and retryBase; tests lower
	// the wait.
	attempts int
	backoff  time.Duration
}

// Connector is one Lacework integration.
type Connector struct{ *core }

// New builds the connector for cfg. It makes no request: the first call
// exchanges the key for a token.
func New(deps connector.Deps, cfg Config) (*Connector, error) {
	s, err := cfg.check()
	if err != nil {
		return nil, err
	}
	if deps.HTTP == nil {
		deps.HTTP = http.DefaultClient
	}
	if deps.Now == nil {
		deps.Now = time.Now
	}
	log := deps.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	log = log.With("connector", deps.ID)
	c := &core{id: deps.ID, cfg: cfg, s: s, deps: deps, log: log, attempts: scopeAttempts, backoff: retryBase}
	c.auth = newTokenSource(&tokenSource{
		http: deps.HTTP, url: s.base + tokenPath, keyID: s.keyID, secret: s.secret, subAccount: s.subAccount,
		expiry: s.expiry, now: deps.Now, redact: httpkit.NewRedactor(s.secret, cfg.APIKeyFile),
	})
	if c.client, err = c.newClient(s, budget(deps.Tenant, s)); err != nil {
		return nil, err
	}
	return &Connector{c}, nil
}

// budget is the account's request budget, shared by the integrations of
// one key [U: Lacework documents no limit, so neither what it counts].
func budget(tenant string, s settings) *rate.Limiter {
	return httpkit.SharedPerMinute(tenant, "lacework|"+s.base+"|"+s.keyID, s.rpm)
}

func (c *core) newClient(s settings, lim *rate.Limiter) (*httpkit.Client, error) {
	var hdr http.Header
	if s.subAccount != "" {
		hdr = http.Header{"Account-Name": {s.subAccount}}
	}
	return httpkit.New(httpkit.Options{
		BaseURL: s.base, HTTP: c.deps.HTTP, Auth: c.auth, Limiter: lim, Logger: c.log, Now: c.deps.Now,
		Integration: c.deps.ID, Tenant: c.deps.Tenant, Secrets: []config.Secret{s.secret, c.cfg.APIKeyFile}, Header: hdr,
	})
}

// Kind returns the registry name.
func (c *core) Kind() string { return Kind }

var (
	_ connector.AlertSource   = (*Connector)(nil)
	_ connector.StateSyncer   = (*Connector)(nil)
	_ connector.Commenter     = (*Connector)(nil)
	_ connector.HealthChecker = (*Connector)(nil)
)

// TokenExpiry implements connector.TokenReporter: when the vendor token
// the connector holds now expires.
func (c *Connector) TokenExpiry() (time.Time, bool) { return c.client.TokenExpiry() }

var _ connector.TokenReporter = (*Connector)(nil)
