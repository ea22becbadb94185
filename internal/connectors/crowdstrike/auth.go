package crowdstrike

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/alertsync/alertsync/internal/config"
	"github.com/alertsync/alertsync/internal/connector"
	"github.com/alertsync/alertsync/internal/connector/httpkit"
)

// expiryMargin is how long before its expiry a token is replaced, so a
// request never leaves with one about to lapse.
const expiryMargin = time.Minute

// tokenSource is the OAuth2 client-credentials grant as CrowdStrike runs
// it: a form POST to /oauth2/token answered 201 with a 30-minute token
// and an X-CS-Region header naming the client's cloud. It is an
// httpkit.Auth of its own, rather than httpkit.OAuth2, because region
// discovery needs that header, which golang.org/x/oauth2 does not expose.
// The host it asks is the one the API is called on, and moves once if
// discovery finds the client belongs to another cloud.
type tokenSource struct {
	http      *http.Client
	clientID  string
	secret    config.Secret
	memberCID string
	now       func() time.Time
	log       *slog.Logger
	redact    *httpkit.Redactor
	sem       chan struct{} // held while fetching, so concurrent callers share one request

	mu         sync.Mutex
	base       string
	token      string
	expires    time.Time
	discovered bool
}

// tokenAnswer is the 201 body (domain.AccessTokenResponseV1).
type tokenAnswer struct {
	AccessToken string `json:"access_token"`
	ExpiresIn   int64  `json:"expires_in"`
}

// Apply sets the bearer token, fetching one when none is cached or the
// cached one is about to expire.
func (ts *tokenSource) Apply(ctx context.Context, req *http.Request) error {
	tok, err := ts.current(ctx)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	return nil
}

// Invalidate forgets the cached token (after a 401).
func (ts *tokenSource) Invalidate() {
	ts.mu.Lock()
	ts.token = ""
	ts.mu.Unlock()
}

// Expiry implements httpkit.Expiring.
func (ts *tokenSource) Expiry() (time.Time, bool) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return ts.expires, ts.token != "" && !ts.expires.IsZero()
}

// baseURL is the host the API is called on now.
func (ts *tokenSource) baseURL() string {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return ts.base
}

func (ts *tokenSource) cached() string {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	if ts.token != "" && ts.now().Before(ts.expires) {
		return ts.token
	}
	return ""
}

func (ts *tokenSource) lock(ctx context.Context) error {
	select {
	case ts.sem <- struct{}{}:
		return nil
	case <-ctx.Done():
		return &connector.Error{Class: connector.ClassRetryable, Message: "wait for token", Err: ctx.Err()}
	}
}

func (ts *tokenSource) current(ctx context.Context) (string, error) {
	if tok := ts.cached(); tok != "" {
		return tok, nil
	}
	if err := ts.lock(ctx); err != nil {
		return "", err
	}
	defer func() { <-ts.sem }()
	if tok := ts.cached(); tok != "" { // another caller fetched it while we waited
		return tok, nil
	}
	tok, _, err := ts.fetch(ctx, ts.baseURL())
	return tok, err
}

// discover asks for a token once and, when X-CS-Region names a cloud
// other than home whose host differs from the current one, revokes that
// token there (as gofalcon does) and moves to the cloud's host. A failed
// attempt is tried again on the next call.
func (ts *tokenSource) discover(ctx context.Context, home string, hosts map[string]string) error {
	ts.mu.Lock()
	done := ts.discovered
	ts.mu.Unlock()
	if done {
		return nil
	}
	if err := ts.lock(ctx); err != nil {
		return err
	}
	defer func() { <-ts.sem }()
	ts.mu.Lock()
	done = ts.discovered
	ts.mu.Unlock()
	if done {
		return nil
	}
	tok, region, err := ts.fetch(ctx, ts.baseURL())
	if err != nil {
		return err
	}
	host, known := hosts[region]
	ts.mu.Lock()
	ts.discovered = true
	move := region != "" && region != home && known && host != ts.base
	if move {
		ts.base, ts.token = host, ""
	}
	ts.mu.Unlock()
	if move {
		ts.log.InfoContext(ctx, "crowdstrike api client belongs to another cloud; moving there", "from", home, "to", region)
		ts.revoke(ctx, host, tok)
	}
	return nil
}

// fetch asks base for a token and caches it; it returns the token and
// the X-CS-Region the answer named.
func (ts *tokenSource) fetch(ctx context.Context, base string) (string, string, error) {
	form := url.Values{"client_id": {ts.clientID}, "client_secret": {ts.secret.Reveal()}}
	if ts.memberCID != "" {
		form.Set("member_cid", ts.memberCID)
	}
	resp, err := ts.post(ctx, base+"/oauth2/token", form, false)
	if err != nil {
		return "", "", err
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return "", "", ts.refused(resp)
	}
	var a tokenAnswer
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&a); err != nil || a.AccessToken == "" {
		return "", "", &connector.Error{Class: connector.ClassRetryable, Status: resp.StatusCode, Message: "fetch token: answer without a token"}
	}
	life := time.Duration(a.ExpiresIn) * time.Second
	ts.mu.Lock()
	ts.token, ts.expires = a.AccessToken, ts.now().Add(life-min(expiryMargin, life/2))
	ts.mu.Unlock()
	return a.AccessToken, resp.Header.Get("X-CS-Region"), nil
}

// revoke revokes a token that is no longer wanted (form token, HTTP
// Basic client credentials). It is best effort: a token left alone
// expires in half an hour anyway.
func (ts *tokenSource) revoke(ctx context.Context, base, tok string) {
	resp, err := ts.post(ctx, base+"/oauth2/revoke", url.Values{"token": {tok}}, true)
	if err != nil {
		ts.log.DebugContext(ctx, "crowdstrike token revocation failed", "err", err)
		return
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4<<10))
	_ = resp.Body.Close()
}

func (ts *tokenSource) post(ctx context.Context, u string, form url.Values, basic bool) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, strings.NewReader(form.Encode()))
	if err != nil {
		return nil, &connector.Error{Class: connector.ClassPermanent, Message: "build token request", Err: ts.redact.Error(err)}
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "alertsync/"+httpkit.Version)
	if basic {
		req.SetBasicAuth(ts.clientID, ts.secret.Reveal())
	}
	resp, err := ts.http.Do(req)
	if err != nil {
		return nil, &connector.Error{Class: connector.ClassRetryable, Message: "send token request", Err: ts.redact.Error(err)}
	}
	return resp, nil
}

// refused classifies a refused token request: 400, 401 and 403 mean the
// credentials (or the IP allow-list) are wrong; 429 carries the
// service's epoch retry header; anything else is retried.
func (ts *tokenSource) refused(resp *http.Response) error {
	var body struct {
		Errors []struct {
			Message string `json:"message"`
		} `json:"errors"`
	}
	_ = json.NewDecoder(io.LimitReader(resp.Body, 64<<10)).Decode(&body)
	msg := "token request refused"
	if len(body.Errors) > 0 && body.Errors[0].Message != "" {
		msg = ts.redact.String(body.Errors[0].Message)
	}
	cls := httpkit.ClassForStatus(resp.StatusCode)
	if resp.StatusCode == http.StatusBadRequest {
		cls = connector.ClassAuth
	}
	return &connector.Error{
		Class: cls, Status: resp.StatusCode, Message: fmt.Sprintf("fetch token: %s", msg),
		RetryAfter: retryAfter(resp.Header, ts.now()),
	}
}

var _ httpkit.Auth = (*tokenSource)(nil)
