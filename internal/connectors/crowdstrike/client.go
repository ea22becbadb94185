package crowdstrike

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/alertsync/alertsync/internal/config"
	"github.com/alertsync/alertsync/internal/connector/httpkit"
)

// api returns the client for the host the API is called on, running
// cloud discovery first when it is on and has not run.
func (c *core) api(ctx context.Context) (*httpkit.Client, error) {
	if c.cfg.Autodiscover {
		if err := c.auth.discover(ctx, c.cfg.Cloud, c.hosts); err != nil {
			return nil, err
		}
	}
	base := c.auth.baseURL()
	c.mu.Lock()
	defer c.mu.Unlock()
	if cl, ok := c.clients[base]; ok {
		return cl, nil
	}
	cl, err := httpkit.New(httpkit.Options{
		BaseURL: base, HTTP: c.deps.HTTP, Auth: c.auth, Limiter: c.lim, Logger: c.log, Now: c.deps.Now, Integration: c.deps.ID, Tenant: c.deps.Tenant,
		Secrets: []config.Secret{c.cfg.ClientSecret}, RetryAfter: retryAfter,
		// gofalcon sends Content-Type: application/json on every call,
		// bodiless ones included: "CrowdStrike service requires it".
		Header: http.Header{"Content-Type": {"application/json"}},
	})
	if err != nil {
		return nil, err
	}
	c.clients[base] = cl
	return cl, nil
}

// retryAfter reads X-RateLimit-RetryAfter, the Unix time (seconds) from
// which CrowdStrike takes requests again, as the wait from now rounded
// up to a whole second and never under one (gofalcon's floor); a wait
// over a day is taken for a clock error and ignored. The
// standard Retry-After, which CrowdStrike does not send, is read when
// it is absent.
func retryAfter(h http.Header, now time.Time) time.Duration {
	v := strings.TrimSpace(h.Get("X-RateLimit-RetryAfter"))
	if v == "" {
		return httpkit.ParseRetryAfter(h.Get("Retry-After"), now)
	}
	epoch, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return 0
	}
	d := time.Unix(epoch, 0).Sub(now)
	if d > 24*time.Hour { // not a wait anyone meant; back off as usual
		return 0
	}
	d = (d + time.Second - 1) / time.Second * time.Second
	return max(d, time.Second)
}
