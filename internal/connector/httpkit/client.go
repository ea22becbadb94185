package httpkit

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"golang.org/x/time/rate"

	"github.com/alertsync/alertsync/internal/config"
	"github.com/alertsync/alertsync/internal/connector"
)

// maxResponseBody caps how much of a successful answer is decoded, so a
// misbehaving vendor cannot exhaust memory.
const maxResponseBody = 32 << 20

// Options configure a Client. Only HTTP is needed for a bare client; vendor
// packages normally set BaseURL, Auth and Limiter as well.
type Options struct {
	// BaseURL is joined with relative references ("security/alerts_v2").
	// Absolute references must point at the same scheme and host, so a
	// vendor-supplied next link cannot send our credentials elsewhere.
	BaseURL string
	HTTP    *http.Client
	Auth    Auth
	// Limiter is the integration's request budget; see PerMinute.
	Limiter *rate.Limiter
	// Integration and Tenant name the client in the vendor budget metrics
	// (BudgetCollector); connectors pass connector.Deps.ID and Tenant.
	Integration string
	Tenant      string
	// Secrets are redacted from every error; the Auth's own credentials
	// and tokens are added automatically.
	Secrets   []config.Secret
	UserAgent string
	// Header is sent with every request, for a vendor's standing request
	// options (Graph's Prefer); auth and User-Agent are set after it.
	Header http.Header
	Logger *slog.Logger
	// Now is the clock for Retry-After dates; nil means time.Now.
	Now func() time.Time
	// MaxPages caps FollowNextLink; zero means DefaultMaxPages.
	MaxPages int
	// RetryAfter reads the vendor's wait hint from response headers; nil
	// reads the standard Retry-After header (see ParseRetryAfter).
	RetryAfter func(h http.Header, now time.Time) time.Duration
	// Classify adjusts a classified error for a vendor quirk (an API that
	// signals throttling with a 403, say). It runs after redaction.
	Classify func(e *connector.Error, h http.Header)
}

// Client sends requests for one integration.
type Client struct {
	base       *url.URL
	baseStr    string
	http       *http.Client
	auth       Auth
	limiter    *rate.Limiter
	redact     *Redactor
	userAgent  string
	header     http.Header
	log        *slog.Logger
	now        func() time.Time
	maxPages   int
	retryAfter func(h http.Header, now time.Time) time.Duration
	classify   func(e *connector.Error, h http.Header)
	usage      *usage
}

// TokenExpiry is when the credential the client's Auth holds expires, if
// the Auth is Expiring and holds one.
func (c *Client) TokenExpiry() (time.Time, bool) {
	if e, ok := c.auth.(Expiring); ok {
		return e.Expiry()
	}
	return time.Time{}, false
}

// New builds a Client.
func New(o Options) (*Client, error) {
	c := &Client{
		http: o.HTTP, auth: o.Auth, limiter: o.Limiter, userAgent: o.UserAgent,
		log: o.Logger, now: o.Now, maxPages: o.MaxPages, retryAfter: o.RetryAfter, classify: o.Classify,
		header: o.Header.Clone(), redact: NewRedactor(o.Secrets...), usage: usageFor(o.Tenant, o.Integration, o.Limiter),
	}
	if o.BaseURL != "" {
		u, err := url.Parse(o.BaseURL)
		if err != nil || u.Scheme == "" || u.Host == "" {
			return nil, fmt.Errorf("base url %q: must be an absolute http(s) URL", o.BaseURL)
		}
		c.base, c.baseStr = u, strings.TrimRight(o.BaseURL, "/")
	}
	if c.http == nil {
		c.http = http.DefaultClient
	}
	if c.userAgent == "" {
		c.userAgent = "alertsync/" + Version
	}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	if c.now == nil {
		c.now = time.Now
	}
	if c.maxPages <= 0 {
		c.maxPages = DefaultMaxPages
	}
	if c.retryAfter == nil {
		c.retryAfter = defaultRetryAfter
	}
	if h, ok := o.Auth.(secretHolder); ok {
		c.redact.addSource(h.redactValues)
	}
	return c, nil
}

// Logger returns the client's logger, so vendor code logs with the same
// attributes (see entra.Checked.NewClient).
func (c *Client) Logger() *slog.Logger { return c.log }

// Redactor returns the client's redactor, for vendor code that builds its
// own error text.
func (c *Client) Redactor() *Redactor { return c.redact }

// URL resolves ref against the base URL. Relative references are appended
// to the base path (not RFC 3986 resolution, which would drop a "/v1.0"
// segment without a trailing slash).
func (c *Client) URL(ref string) (string, error) {
	u, err := url.Parse(ref)
	if err != nil {
		return "", &connector.Error{Class: connector.ClassPermanent, Message: "parse request url", Err: c.redact.Error(err)}
	}
	if u.IsAbs() {
		if c.base != nil && (u.Scheme != c.base.Scheme || u.Host != c.base.Host) {
			return "", &connector.Error{Class: connector.ClassPermanent, Message: "refusing to send credentials to another host: " + u.Host}
		}
		return ref, nil
	}
	if c.base == nil {
		return "", &connector.Error{Class: connector.ClassPermanent, Message: "relative url without a base url"}
	}
	return c.baseStr + "/" + strings.TrimLeft(ref, "/"), nil
}

// NewRequest builds a request for ref. A non-nil body is sent as JSON
// ([]byte and json.RawMessage verbatim, anything else marshalled); the body
// is rewindable so the 401 retry can resend it.
func (c *Client) NewRequest(ctx context.Context, method, ref string, body any) (*http.Request, error) {
	u, err := c.URL(ref)
	if err != nil {
		return nil, err
	}
	var rd io.Reader
	if body != nil {
		b, err := encodeBody(body)
		if err != nil {
			return nil, &connector.Error{Class: connector.ClassPermanent, Message: "encode request body", Err: c.redact.Error(err)}
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return nil, &connector.Error{Class: connector.ClassPermanent, Message: "build request", Err: c.redact.Error(err)}
	}
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	return req, nil
}

func encodeBody(body any) ([]byte, error) {
	switch b := body.(type) {
	case []byte:
		return b, nil
	case json.RawMessage:
		return b, nil
	}
	return json.Marshal(body)
}

// Do sends req and returns the response when its status is below 400; the
// caller closes the body. Any other outcome is a *connector.Error with the
// response body read, closed and redacted. After a 401 the Auth is
// invalidated and the request sent once more.
func (c *Client) Do(ctx context.Context, req *http.Request) (*http.Response, error) {
	req = req.WithContext(ctx)
	resp, err := c.send(ctx, req)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode == http.StatusUnauthorized && c.auth != nil {
		if retry, ok := rewind(ctx, req); ok {
			drain(resp)
			c.log.DebugContext(ctx, "credential rejected; refreshing once", "method", req.Method, "path", req.URL.Path)
			c.auth.Invalidate()
			if resp, err = c.send(ctx, retry); err != nil {
				return nil, err
			}
		}
	}
	if resp.StatusCode >= 400 {
		return nil, c.responseError(resp)
	}
	return resp, nil
}

// rewind clones req for a resend, or reports false when its body cannot be
// replayed.
func rewind(ctx context.Context, req *http.Request) (*http.Request, bool) {
	retry := req.Clone(ctx)
	if req.Body == nil || req.Body == http.NoBody {
		return retry, true
	}
	if req.GetBody == nil {
		return nil, false
	}
	b, err := req.GetBody()
	if err != nil {
		return nil, false
	}
	retry.Body = b
	return retry, true
}

func (c *Client) send(ctx context.Context, req *http.Request) (*http.Response, error) {
	if err := c.wait(ctx); err != nil {
		return nil, err
	}
	for k, v := range c.header {
		req.Header[k] = slices.Clone(v)
	}
	if c.auth != nil {
		if err := c.auth.Apply(ctx, req); err != nil {
			return nil, c.classified(err)
		}
	}
	req.Header.Set("User-Agent", c.userAgent)
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, &connector.Error{Class: connector.ClassRetryable, Message: "send request", Err: c.redact.Error(err)}
	}
	return resp, nil
}

// classified redacts an error from an Auth, keeping its class when it has one.
func (c *Client) classified(err error) error {
	var ce *connector.Error
	if !errors.As(err, &ce) {
		return &connector.Error{Class: connector.ClassRetryable, Message: "authenticate request", Err: c.redact.Error(err)}
	}
	out := *ce
	out.Code = c.redact.String(out.Code)
	out.Message = c.redact.String(out.Message)
	out.Err = c.redact.Error(out.Err)
	return &out
}

// responseError classifies an error response and closes its body.
func (c *Client) responseError(resp *http.Response) error {
	body, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	drain(resp)
	code, msg := parseErrorBody(body)
	e := &connector.Error{
		Class:      ClassForStatus(resp.StatusCode),
		Status:     resp.StatusCode,
		Code:       truncate(oneLine(c.redact.String(code)), maxErrorCode),
		Message:    truncate(oneLine(c.redact.String(msg)), maxErrorMessage),
		RetryAfter: c.retryAfter(resp.Header, c.now()),
	}
	if c.classify != nil {
		c.classify(e, resp.Header)
	}
	if e.Class == connector.ClassRateLimited && c.usage != nil {
		c.usage.throttled.Add(1)
	}
	return e
}

// drain discards a little of what is left so the connection can be reused,
// then closes the body.
func drain(resp *http.Response) {
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4<<10))
	_ = resp.Body.Close()
}
