package o365

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/alertsync/alertsync/internal/connector"
)

// maxBlobsPerCall bounds the content blobs one FetchEvidence reads; a
// backlog is read over several calls (More).
const maxBlobsPerCall = 100

// retention is how long the API keeps content; a window may start no
// further back. retentionMargin keeps a window clear of that edge, which
// the service measures by its own clock.
const (
	retention       = 7 * 24 * time.Hour
	retentionMargin = 10 * time.Minute
)

// poll is one FetchEvidence call's progress.
type poll struct {
	cur    *cursor
	now    time.Time
	budget int // blobs left to read
	items  []connector.EvidenceItem
}

// FetchEvidence reads the audit records made available since the cursor.
// The first call (empty cursor) only subscribes to the configured content
// types and marks the integration enabled: collection starts then, with
// no history. Each later call reads, per content type, one window of at
// most window length (see cursor for the overlap); More is true while a
// content type is behind now or the call's blob budget ran out. A
// failure that concerns one content type (its subscription refused or
// waiting to be restarted) is noted on its feed and the others are still
// read; any other failure fails the call.
func (c *core) FetchEvidence(ctx context.Context, raw string) (connector.EvidencePage, error) {
	cur, err := parseCursor(raw)
	if err != nil {
		return connector.EvidencePage{}, err
	}
	p := &poll{cur: cur, now: c.now().UTC().Truncate(time.Second), budget: c.blobsPerCall}
	added := cur.feeds(c.s.contentTypes, p.now)
	if !cur.enabled() || len(added) > 0 {
		if err := c.subscribe(ctx, added); err != nil {
			return connector.EvidencePage{}, err
		}
	}
	if !cur.enabled() {
		cur.Since = p.now.Unix()
		c.log.InfoContext(ctx, "o365 collection enabled; content made available from now on is read", "since", p.now)
		return connector.EvidencePage{Cursor: cur.String()}, nil
	}
	more, err := c.pollFeeds(ctx, p)
	if err != nil {
		return connector.EvidencePage{}, err
	}
	c.log.DebugContext(ctx, "o365 evidence fetched", "items", len(p.items), "more", more)
	return connector.EvidencePage{Items: p.items, Cursor: cur.String(), More: more}, nil
}

// pollFeeds polls every content type, starting one further along each
// call so a backlog in one does not starve the others.
func (c *core) pollFeeds(ctx context.Context, p *poll) (bool, error) {
	cts := c.s.contentTypes
	first := p.cur.Turn % len(cts)
	p.cur.Turn = (p.cur.Turn + 1) % len(cts)
	more := false
	var failed []error
	for i := range cts {
		ct := cts[(first+i)%len(cts)]
		done, err := c.pollFeed(ctx, p, ct)
		switch {
		case err != nil && !feedLocal(err):
			return false, err
		case err != nil:
			c.log.WarnContext(ctx, "o365 feed not read", "content_type", ct, "err", err)
			failed = append(failed, err)
		default:
			more = more || !done
		}
	}
	if len(failed) == len(cts) {
		return false, fmt.Errorf("read o365 feeds: none could be read: %w", failed[0])
	}
	return more, nil
}

// window returns the range to list for ct: from min(next, now-overlap),
// never before enablement nor beyond the 7 days the API keeps (a gap is
// noted when unread content lies beyond), at most window long.
func (c *core) window(ctx context.Context, p *poll, ct string) (start, end time.Time) {
	fc := p.cur.Feeds[ct]
	next := time.Unix(fc.Next, 0).UTC()
	start = minTime(next, p.now.Add(-c.s.overlap))
	if since := time.Unix(p.cur.Since, 0).UTC(); start.Before(since) {
		start = since
	}
	if floor := p.now.Add(-retention + retentionMargin); start.Before(floor) {
		if next.Before(floor) {
			c.feedGap(ctx, ct, next, floor)
			fc.Next = floor.Unix()
		}
		start = floor
	}
	return start, minTime(start.Add(c.s.window), p.now)
}

// pollFeed lists one window of ct and reads the blobs in it not read
// before, as far as the call's budget goes. done reports that ct is read
// up to now.
func (c *core) pollFeed(ctx context.Context, p *poll, ct string) (done bool, err error) {
	if p.budget <= 0 {
		return false, nil
	}
	start, end := c.window(ctx, p, ct)
	if !start.Before(end) {
		c.feedDone(ct, nil)
		return true, nil
	}
	blobs, err := c.listFeed(ctx, ct, start, end)
	if err != nil {
		c.feedFailed(ct, err)
		return false, err
	}
	c.feedListed(ct, blobs)
	fc := p.cur.Feeds[ct]
	var notes []string
	for _, b := range blobs {
		if fc.seenBlob(b.ContentID) {
			continue
		}
		if p.budget <= 0 {
			c.feedDone(ct, notes)
			return false, nil
		}
		note, err := c.readBlob(ctx, p, ct, b)
		if err != nil {
			c.feedFailed(ct, err)
			return false, err
		}
		notes = appendNonEmpty(notes, note)
	}
	fc.Next = end.Unix()
	fc.prune(minTime(end, p.now.Add(-c.s.overlap)))
	c.feedDone(ct, notes)
	return !end.Before(p.now), nil
}

// listFeed lists ct's window, starting its subscription again once when
// the service says it has none or it was disabled.
func (c *core) listFeed(ctx context.Context, ct string, start, end time.Time) ([]contentWire, error) {
	blobs, err := c.listContent(ctx, ct, start, end)
	if code := codeOf(err); code != "AF20022" && code != "AF20023" {
		return sortBlobs(blobs), err
	}
	c.feedFailed(ct, err)
	if serr := c.start(ctx, ct); serr != nil {
		return nil, serr
	}
	blobs, err = c.listContent(ctx, ct, start, end)
	return sortBlobs(blobs), err
}

// sortBlobs orders blobs by when they were made available, so a call
// that stops early has read the oldest.
func sortBlobs(blobs []contentWire) []contentWire {
	slices.SortStableFunc(blobs, func(a, b contentWire) int {
		ta, _ := parseContentTime(a.ContentCreated)
		tb, _ := parseContentTime(b.ContentCreated)
		return ta.Compare(tb)
	})
	return blobs
}

// readBlob fetches one blob and adds its records to the page. A blob the
// service no longer has (expired after 7 days, gone, or an id it
// refuses) is skipped with a note; it would never come back.
func (c *core) readBlob(ctx context.Context, p *poll, ct string, b contentWire) (note string, err error) {
	fc := p.cur.Feeds[ct]
	created, _ := parseContentTime(b.ContentCreated)
	body, err := c.getBlob(ctx, b)
	switch codeOf(err) {
	case "":
		if err != nil {
			return "", err
		}
	case "AF20050", "AF20051", "AF20052":
		c.log.WarnContext(ctx, "o365 content blob skipped", "content_type", ct, "content_id", b.ContentID, "err", err)
		note = fmt.Sprintf("content %s skipped: %v", b.ContentID, err)
	default:
		return "", err
	}
	p.budget--
	if dropped := fc.addBlob(b.ContentID, created); dropped > 0 {
		c.log.WarnContext(ctx, "o365 blob dedupe set full; the oldest blobs read may be read again", "content_type", ct, "dropped", dropped)
	}
	if body != nil {
		p.addRecords(c.id, ct, b.ContentID, body)
	}
	return note, nil
}

// addRecords maps a blob's records into the page, leaving out those
// delivered recently. A blob that is not a JSON array is quarantined
// whole.
func (p *poll) addRecords(integration, ct, contentID string, body json.RawMessage) {
	var recs []json.RawMessage
	if err := json.Unmarshal(body, &recs); err != nil {
		p.items = append(p.items, connector.EvidenceItem{Raw: body,
			Err: fmt.Errorf("o365 content %s is not a JSON array of audit records: %w", contentID, err)})
		return
	}
	for _, raw := range recs {
		it := mapRecord(integration, ct, raw)
		if it.VendorID != "" && p.cur.seenRecord(it.VendorID) {
			continue
		}
		p.items = append(p.items, it)
	}
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

func appendNonEmpty(list []string, s string) []string {
	if s == "" {
		return list
	}
	return append(list, s)
}
