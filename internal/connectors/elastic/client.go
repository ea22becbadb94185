package elastic

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/alertsync/alertsync/internal/connector"
	"github.com/alertsync/alertsync/internal/connector/httpkit"
)

// APIVersion is the version of Kibana's public security APIs. Stateful
// Kibana defaults to it; serverless projects need the header (both
// unconfirmed beyond Kibana's versioned-router docs), so every request
// names it.
const APIVersion = "2023-10-31"

// Paths relative to the Kibana URL and space prefix.
const (
	searchRef = "api/detection_engine/signals/search"
	statusRef = "api/detection_engine/signals/status"
	noteRef   = "api/note"
)

// send sends a write: Kibana refuses any non-GET request without
// kbn-xsrf (a 400 before the route runs).
func (c *core) send(ctx context.Context, method, ref string, in, out any) error {
	req, err := c.client.NewRequest(ctx, method, ref, in)
	if err != nil {
		return err
	}
	req.Header.Set("kbn-xsrf", "true")
	return c.client.DoJSON(ctx, req, out)
}

// search runs one signals/search and returns its raw hits.
func (c *core) search(ctx context.Context, body searchBody) ([]json.RawMessage, error) {
	var resp searchResponse
	if err := c.send(ctx, http.MethodPost, searchRef, body, &resp); err != nil {
		return nil, err
	}
	return resp.Hits.Hits, nil
}

// kibanaErrors rewrites Kibana's error bodies into the envelope the HTTP
// kit reads, so the vendor's message reaches the classified error:
// Kibana's platform errors {"statusCode","error","message"} put the
// status text where the kit looks for the message, and route errors may
// carry the message as an array. Classification stays the kit's, by
// status.
type kibanaErrors struct{ next http.RoundTripper }

// maxErrorBody bounds how much of an error answer is read.
const maxErrorBody = 64 << 10

func (k kibanaErrors) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := k.next.RoundTrip(req)
	if err != nil || resp.StatusCode < 400 {
		return resp, err
	}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	_ = resp.Body.Close()
	if b, ok := kitEnvelope(body); ok {
		body = b
		resp.Header.Del("Content-Length")
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	resp.ContentLength = int64(len(body))
	return resp, nil
}

// kitEnvelope turns a Kibana error body into {"error":{"code","message"}}.
func kitEnvelope(body []byte) ([]byte, bool) {
	var kb struct {
		Error   string          `json:"error"`
		Message json.RawMessage `json:"message"`
	}
	if json.Unmarshal(body, &kb) != nil || len(kb.Message) == 0 {
		return nil, false
	}
	var msg string
	if json.Unmarshal(kb.Message, &msg) != nil {
		var list []string
		if json.Unmarshal(kb.Message, &list) != nil {
			return nil, false
		}
		msg = strings.Join(list, "; ")
	}
	out, err := json.Marshal(map[string]any{"error": map[string]string{"code": kb.Error, "message": msg}})
	return out, err == nil
}

// withKibanaErrors returns a copy of hc whose transport rewrites error
// bodies (see kibanaErrors).
func withKibanaErrors(hc *http.Client) *http.Client {
	out := &http.Client{}
	if hc != nil {
		*out = *hc
	}
	next := out.Transport
	if next == nil {
		next = http.DefaultTransport
	}
	out.Transport = kibanaErrors{next: next}
	return out
}

var _ http.RoundTripper = kibanaErrors{}

// newClient builds the API client: API key auth, the versioned API
// header on every request, the local budget and redaction of every form
// of the key.
func newClient(hc *http.Client, o httpkit.Options) (*httpkit.Client, error) {
	o.HTTP = withKibanaErrors(hc)
	o.Header = http.Header{"Elastic-Api-Version": {APIVersion}}
	return httpkit.New(o)
}

// Health runs a search for no hits: it checks the URL, the space, the
// key and its alert privileges in one request.
func (c *core) Health(ctx context.Context) error {
	if _, err := c.search(ctx, searchBody{Size: 0}); err != nil {
		return fmt.Errorf("elastic health: %w", err)
	}
	return nil
}

// decodeSource reads a hit whose sort values are not needed.
func decodeSource(raw json.RawMessage) (hitWire, error) {
	var h hitWire
	if err := json.Unmarshal(raw, &h); err != nil {
		return h, &connector.Error{Class: connector.ClassRetryable, Message: "decode search hit", Err: err}
	}
	return h, nil
}
