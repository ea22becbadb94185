package httpkit

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/alertsync/alertsync/internal/connector"
)

// DefaultMaxPages bounds FollowNextLink when Options.MaxPages is zero. A
// vendor that keeps returning next links (a bug, or a cursor that never
// advances) must not keep a poller busy forever.
const DefaultMaxPages = 1000

// GetPage fetches one page shaped {"value":[...], "<nextLinkField>":"..."}
// and returns its items and the next link ("" on the last page); the
// vendor names its next-link member (the Microsoft ones are in package
// entra). Pollers that keep the next link as their cursor call this once
// per poll.
func GetPage[T any](ctx context.Context, c *Client, ref, nextLinkField string) ([]T, string, error) {
	var raw map[string]json.RawMessage
	if err := c.GetJSON(ctx, ref, &raw); err != nil {
		return nil, "", err
	}
	var items []T
	if v, ok := raw["value"]; ok {
		if err := json.Unmarshal(v, &items); err != nil {
			return nil, "", &connector.Error{Class: connector.ClassRetryable, Message: "decode page value", Err: c.redact.Error(err)}
		}
	}
	var next string
	if v, ok := raw[nextLinkField]; ok && string(v) != "null" {
		if err := json.Unmarshal(v, &next); err != nil {
			return nil, "", &connector.Error{Class: connector.ClassRetryable, Message: "decode " + nextLinkField, Err: c.redact.Error(err)}
		}
	}
	return items, next, nil
}

// FollowNextLink fetches firstURL and every page after it, calling fn with
// each page's items in order. It stops at the first error (fn's errors are
// returned as they are), when a next link repeats, or after the client's
// page cap, which is a permanent error.
func FollowNextLink[T any](ctx context.Context, c *Client, firstURL, nextLinkField string, fn func(page []T) error) error {
	seen := make(map[string]bool)
	ref := firstURL
	for n := 0; ref != ""; n++ {
		if n == c.maxPages {
			return &connector.Error{Class: connector.ClassPermanent, Message: fmt.Sprintf("paging stopped after %d pages", n)}
		}
		abs, err := c.URL(ref)
		if err != nil {
			return err
		}
		if seen[abs] {
			return &connector.Error{Class: connector.ClassPermanent, Message: fmt.Sprintf("paging stopped: page %d repeats an earlier next link", n+1)}
		}
		seen[abs] = true
		items, next, err := GetPage[T](ctx, c, abs, nextLinkField)
		if err != nil {
			return err
		}
		if err := fn(items); err != nil {
			return err
		}
		ref = next
	}
	return nil
}
