package sentinel

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/alertsync/alertsync/internal/connector"
	"github.com/alertsync/alertsync/internal/connector/httpkit"
	"github.com/alertsync/alertsync/internal/connector/httpkit/entra"
)

// The fast path lists incidents with $filter and $orderby on
// properties/lastModifiedTimeUtc, which the fact sheet marks unconfirmed.
// When the service refuses that listing, the connector falls back to one
// that needs neither: the whole incident list, $top at a time through
// nextLink ($skipToken), filtered on our side against the watermark.
//
// Refused means any 400 answer to a listing that carries $filter or
// $orderby, provided the plain listing then succeeds. The message is not
// parsed (ARM's wording for an unsupported query option is not
// documented); the plain listing working where the filtered one failed is
// the evidence. A plain listing that fails too says the 400 was about
// something else (api-version, workspace), and that error is returned
// without switching. Once switched, the connector stays on the fallback
// for its lifetime and logs the switch once, at Warn; a restart tries the
// fast path again.

// scanPagesPerCall bounds the pages one fallback call reads while they
// hold nothing new, so a large workspace's walk is spread over calls.
const scanPagesPerCall = 20

// list returns the next incidents to deliver and whether more follow,
// on the fast path unless it was refused.
func (c *Connector) list(ctx context.Context, pos *cursor) ([]rawIncident, bool, error) {
	if c.unordered.Load() {
		return c.listUnordered(ctx, pos)
	}
	fresh, more, err := c.listChanged(ctx, *pos)
	if !badRequest(err) {
		pos.Scan = nil // a walk left from an earlier fallback is not needed
		return fresh, more, err
	}
	fresh, more, ferr := c.listUnordered(ctx, pos)
	if ferr != nil {
		return nil, false, ferr
	}
	if c.unordered.CompareAndSwap(false, true) {
		c.log.WarnContext(ctx, "sentinel refused $filter/$orderby on lastModifiedTimeUtc; listing all incidents and filtering locally from now on",
			"err", err)
	}
	return fresh, more, nil
}

func badRequest(err error) bool {
	var ce *connector.Error
	return errors.As(err, &ce) && ce.Status == http.StatusBadRequest
}

// listUnordered continues the walk in pos.Scan (starting one when none is
// under way) and returns the first page's worth of incidents changed
// after the walk's lower bound and not yet delivered, following nextLink
// past pages without any, at most scanPagesPerCall pages a call. More is
// false once the walk reached the last page; the caller then ends it.
func (c *Connector) listUnordered(ctx context.Context, pos *cursor) ([]rawIncident, bool, error) {
	if pos.Scan == nil {
		pos.Scan = &scan{From: pos.from(), Opened: c.now().UTC()}
	}
	ref := pos.Scan.Next
	if ref == "" {
		ref = c.plainListRef(c.cfg.PageSize)
	}
	for range scanPagesPerCall {
		page, next, err := httpkit.GetPage[rawIncident](ctx, c.client, ref, entra.ARMNextLink)
		if err != nil && ref != c.plainListRef(c.cfg.PageSize) && refusedLink(err) {
			c.log.WarnContext(ctx, "stored next link refused; walking the incidents again from the first page", "err", err)
			pos.Scan.Next, ref = "", c.plainListRef(c.cfg.PageSize)
			continue
		}
		if err != nil {
			return nil, false, err
		}
		var fresh []rawIncident
		for _, r := range page {
			if pos.Scan.admits(r) && !pos.delivered(r.inc.Name, r.inc.Properties.LastModifiedTimeUtc) {
				fresh = append(fresh, r)
			}
		}
		pos.Scan.Next = next
		if len(fresh) > 0 || next == "" {
			return fresh, next != "", nil
		}
		ref = next
	}
	return nil, true, nil
}

// refusedLink says a stored next link is no good any more (an expired
// skip token, another host after arm_base changed).
func refusedLink(err error) bool {
	switch connector.ClassOf(err) {
	case connector.ClassPermanent, connector.ClassNotFound:
		return true
	}
	return false
}

// admits is the client-side filter: changed after the walk's lower bound.
// An incident whose time does not parse is let through, for the mapping
// to quarantine.
func (s *scan) admits(r rawIncident) bool {
	if s.From.IsZero() || r.err != nil {
		return true
	}
	at, err := time.Parse(time.RFC3339Nano, r.inc.Properties.LastModifiedTimeUtc)
	return err != nil || at.After(s.From)
}
