package lacework

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/alertsync/alertsync/internal/config"
	"github.com/alertsync/alertsync/internal/connector"
	"github.com/alertsync/alertsync/internal/connector/httpkit"
)

// renewAt is the share of a token's life after which it is replaced, so
// a request never leaves with one about to lapse.
const renewAt = 0.8

// tokenPath is the token exchange.
const tokenPath = "/api/v2/access/tokens"

// tokenSource exchanges the API key for access tokens the way Lacework
// runs it: POST /api/v2/access/tokens with the secret in X-LW-UAKS and
// {"keyId","expiryTime"} in the body, answered with {"expiresAt","token"}.
// It is an httpkit.Auth of its own because the secret travels in a
// header of Lacework's rather than a standard grant. Tokens are sent as
// "Authorization: Bearer <token>", as the FortiCNAPP docs say (the Go SDK
// sends them bare, which the API also takes).
type tokenSource struct {
	http       *http.Client
	url        string
	keyID      string
	secret     config.Secret
	subAccount string
	expiry     time.Duration
	now        func() time.Time
	redact     *httpkit.Redactor
	// Exchanged caches the token and runs one exchange at a time.
	*httpkit.Exchanged

	mu      sync.Mutex
	fetches int
}

// newTokenSource is ts ready to use: its cache runs its exchange.
func newTokenSource(ts *tokenSource) *tokenSource {
	ts.Exchanged = httpkit.NewExchanged(ts.fetch, ts.now)
	return ts
}

// tokenRequest and tokenAnswer are the Go SDK's tokenRequest and TokenData.
type tokenRequest struct {
	KeyID      string `json:"keyId"`
	ExpiryTime int    `json:"expiryTime"`
}

type tokenAnswer struct {
	ExpiresAt time.Time `json:"expiresAt"`
	Token     string    `json:"token"`
}

// fetch exchanges the key for a token, to be renewed after renewAt of
// the life the answer grants (its expiresAt), or of the life asked for
// when expiresAt is missing or out of reason (a clock far off ours).
func (ts *tokenSource) fetch(ctx context.Context) (httpkit.Issued, error) {
	resp, err := ts.post(ctx)
	if err != nil {
		return httpkit.Issued{}, err
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return httpkit.Issued{}, ts.refused(resp)
	}
	var a tokenAnswer
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&a); err != nil || a.Token == "" {
		return httpkit.Issued{}, &connector.Error{Class: connector.ClassRetryable, Status: resp.StatusCode, Message: "fetch token: answer without a token"}
	}
	now := ts.now()
	life := a.ExpiresAt.Sub(now)
	if life <= 0 || life > ts.expiry+time.Minute {
		life = ts.expiry
	}
	ts.mu.Lock()
	ts.fetches++
	ts.mu.Unlock()
	return httpkit.Issued{Token: a.Token, Renew: now.Add(time.Duration(float64(life) * renewAt)), Expires: now.Add(life)}, nil
}

func (ts *tokenSource) post(ctx context.Context) (*http.Response, error) {
	body, _ := json.Marshal(tokenRequest{KeyID: ts.keyID, ExpiryTime: int(ts.expiry / time.Second)}) // strings and ints always encode
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, ts.url, bytes.NewReader(body))
	if err != nil {
		return nil, &connector.Error{Class: connector.ClassPermanent, Message: "build token request", Err: ts.redact.Error(err)}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "alertsync/"+httpkit.Version)
	req.Header.Set("X-LW-UAKS", ts.secret.Reveal())
	if ts.subAccount != "" {
		req.Header.Set("Account-Name", ts.subAccount)
	}
	resp, err := ts.http.Do(req)
	if err != nil {
		return nil, &connector.Error{Class: connector.ClassRetryable, Message: "send token request", Err: ts.redact.Error(err)}
	}
	return resp, nil
}

// refused classifies a refused exchange: 400, 401 and 403 mean the key
// is wrong, disabled or deleted; 429 carries Retry-After; anything else
// is retried.
func (ts *tokenSource) refused(resp *http.Response) error {
	var body struct {
		Message string `json:"message"`
	}
	_ = json.NewDecoder(io.LimitReader(resp.Body, 64<<10)).Decode(&body)
	msg := "token request refused"
	if body.Message != "" {
		msg = ts.redact.String(body.Message)
	}
	cls := httpkit.ClassForStatus(resp.StatusCode)
	if resp.StatusCode == http.StatusBadRequest {
		cls = connector.ClassAuth
	}
	return &connector.Error{
		Class: cls, Status: resp.StatusCode, Message: fmt.Sprintf("fetch token: %s", msg),
		RetryAfter: httpkit.ParseRetryAfter(resp.Header.Get("Retry-After"), ts.now()),
	}
}

// exchanges is how many tokens were fetched, for tests.
func (ts *tokenSource) exchanges() int {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return ts.fetches
}

var _ httpkit.Auth = (*tokenSource)(nil)
