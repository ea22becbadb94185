package sentinelone

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/alertsync/alertsync/internal/config"
	"github.com/alertsync/alertsync/internal/connector"
	"github.com/alertsync/alertsync/internal/connector/httpkit"
)

// defaultThrottleWait is the wait a 429 without Retry-After asks for.
// SentinelOne documents neither its quota nor its 429 answer; a minute,
// one full window of a per-minute quota, is the cautious reading.
const defaultThrottleWait = time.Minute

// newClient builds the HTTP client: the token in the ApiToken scheme, the
// bare token redacted from every error, and a local budget shared by the
// integrations that use the same token on the same console (SentinelOne
// would count them together).
func newClient(deps connector.Deps, cfg Config, s settings) (*httpkit.Client, error) {
	log := deps.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	sum := sha256.Sum256([]byte(cfg.APIToken.Reveal()))
	client, err := httpkit.New(httpkit.Options{
		BaseURL:     s.api,
		HTTP:        deps.HTTP,
		Auth:        httpkit.APIKey{Header: "Authorization", Key: config.NewSecret("ApiToken " + cfg.APIToken.Reveal())},
		Secrets:     []config.Secret{cfg.APIToken},
		Limiter:     httpkit.SharedPerMinute(deps.Tenant, s.api+"|"+hex.EncodeToString(sum[:8]), cfg.RequestsPerMinute),
		Logger:      log.With("connector", deps.ID),
		Integration: deps.ID,
		Tenant:      deps.Tenant,
		Now:         deps.Now,
		Classify: func(e *connector.Error, _ http.Header) {
			if e.Status == http.StatusTooManyRequests && e.RetryAfter <= 0 {
				e.RetryAfter = defaultThrottleWait
			}
		},
	})
	if err != nil {
		return nil, &connector.FieldError{Field: "base_url", Problem: err.Error()}
	}
	return client, nil
}

// scope adds the configured site and account filters to q.
func (c *core) scope(q url.Values) url.Values {
	if len(c.cfg.SiteIDs) > 0 {
		q.Set("siteIds", strings.Join(c.cfg.SiteIDs, ","))
	}
	if len(c.cfg.AccountIDs) > 0 {
		q.Set("accountIds", strings.Join(c.cfg.AccountIDs, ","))
	}
	return q
}

// list reads one page of a v2.1 list.
func (c *core) list(ctx context.Context, path string, q url.Values) (listEnvelope, error) {
	var env listEnvelope
	err := c.client.GetJSON(ctx, path+"?"+q.Encode(), &env)
	return env, err
}

// post sends one bulk write with ids narrowed to the configured scope.
func (c *core) post(ctx context.Context, path string, ids []string, data any) (writeAnswer, error) {
	var ans writeAnswer
	body := writeBody{Filter: writeFilter{IDs: ids, SiteIDs: c.cfg.SiteIDs, AccountIDs: c.cfg.AccountIDs}, Data: data}
	err := c.client.SendJSON(ctx, http.MethodPost, path, body, &ans)
	return ans, err
}

// Health reads one threat: it checks the URL, the token and its view
// permission in one request.
func (c *core) Health(ctx context.Context) error {
	if _, err := c.list(ctx, "threats", c.scope(url.Values{"limit": {"1"}})); err != nil {
		return fmt.Errorf("sentinelone health: %w", err)
	}
	return nil
}

func limit(n int) string { return strconv.Itoa(n) }
