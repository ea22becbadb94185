package o365

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/alertsync/alertsync/internal/connector"
)

// throttleWait is how long alertsync waits after an AF429 that names no
// wait: the quota is counted per minute. Microsoft documents no
// Retry-After on AF429; one the service sends is honoured.
const throttleWait = time.Minute

// classes maps the reference's AF error codes to how alertsync treats
// them, whatever HTTP status they come with (the reference gives none).
var classes = map[string]connector.Class{
	"AF10001": connector.ClassAuth,      // the token lacks ActivityFeed.Read
	"AF20010": connector.ClassPermanent, // tenant in the URL is not the token's
	"AF20011": connector.ClassPermanent, // tenant unknown or deleted
	"AF20012": connector.ClassPermanent, // tenant misconfigured
	"AF20013": connector.ClassPermanent, // tenant not a GUID
	"AF20001": connector.ClassPermanent, // missing parameter
	"AF20002": connector.ClassPermanent, // invalid parameter
	"AF20020": connector.ClassPermanent, // invalid content type
	"AF20022": connector.ClassPermanent, // no subscription: FetchEvidence starts one
	"AF20023": connector.ClassPermanent, // subscription disabled: FetchEvidence restarts it
	"AF20024": connector.ClassConflict,  // subscription already enabled: success to alertsync
	"AF20030": connector.ClassPermanent, // time window
	"AF20055": connector.ClassPermanent, // time window
	"AF20031": connector.ClassPermanent, // invalid nextPage
	"AF20050": connector.ClassNotFound,  // content does not exist: the blob is skipped
	"AF20051": connector.ClassNotFound,  // content expired: the blob is skipped
	"AF20052": connector.ClassNotFound,  // invalid content id: the blob is skipped
	"AF50000": connector.ClassRetryable, // internal error
}

// classify is the client's Classify hook. The service throttles with
// HTTP 403 and code AF429, which would otherwise read as an auth error.
func classify(e *connector.Error, _ http.Header) {
	code := strings.ToUpper(e.Code)
	if code == "AF429" {
		e.Class = connector.ClassRateLimited
		if e.RetryAfter <= 0 {
			e.RetryAfter = throttleWait
		}
		return
	}
	if cl, ok := classes[code]; ok {
		e.Class = cl
	}
}

// codeOf returns the AF code of a classified error, or "".
func codeOf(err error) string {
	var ce *connector.Error
	if errors.As(err, &ce) {
		return strings.ToUpper(ce.Code)
	}
	return ""
}

// feedRef is an operation's path under the tenant's feed root, with
// PublisherIdentifier.
func (c *core) feedRef(op string, q url.Values) string {
	if q == nil {
		q = url.Values{}
	}
	q.Set("PublisherIdentifier", c.s.publisher)
	return "api/v1.0/" + url.PathEscape(c.s.tenant) + "/activity/feed/" + op + "?" + q.Encode()
}

// withPublisher appends PublisherIdentifier to a link the service gave
// (a contentUri, a NextPageUri) unless it has one, leaving the rest of
// the link as the service wrote it. Microsoft asks for it on every call,
// blob retrievals included: it picks the tenant's own throttling pool.
func (c *core) withPublisher(link string) string {
	if u, err := url.Parse(link); err == nil {
		for k := range u.Query() {
			if strings.EqualFold(k, "PublisherIdentifier") {
				return link
			}
		}
	}
	sep := "?"
	if strings.Contains(link, "?") {
		sep = "&"
	}
	return link + sep + "PublisherIdentifier=" + url.QueryEscape(c.s.publisher)
}

// listSubscriptions reads every subscription of the tenant.
func (c *core) listSubscriptions(ctx context.Context) ([]subscriptionWire, error) {
	var subs []subscriptionWire
	if err := c.client.GetJSON(ctx, c.feedRef("subscriptions/list", nil), &subs); err != nil {
		return nil, fmt.Errorf("list o365 subscriptions: %w", err)
	}
	return subs, nil
}

// startSubscription asks for ct's subscription without a webhook; one
// already enabled (AF20024) is what was wanted.
func (c *core) startSubscription(ctx context.Context, ct string) error {
	err := c.client.SendJSON(ctx, http.MethodPost, c.feedRef("subscriptions/start", url.Values{"contentType": {ct}}), nil, nil)
	if err != nil && codeOf(err) != "AF20024" {
		return fmt.Errorf("start o365 subscription %s: %w", ct, err)
	}
	return nil
}

// listContent lists ct's blobs made available in [start, end), following
// NextPageUri until the service sends none.
func (c *core) listContent(ctx context.Context, ct string, start, end time.Time) ([]contentWire, error) {
	q := url.Values{"contentType": {ct}, "startTime": {start.UTC().Format(apiTime)}, "endTime": {end.UTC().Format(apiTime)}}
	ref := c.feedRef("subscriptions/content", q)
	seen := map[string]bool{}
	var out []contentWire
	for ref != "" {
		if seen[ref] || len(seen) == maxListPages {
			return nil, connector.Permanent("o365 content listing of %s stopped after %d pages: the next page repeats or never ends", ct, len(seen))
		}
		seen[ref] = true
		page, next, err := c.contentPage(ctx, ref)
		if err != nil {
			return nil, fmt.Errorf("list o365 content %s: %w", ct, err)
		}
		out = append(out, page...)
		ref = ""
		if next != "" {
			ref = c.withPublisher(next)
		}
	}
	return out, nil
}

// apiTime is the most precise startTime/endTime format the API takes.
const apiTime = "2006-01-02T15:04:05"

// maxListPages bounds one window's listing.
const maxListPages = 1000

func (c *core) contentPage(ctx context.Context, ref string) ([]contentWire, string, error) {
	req, err := c.client.NewRequest(ctx, http.MethodGet, ref, nil)
	if err != nil {
		return nil, "", err
	}
	resp, err := c.client.Do(ctx, req) //nolint:bodyclose // Decode closes the body
	if err != nil {
		return nil, "", err
	}
	next := resp.Header.Get("NextPageUri")
	var page []contentWire
	if err := c.client.Decode(resp, &page); err != nil {
		return nil, "", err
	}
	return page, next, nil
}

// getBlob fetches one content blob as the JSON the service sent.
func (c *core) getBlob(ctx context.Context, b contentWire) (json.RawMessage, error) {
	var body json.RawMessage
	if err := c.client.GetJSON(ctx, c.withPublisher(b.ContentURI), &body); err != nil {
		return nil, fmt.Errorf("get o365 content %s: %w", b.ContentID, err)
	}
	return body, nil
}
