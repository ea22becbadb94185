package playbook

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/alertsync/alertsync/internal/connector"
	"github.com/alertsync/alertsync/internal/connector/httpkit"
	"github.com/alertsync/alertsync/internal/playbook/egress"
	"github.com/alertsync/alertsync/internal/playbook/template"
	"github.com/alertsync/alertsync/internal/store"
)

// Caps on what the run history keeps of a response.
const (
	maxResponseBody = 64 << 10
	masked          = "[secret]"
)

// httpInput is an http step's rendered request, as the run history shows
// it (secrets masked).
type httpInput struct {
	Method  string            `json:"method"`
	URL     string            `json:"url"`
	Headers map[string]string `json:"headers,omitempty"`
	Body    string            `json:"body,omitempty"`
}

// httpOutput is what the step gives the later ones as node.N.
type httpOutput struct {
	StatusCode int               `json:"status_code"`
	Reason     string            `json:"reason"`
	Headers    map[string]string `json:"headers"`
	Text       string            `json:"text"`
	JSON       any               `json:"json,omitempty"`
	Truncated  bool              `json:"truncated,omitempty"`
	ElapsedMS  float64           `json:"elapsed_ms"`
}

// request renders the step into a request and its history record.
type request struct {
	req     *http.Request
	input   httpInput
	secrets []string
}

func (r *Runner) buildRequest(ctx context.Context, s compiledStep, data map[string]any, key string) (request, error) {
	var out request
	rend := func(t *template.Template) (string, error) {
		res, err := t.Render(ctx, data)
		if err != nil {
			return "", connector.Permanent("render %s: %v", t.Name(), err)
		}
		out.secrets = append(out.secrets, res.Secrets...)
		return res.Text, nil
	}
	raw, err := rend(s.url)
	if err != nil {
		return out, err
	}
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return out, connector.Permanent("url %q is not an http(s) URL", raw)
	}
	q := u.Query()
	for k, t := range s.query {
		v, err := rend(t)
		if err != nil {
			return out, err
		}
		q.Set(k, v)
	}
	u.RawQuery = q.Encode()
	body, ctype := "", ""
	switch {
	case s.json != nil:
		ctype = "application/json"
		if body, err = rend(s.json); err != nil {
			return out, err
		}
	case s.body != nil:
		if body, err = rend(s.body); err != nil {
			return out, err
		}
	}
	req, err := http.NewRequestWithContext(ctx, s.Method, u.String(), strings.NewReader(body))
	if err != nil {
		return out, connector.Permanent("build request: %v", err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	// A tool that deduplicates by it sees one request however often a
	// retry sends it.
	req.Header.Set("Idempotency-Key", key)
	for k, t := range s.headers {
		v, err := rend(t)
		if err != nil {
			return out, err
		}
		req.Header.Set(k, v)
	}
	if err := r.authorize(req, s.Auth, &out.secrets); err != nil {
		return out, err
	}
	out.req = req
	out.input = httpInput{Method: s.Method, URL: u.String(), Headers: map[string]string{}, Body: body}
	for k := range req.Header {
		out.input.Headers[k] = req.Header.Get(k)
	}
	if _, ok := out.input.Headers["Authorization"]; ok {
		out.input.Headers["Authorization"] = masked
	}
	return out, nil
}

// authorize sets the step's credentials, read from the named secrets.
func (r *Runner) authorize(req *http.Request, a *Auth, secrets *[]string) error {
	if a == nil || a.Type == "" || a.Type == "none" {
		return nil
	}
	name := a.Token
	if a.Type == "basic" {
		name = a.Password
	}
	v, ok := r.o.Secret(name)
	if !ok {
		return connector.Permanent("secret %q is not defined (playbooks.secrets)", name)
	}
	*secrets = append(*secrets, v)
	if a.Type == "basic" {
		req.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(a.Username+":"+v)))
		return nil
	}
	req.Header.Set("Authorization", "Bearer "+v)
	return nil
}

func (r *Runner) httpStep(ctx context.Context, st *runState, s compiledStep, data map[string]any, item store.OutboxItem) (json.RawMessage, json.RawMessage, error) {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	rq, err := r.buildRequest(ctx, s, data, "alertsync-"+item.Key)
	if err != nil {
		return nil, nil, err
	}
	in := redactJSON(rq.input, rq.secrets)
	r.mu.RLock()
	client := r.clients[st.p.Def.ID]
	r.mu.RUnlock()
	start := time.Now()
	resp, err := client.Do(rq.req)
	if err != nil {
		return in, nil, transportError(err, rq.secrets)
	}
	defer func() { _ = resp.Body.Close() }()
	body, truncated, err := egress.ReadCapped(resp.Body, maxResponseBody)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) {
		return in, nil, &connector.Error{Class: connector.ClassRetryable, Message: "read the response", Err: err}
	}
	o := httpOutput{StatusCode: resp.StatusCode, Reason: http.StatusText(resp.StatusCode), Headers: map[string]string{},
		Text: redact(string(body), rq.secrets), Truncated: truncated, ElapsedMS: float64(time.Since(start).Microseconds()) / 1000}
	for k := range resp.Header {
		o.Headers[k] = resp.Header.Get(k)
	}
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") && !truncated {
		_ = json.Unmarshal(body, &o.JSON)
	}
	out, _ := json.Marshal(o)
	if resp.StatusCode >= 300 && (s.FailOnHTTPError == nil || *s.FailOnHTTPError) {
		return in, out, statusError(resp)
	}
	return in, out, nil
}

// statusError classifies a refused request: a throttled or failing tool
// is asked again, a refusal is final.
func statusError(resp *http.Response) error {
	msg := fmt.Sprintf("HTTP %d %s", resp.StatusCode, http.StatusText(resp.StatusCode))
	switch {
	case resp.StatusCode == http.StatusTooManyRequests:
		return &connector.Error{Class: connector.ClassRateLimited, Status: resp.StatusCode, Message: msg,
			RetryAfter: httpkit.ParseRetryAfter(resp.Header.Get("Retry-After"), time.Now())}
	case resp.StatusCode >= 500 || resp.StatusCode == http.StatusRequestTimeout:
		return &connector.Error{Class: connector.ClassRetryable, Status: resp.StatusCode, Message: msg}
	}
	return &connector.Error{Class: connector.ClassPermanent, Status: resp.StatusCode, Message: msg}
}

// transportError classifies a request that got no answer: an egress
// refusal is final, anything else (a timeout, a reset) is retried.
func transportError(err error, secrets []string) error {
	msg := redact(err.Error(), secrets)
	if errors.Is(err, egress.ErrRefused) {
		return connector.Permanent("%s", msg)
	}
	return &connector.Error{Class: connector.ClassRetryable, Message: msg}
}

// redact masks the request's secrets (every template's and the auth
// value) the way a render's own Redact does, longest first so a value
// holding another is masked whole.
func redact(s string, secrets []string) string {
	sorted := slices.Clone(secrets)
	slices.SortStableFunc(sorted, func(a, b string) int { return len(b) - len(a) })
	return template.Rendered{Secrets: sorted}.Redact(s)
}

func redactJSON(v any, secrets []string) json.RawMessage {
	b, _ := json.Marshal(v)
	return json.RawMessage(redact(string(b), secrets))
}
