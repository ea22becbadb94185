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
	// Exchanged caches the token and runs one request at a time.
	*httpkit.Exchanged

	mu         sync.Mutex
	base       string
	discovered bool
}

// newTokenSource is ts ready to use: its cache asks the host the API is
// called on now.
func newTokenSource(ts *tokenSource) *tokenSource {
	ts.Exchanged = httpkit.NewExchanged(func(ctx context.Context) (httpkit.Issued, error) {
		t, _, err := ts.fetch(ctx, ts.baseURL())
		return t, err
	}, ts.now)
	return ts
}

// tokenAnswer is the 201 body (domain.AccessTokenResponseV1).
type tokenAnswer struct {
	AccessToken string `json:"access_token"`
	ExpiresIn   int64  `json:"expires_in"`
}

// baseURL is the host the API is called on now.
func (ts *tokenSource) baseURL() string {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return ts.base
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
	return ts.Exclusive(ctx, func() error {
		ts.mu.Lock()
		done := ts.discovered
		ts.mu.Unlock()
		if done {
			return nil
		}
		t, region, err := ts.fetch(ctx, ts.baseURL())
		if err != nil {
			return err
		}
		host, known := hosts[region]
		ts.mu.Lock()
		ts.discovered = true
		move := region != "" && region != home && known && host != ts.base
		if move {
			ts.base = host
		}
		ts.mu.Unlock()
		if !move {
			ts.Set(t)
			return nil
		}
		ts.Invalidate()
		ts.log.InfoContext(ctx, "crowdstrike api client belongs to another cloud; moving there", "from", home, "to", region)
		ts.revoke(ctx, host, t.Token)
		return nil
	})
}

// fetch asks base for a token; it returns the token, to be renewed
// expiryMargin before it lapses, and the X-CS-Region the answer named.
func (ts *tokenSource) fetch(ctx context.Context, base string) (httpkit.Issued, string, error) {
	form := url.Values{"client_id": {ts.clientID}, "client_secret": {ts.secret.Reveal()}}
	if ts.memberCID != "" {
		form.Set("member_cid", ts.memberCID)
	}
	resp, err := ts.post(ctx, base+"/oauth2/token", form, false)
	if err != nil {
		return httpkit.Issued{}, "", err
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return httpkit.Issued{}, "", ts.refused(resp)
	}
	var a tokenAnswer
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&a); err != nil || a.AccessToken == "" {
		return httpkit.Issued{}, "", &connector.Error{Class: connector.ClassRetryable, Status: resp.StatusCode, Message: "fetch token: answer without a token"}
	}
	life := time.Duration(a.ExpiresIn) * time.Second
	now := ts.now()
	t := httpkit.Issued{Token: a.AccessToken, Renew: now.Add(life - min(expiryMargin, life/2)), Expires: now.Add(life)}
	return t, resp.Header.Get("X-CS-Region"), nil
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
