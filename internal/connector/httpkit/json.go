package httpkit

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"

	"github.com/alertsync/alertsync/internal/connector"
)

// Decode checks resp and decodes its JSON body into out (nil discards it),
// closing the body either way. An error status becomes a classified,
// redacted error; an empty body leaves out untouched.
func (c *Client) Decode(resp *http.Response, out any) error {
	if resp.StatusCode >= 400 {
		return c.responseError(resp)
	}
	defer drain(resp)
	if out == nil || resp.StatusCode == http.StatusNoContent {
		return nil
	}
	err := json.NewDecoder(io.LimitReader(resp.Body, maxResponseBody)).Decode(out)
	if err == nil || errors.Is(err, io.EOF) {
		return nil
	}
	return &connector.Error{Class: connector.ClassRetryable, Status: resp.StatusCode, Message: "decode response", Err: c.redact.Error(err)}
}

// DoJSON sends req and decodes the JSON answer into out.
func (c *Client) DoJSON(ctx context.Context, req *http.Request, out any) error {
	resp, err := c.Do(ctx, req) //nolint:bodyclose // Decode closes the body on every path
	if err != nil {
		return err
	}
	return c.Decode(resp, out)
}

// GetJSON fetches ref and decodes the JSON answer into out.
func (c *Client) GetJSON(ctx context.Context, ref string, out any) error {
	req, err := c.NewRequest(ctx, http.MethodGet, ref, nil)
	if err != nil {
		return err
	}
	return c.DoJSON(ctx, req, out)
}

// SendJSON sends in as JSON with method and decodes the answer into out.
func (c *Client) SendJSON(ctx context.Context, method, ref string, in, out any) error {
	req, err := c.NewRequest(ctx, method, ref, in)
	if err != nil {
		return err
	}
	return c.DoJSON(ctx, req, out)
}
