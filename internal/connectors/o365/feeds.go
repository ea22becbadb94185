package o365

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/alertsync/alertsync/internal/connector"
)

// Subscription statuses as the feed view shows them: the service's words,
// or unknown before alertsync has asked.
const (
	statusEnabled  = "enabled"
	statusDisabled = "disabled"
	statusUnknown  = "unknown"
)

// restartWait is how long Microsoft asks clients to wait after starting a
// subscription before another start request.
const restartWait = 15 * time.Minute

// gapNoteFor is how long a note about content never read stays on its
// feed although later polls succeed: a gap is lost data a person should
// see, not a passing error.
const gapNoteFor = 24 * time.Hour

// feedState is what the connector knows of one content type, kept in
// memory and updated by every poll and health check.
type feedState struct {
	status      string
	lastContent time.Time
	lastError   string
	lastErrorAt time.Time
	stickyUntil time.Time // lastError is a gap note kept until then
}

// Feeds reports each configured content type: its subscription status,
// the newest content seen and the last error, in configuration order.
func (c *core) Feeds(_ context.Context) ([]connector.Feed, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]connector.Feed, 0, len(c.s.contentTypes))
	for _, ct := range c.s.contentTypes {
		f := c.feeds[ct]
		out = append(out, connector.Feed{Name: ct, Status: f.status, LastContentAt: f.lastContent,
			LastError: f.lastError, LastErrorAt: f.lastErrorAt})
	}
	return out, nil
}

// Health fetches a token (on first use) and lists the subscriptions,
// which also refreshes each feed's status.
func (c *core) Health(ctx context.Context) error {
	if _, err := c.refreshStatuses(ctx); err != nil {
		return fmt.Errorf("o365 health: %w", err)
	}
	return nil
}

// refreshStatuses lists the subscriptions and records each configured
// content type's status: disabled when it has no subscription, unknown
// when the service lists one without a status (as a sample of the
// reference does).
func (c *core) refreshStatuses(ctx context.Context) (map[string]string, error) {
	subs, err := c.listSubscriptions(ctx)
	if err != nil {
		return nil, err
	}
	got := map[string]string{}
	for _, s := range subs {
		got[s.ContentType] = cmp.Or(strings.ToLower(s.Status), statusUnknown)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, ct := range c.s.contentTypes {
		c.feeds[ct].status = cmp.Or(got[ct], statusDisabled)
	}
	return got, nil
}

// subscribe starts the subscriptions of cts that are not enabled. A
// refusal that concerns one content type is noted on its feed and the
// others go on; any other failure is returned.
func (c *core) subscribe(ctx context.Context, cts []string) error {
	status, err := c.refreshStatuses(ctx)
	if err != nil {
		return err
	}
	for _, ct := range cts {
		if status[ct] == statusEnabled {
			continue
		}
		if err := c.start(ctx, ct); err != nil {
			if !feedLocal(err) {
				return err
			}
			c.feedFailed(ct, err)
		}
	}
	return nil
}

// errTooSoon is a restart refused locally: Microsoft asks for 15 minutes
// between start requests.
var errTooSoon = errors.New("subscription start asked less than 15 minutes ago")

// start starts ct's subscription unless alertsync started it within the
// last 15 minutes.
func (c *core) start(ctx context.Context, ct string) error {
	now := c.now()
	c.mu.Lock()
	last, asked := c.started[ct]
	c.mu.Unlock()
	if asked && now.Sub(last) < restartWait {
		return &connector.Error{Class: connector.ClassRetryable, RetryAfter: restartWait - now.Sub(last),
			Message: ct + " is not enabled and alertsync may ask again at " + last.Add(restartWait).UTC().Format(time.RFC3339), Err: errTooSoon}
	}
	if err := c.startSubscription(ctx, ct); err != nil {
		return err
	}
	c.mu.Lock()
	c.started[ct] = now
	c.mu.Unlock()
	c.log.InfoContext(ctx, "o365 subscription started", "content_type", ct)
	c.setStatus(ct, statusEnabled)
	return nil
}

// feedLocal reports whether err concerns one content type only, so the
// other feeds are still read.
func feedLocal(err error) bool {
	switch codeOf(err) {
	case "AF20020", "AF20021", "AF20022", "AF20023":
		return true
	}
	return errors.Is(err, errTooSoon)
}

func (c *core) setStatus(ct, status string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.feeds[ct].status = status
}

// feedListed records a successful listing: the subscription is enabled,
// and the newest content seen moves on.
func (c *core) feedListed(ct string, blobs []contentWire) {
	c.mu.Lock()
	defer c.mu.Unlock()
	f := c.feeds[ct]
	f.status = statusEnabled
	for _, b := range blobs {
		if t, ok := parseContentTime(b.ContentCreated); ok && t.After(f.lastContent) {
			f.lastContent = t
		}
	}
}

// feedDone records a poll of ct that read its window: notes (blobs
// skipped) become its last error, otherwise the error clears, except a
// gap note still in its time.
func (c *core) feedDone(ct string, notes []string) {
	now := c.now()
	c.mu.Lock()
	defer c.mu.Unlock()
	f := c.feeds[ct]
	switch {
	case len(notes) > 0:
		f.lastError, f.lastErrorAt, f.stickyUntil = strings.Join(notes, "; "), now, time.Time{}
	case now.After(f.stickyUntil):
		f.lastError, f.lastErrorAt = "", time.Time{}
	}
}

func (c *core) feedFailed(ct string, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	f := c.feeds[ct]
	f.lastError, f.lastErrorAt, f.stickyUntil = err.Error(), c.now(), time.Time{}
	switch codeOf(err) {
	case "AF20022", "AF20023":
		f.status = statusDisabled
	}
}

// feedGap notes content that was never read: made available between from
// and to, it expired (7 days) before alertsync polled.
func (c *core) feedGap(ctx context.Context, ct string, from, to time.Time) {
	note := fmt.Sprintf("gap: content made available from %s to %s was never read (the API keeps content 7 days; alertsync was not polling)",
		from.UTC().Format(time.RFC3339), to.UTC().Format(time.RFC3339))
	c.log.WarnContext(ctx, "o365 content expired unread", "content_type", ct, "from", from.UTC(), "to", to.UTC())
	now := c.now()
	c.mu.Lock()
	defer c.mu.Unlock()
	f := c.feeds[ct]
	f.lastError, f.lastErrorAt, f.stickyUntil = note, now, now.Add(gapNoteFor)
}
