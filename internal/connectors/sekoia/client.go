package sekoia

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"github.com/alertsync/alertsync/internal/config"
	"github.com/alertsync/alertsync/internal/connector"
	"github.com/alertsync/alertsync/internal/connector/httpkit"
)

// apiPath is where the SIC Alert API lives under the region's base URL
// (the swagger's basePath).
const apiPath = "v1/sic/"

// defaultThrottleWait is the wait a 429 without Retry-After asks for.
// Sekoia documents only "wait before retrying" and no header [U]; a
// minute, one full window of a per-minute quota, is the cautious reading.
const defaultThrottleWait = time.Minute

// newClients builds the API client (the key as a bearer token, a local
// budget shared by the integrations using the same key on the same
// region, as Sekoia would count them together) and the intake client (no
// authentication header: the intake key travels in the body). Both
// redact both secrets from every error.
func newClients(deps connector.Deps, cfg Config, s settings, log *slog.Logger) (api, intake *httpkit.Client, err error) {
	sum := sha256.Sum256([]byte(cfg.APIKey.Reveal()))
	secrets := []config.Secret{cfg.APIKey, cfg.IntakeKey}
	api, err = httpkit.New(httpkit.Options{
		BaseURL: s.api, HTTP: deps.HTTP, Auth: httpkit.Bearer{Token: cfg.APIKey}, Secrets: secrets,
		Limiter: httpkit.SharedPerMinute(deps.Tenant, "sekoia|"+s.api+"|"+hex.EncodeToString(sum[:8]), cfg.RequestsPerMinute),
		Logger:  log, Integration: deps.ID, Tenant: deps.Tenant, Now: deps.Now, Classify: throttleWait,
	})
	if err != nil {
		return nil, nil, &connector.FieldError{Field: "base_url", Problem: err.Error()}
	}
	intake, err = httpkit.New(httpkit.Options{
		BaseURL: s.intake, HTTP: deps.HTTP, Secrets: secrets, Logger: log, Now: deps.Now, Classify: throttleWait,
	})
	if err != nil {
		return nil, nil, &connector.FieldError{Field: "intake_url", Problem: err.Error()}
	}
	return api, intake, nil
}

// throttleWait gives a 429 without Retry-After the default wait; a
// Retry-After, should Sekoia send one, is honoured as sent.
func throttleWait(e *connector.Error, _ http.Header) {
	if e.Status == http.StatusTooManyRequests && e.RetryAfter <= 0 {
		e.RetryAfter = defaultThrottleWait
	}
}

// permission is one of the permissions an API key's role grants; a 403
// names the one the refused call needed.
type permission struct{ name, uuid string }

var (
	permView    = permission{"View alerts", "9ea2b8a3-593f-4bab-92f5-d0af9b563f6f"}
	permStatus  = permission{"Update alert status", "9f3df1b1-4db7-44bd-b615-af5873ad7f8a"}
	permComment = permission{"Comment alerts", "341436f9-1c33-4cf7-bec3-a6955133ea04"}
)

// forbidden turns a 403 into a permanent error naming the permission the
// key lacks: retrying cannot grant it, and an auth error would suggest a
// bad key rather than a role to extend.
func forbidden(err error, p permission) error {
	var ce *connector.Error
	if !errors.As(err, &ce) || ce.Status != http.StatusForbidden {
		return err
	}
	out := *ce
	out.Class = connector.ClassPermanent
	out.Message = fmt.Sprintf("the API key's role lacks the %q permission (%s)", p.name, p.uuid)
	if ce.Message != "" {
		out.Message += "; sekoia said: " + ce.Message
	}
	return &out
}

// get reads ref under the API path into out.
func (c *core) get(ctx context.Context, ref string, q url.Values, p permission, out any) error {
	if len(q) > 0 {
		ref += "?" + q.Encode()
	}
	return forbidden(c.api.GetJSON(ctx, apiPath+ref, out), p)
}

// send writes in to ref under the API path with method.
func (c *core) send(ctx context.Context, method, ref string, p permission, in, out any) error {
	return forbidden(c.api.SendJSON(ctx, method, apiPath+ref, in, out), p)
}

// Health lists one alert of the community: it checks the URL, the key
// and its View alerts permission in one request.
func (c *core) Health(ctx context.Context) error {
	q := c.scope(url.Values{"limit": {"1"}})
	if err := c.get(ctx, "alerts", q, permView, nil); err != nil {
		return fmt.Errorf("sekoia health: %w", err)
	}
	return nil
}

// scope adds the community filter to a list query.
func (c *core) scope(q url.Values) url.Values {
	if c.cfg.CommunityUUID != "" {
		q.Set("match[community_uuid]", c.cfg.CommunityUUID)
	}
	return q
}
