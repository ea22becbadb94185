package graph

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/alertsync/alertsync/internal/connector"
	"github.com/alertsync/alertsync/internal/connector/watermark"
)

// Alerts are polled in windows of lastUpdateDateTime (see package
// watermark), without $orderby: List alerts_v2 documents $count, $filter,
// $skip and $top only, and its list puts "the most recent alerts at the
// top", not the oldest change first. So a window is read through its
// @odata.nextLink pages to the end, over as many calls as it takes, before
// the watermark moves; re-read records are dropped by the cursor's dedupe
// set (and identical re-deliveries by the engine).
//
// A window is open above in the query and bounded by the hub's clock in
// the cursor (Scan.Until): with $skip paging, a window that lost the
// records updated while it was read would move the records listed after
// them back past the offset already read, while an open one only gains
// records, which costs re-reads at worst. Whatever changes during the read
// is stamped after Until, where the next window starts (an overlap
// earlier, which also covers a hub clock that runs up to the overlap
// ahead of Microsoft's).
//
// A window too large to page through within the documented $skip depth
// is narrowed with "lastUpdateDateTime le" (Scan.Bounded). Such a window
// does lose the records updated while it is read (as any window loses
// deleted ones), so a window whose @odata.count drops during the read is
// read again (maxPasses), and the second pass delivers what the shift
// passed over.

// maxPagesPerCall bounds the pages one FetchAlerts reads, so a poll over
// a large window or one full of records filtered on our side (several
// service_sources) stays short; the next call continues the window.
const maxPagesPerCall = 10

// maxSkipDepth is the deepest $top+$skip paging may reach. The
// security API's constraints document at most 6,000; that page describes
// the legacy alerts, and the alerts_v2 page documents no limit [U], so the
// documented one is followed.
const maxSkipDepth = 6000

// maxPasses is how many times a bounded window is read, the first
// included, while it keeps losing records during the read.
const maxPasses = 3

// minWindow is the narrowest window: one that still holds more records
// than the paging depth is read as it is.
const minWindow = time.Second

// firstPollFloor stands in for a first poll's missing lower bound when
// its window must be narrowed; no alerts_v2 alert is older.
var firstPollFloor = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// alertPage is one List alerts_v2 answer.
type alertPage struct {
	Value    []json.RawMessage `json:"value"`
	NextLink string            `json:"@odata.nextLink"`
	Count    *int              `json:"@odata.count"`
}

// alertsRef is the first page of the window s (from is its lower bound).
func (c *core) alertsRef(s *watermark.Scan, from time.Time) string {
	var f []string
	if !from.IsZero() {
		f = append(f, "lastUpdateDateTime ge "+from.UTC().Format(time.RFC3339Nano))
	}
	if s.Bounded {
		f = append(f, "lastUpdateDateTime le "+s.Until.UTC().Format(time.RFC3339Nano))
	}
	// One source is filtered by the service. Several are filtered here:
	// Microsoft documents $filter on serviceSource but not "or"/"in", and a
	// refused filter would stop ingest entirely.
	if len(c.s.sources) == 1 {
		f = append(f, "serviceSource eq '"+c.s.sources[0]+"'")
	}
	q := url.Values{}
	if len(f) > 0 {
		q.Set("$filter", strings.Join(f, " and "))
	}
	q.Set("$top", strconv.Itoa(c.cfg.PageSize))
	q.Set("$count", "true")
	return "security/alerts_v2?" + odataQuery(q)
}

// FetchAlerts returns alerts changed since the cursor, in the service's
// order. A call reads pages of the current window until one delivers
// something (so never more than page_size items), the window ends, or
// pagesPerCall pages were read; More says the window goes on.
func (c *core) FetchAlerts(ctx context.Context, raw string) (connector.Page, error) {
	cur, err := watermark.Parse(raw)
	if err != nil {
		return connector.Page{}, err
	}
	cur.OpenWindow(c.now())
	var items []connector.Item
	for n := 0; n < c.pagesPerCall && len(items) == 0 && cur.Scan != nil; n++ {
		if items, err = c.readPage(ctx, &cur); err != nil {
			return connector.Page{}, fmt.Errorf("list graph alerts: %w", err)
		}
	}
	more := cur.Scan != nil
	c.prune(ctx, &cur, "alerts")
	c.log.DebugContext(ctx, "graph alerts fetched", "items", len(items), "more", more)
	return connector.Page{Items: items, Cursor: cur.String(), More: more}, nil
}

// readPage reads the window's next page and returns what it delivers,
// closing the window after its last page.
func (c *core) readPage(ctx context.Context, cur *watermark.Cursor) ([]connector.Item, error) {
	s := cur.Scan
	ref, first := s.Next, s.Next == ""
	if first {
		ref = c.alertsRef(s, cur.From(c.s.overlap))
	}
	var p alertPage
	if err := c.client.GetJSON(ctx, ref, &p); err != nil {
		if cls := connector.ClassOf(err); !first && (cls == connector.ClassPermanent || cls == connector.ClassNotFound) {
			c.log.WarnContext(ctx, "graph refused a stored next link; reading the window again from its start", "err", err)
			s.Next, s.Count = "", 0
			return nil, nil
		}
		return nil, err
	}
	if p.Count != nil {
		if first && *p.Count > c.maxSkipDepth-c.cfg.PageSize && c.narrow(ctx, s, *p.Count) {
			return nil, nil // the page belongs to the wider window
		}
		s.Observe(*p.Count)
	}
	var items []connector.Item
	for _, r := range p.Value {
		if it, ok := c.admitAlert(cur, r); ok {
			items = append(items, it)
		}
	}
	if p.NextLink == ref {
		c.log.WarnContext(ctx, "graph returned a page's own link as its next link; ending the window there")
		p.NextLink = ""
	}
	if s.Next = p.NextLink; s.Next == "" {
		c.endWindow(ctx, cur)
	}
	return items, nil
}

// narrow halves a window whose $count says paging through it would go
// deeper than maxSkipDepth, keeping its start; it reports false when the
// window is already minWindow wide and must be read as it is.
func (c *core) narrow(ctx context.Context, s *watermark.Scan, count int) bool {
	lo := s.Base
	if lo.IsZero() {
		lo = firstPollFloor
	}
	span := s.Until.Sub(lo)
	if span <= minWindow {
		c.log.WarnContext(ctx, "graph alerts: more changes within one window than paging can reach; reading it anyway",
			"count", count, "depth", c.maxSkipDepth, "until", s.Until)
		return false
	}
	s.Until, s.Bounded = lo.Add(span/2), true
	c.log.DebugContext(ctx, "graph alerts window narrowed", "count", count, "until", s.Until)
	return true
}

// endWindow closes the window after its last page, or starts it over when
// records left it while it was read.
func (c *core) endWindow(ctx context.Context, cur *watermark.Cursor) {
	s := cur.Scan
	if s.Reread(maxPasses) {
		c.log.DebugContext(ctx, "graph alerts window shrank while read; reading it again", "pass", s.Pass)
		return
	}
	if s.Shrunk {
		c.log.WarnContext(ctx, "graph alerts window kept shrinking while read; moving on", "passes", maxPasses, "until", s.Until)
	}
	narrowed := s.Bounded
	cur.CloseScan()
	if narrowed {
		// The window was cut short of the hub's clock: what follows it is
		// due now, not at the next poll.
		cur.OpenWindow(c.now())
	}
}

// admitAlert decides whether a listed alert is delivered: not when this
// version was delivered before, nor when its product is not configured.
func (c *core) admitAlert(cur *watermark.Cursor, raw json.RawMessage) (connector.Item, bool) {
	st, ts, placed := readStamp(raw)
	if placed {
		if cur.Has(st.ID, ts) {
			return connector.Item{}, false
		}
		if len(c.s.sources) > 0 && !slices.Contains(c.s.sources, st.ServiceSource) {
			cur.Advance(ts)
			return connector.Item{}, false
		}
		cur.Add(st.ID, ts)
	}
	return mapAlert(c.id, raw), true
}
