package engine

import (
	"context"
	"fmt"

	"github.com/alertsync/alertsync/internal/connector"
	"github.com/alertsync/alertsync/internal/outbox"
	"github.com/alertsync/alertsync/internal/store"
)

// A delivery whose item was claimed before (Attempts > 1: each claim
// counts one, and a claim that never sent gives its attempt back) may
// have landed at the vendor already: the process died after sending, or
// the answer was lost to a timeout, a cut connection or a 5xx after the
// vendor applied it. Before such a write goes again, the engine asks the
// vendor whether it landed (connector.StateChecker, CommentChecker), so
// the vendor sees it once. First attempts are never checked.

// Outcome-check results, the "result" label of alertsync_outcome_checks_total.
const (
	checkApplied    = "applied"     // the earlier attempt landed: not sent again
	checkNotApplied = "not_applied" // it did not: sent again
	checkFailedWait = "error_wait"  // the check failed; retried later
	checkNotNeeded  = "not_needed"  // the vendor deduplicates repeats itself: sent unchecked
)

// mayHaveSent reports whether an earlier claim of item may have sent it.
func mayHaveSent(item store.OutboxItem) bool { return item.Attempts > 1 }

// checkState asks the vendor whether a replayed state write already
// landed. It returns nil when ch is to be sent; an *outbox.Noted (the
// item is done, its write-back recorded) when it landed; another error
// when the check failed, so the item waits
// and is checked again, retried by the class of the connector's error.
func (e *Engine) checkState(ctx context.Context, c connector.Connector, item store.OutboxItem, ch connector.StateChange) error {
	if !mayHaveSent(item) {
		return nil
	}
	sc, ok := c.(connector.StateChecker)
	replay := connector.ReplaysOf(c).State
	switch {
	case replay == connector.ReplayDeduplicated:
		e.countCheck(item, checkNotNeeded)
		return nil
	case !ok:
		return nil
	}
	applied, rs, err := sc.StateApplied(ctx, ch)
	if err != nil {
		return e.checkFailed(item, err)
	}
	if !applied {
		e.countCheck(item, checkNotApplied)
		return nil
	}
	e.countCheck(item, checkApplied)
	rs.Unchanged = false
	if rs.RemoteStatus == "" {
		return &outbox.Noted{Note: noteApplied}
	}
	// Recorded as a write, not as Unchanged: the earlier attempt most
	// likely made the change, so the companions that explain it still go,
	// and the ledger learns what the vendor holds, for the next poll to
	// be taken for our echo.
	return &outbox.Noted{Note: fmt.Sprintf("%s (the target is %s)", noteApplied, rs.RemoteStatus),
		After: &writeBack{e: e, integration: item.Integration, ch: ch, rs: rs, found: true}}
}

const noteApplied = "already applied: an earlier attempt landed (checked at the vendor); not sent again"

// checkComment is checkState for a replayed comment.
func (e *Engine) checkComment(ctx context.Context, c connector.Connector, item store.OutboxItem, ca connector.CommentAction) error {
	if !mayHaveSent(item) {
		return nil
	}
	cc, ok := c.(connector.CommentChecker)
	replay := connector.ReplaysOf(c).Comment
	switch {
	case replay == connector.ReplayDeduplicated:
		e.countCheck(item, checkNotNeeded)
		return nil
	case !ok:
		return nil
	}
	applied, err := cc.CommentApplied(ctx, ca)
	if err != nil {
		return e.checkFailed(item, err)
	}
	if !applied {
		e.countCheck(item, checkNotApplied)
		return nil
	}
	e.countCheck(item, checkApplied)
	return &outbox.Noted{Note: "already applied: the comment is on the object (its marker was found); not posted again"}
}

// checkFailed decides what a failed check means: the write waits and is
// checked again, its error keeping the connector's class (a rate limit is
// a rate limit, a 404 a 404), even where a repeat would be harmless: the
// vendor would still see it twice, and a vendor failing the read is
// failing the write too. (A chaos run that sent such writes on a failed
// check showed Graph alerts set twice.)
func (e *Engine) checkFailed(item store.OutboxItem, err error) error {
	e.countCheck(item, checkFailedWait)
	return fmt.Errorf("check whether an earlier attempt landed: %w", err)
}

func (e *Engine) countCheck(item store.OutboxItem, result string) {
	e.metrics.checks.WithLabelValues(item.Integration, item.Action, result).Inc()
}
