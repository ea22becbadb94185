package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/alertsync/alertsync/internal/connector"
	"github.com/alertsync/alertsync/internal/model"
	"github.com/alertsync/alertsync/internal/store"
)

// DefaultMaxAutoComments bounds the automatic comments (validation passes,
// reconciliation explanations) alertsync adds to one remote object whose
// vendor documents no limit: 100, the strictest limit a vendor we know
// documents (Sentinel), which still lets the seed's comment-each-pass
// policy (96 passes) run. A vendor's documented limit lowers it: automatic
// comments then take at most half of it, leaving the rest to people.
const DefaultMaxAutoComments = 100

// remote names one remote object and the integration that holds it.
type remote struct {
	in       Integration
	kind     model.Kind
	vendorID string
	localID  int64
}

func (r remote) ref() string { return objectRef(r.kind, r.vendorID) }

func (r remote) limits() connector.CommentLimits {
	if cl, ok := r.in.Connector.(connector.CommentLimiter); ok {
		return cl.CommentLimits(r.kind)
	}
	return connector.CommentLimits{}
}

// fit shortens text alertsync writes to the vendor's own length limit,
// with a visible truncation mark, keeping room for the comment marker the
// connector appends (connector.FitComment).
func (r remote) fit(text string) string {
	return connector.FitComment(text, r.limits())
}

// autoCommentCap is how many automatic comments one object may receive.
func (e *Engine) autoCommentCap(r remote) int {
	limit := e.maxAutoComments
	if max := r.limits().MaxPerObject; max > 0 {
		limit = min(limit, max/2)
	}
	return limit
}

// enqueueState queues a state write, due at once or at notBefore. A newer
// write replaces those still waiting on the same object, so the vendor
// gets the final state once: the replaced writes, their companion comments
// and their echo-ledger entries are dropped.
func (e *Engine) enqueueState(ctx context.Context, tx store.Tx, r remote, ch connector.StateChange, notBefore, now time.Time) error {
	ch.Reason = r.fit(ch.Reason)
	pending, err := tx.OutboxObjectPending(ctx, r.in.ID, r.ref())
	if err != nil {
		return err
	}
	for _, it := range pending {
		if it.Action != ActionSetState {
			continue
		}
		if err := e.supersedeState(ctx, tx, it, ch.Status, now); err != nil {
			return err
		}
	}
	b, err := json.Marshal(ch)
	if err != nil {
		return fmt.Errorf("encode state change: %w", err)
	}
	p := store.OutboxEnqueueParams{
		Key: ch.IdempotencyKey, Integration: r.in.ID, ObjectRef: r.ref(), Action: ActionSetState, Payload: b,
		OriginKind: r.kind, OriginID: r.localID, Now: now, NotBefore: notBefore, Priority: store.PriorityDecision,
	}
	// Per-object order: the write is handed to the local worker only
	// while its object has nothing queued. (Two transactions cannot both
	// find the object idle: a state write comes with the update of its
	// alert or incident, whose revision guard makes the later one run
	// again and see the first's item.)
	free := func() (bool, error) {
		busy, err := tx.OutboxObjectBusy(ctx, p.Integration, p.ObjectRef)
		return !busy, err
	}
	if err := e.local.Enqueue(ctx, tx, p, free, nil); err != nil {
		return fmt.Errorf("enqueue state change: %w", err)
	}
	if err := tx.LedgerAdd(ctx, store.LedgerEntry{
		Integration: r.in.ID, Kind: r.kind, VendorID: r.vendorID, RemoteStatus: string(ch.Status), At: now,
	}); err != nil {
		return fmt.Errorf("record write in ledger: %w", err)
	}
	return nil
}

func (e *Engine) supersedeState(ctx context.Context, tx store.Tx, it store.OutboxItem, next model.Status, now time.Time) error {
	var old connector.StateChange
	if err := json.Unmarshal(it.Payload, &old); err != nil {
		return nil //nolint:nilerr // left to deliver, where it dead-letters with the reason
	}
	const why = "skipped: superseded by a newer state write on the same object"
	for _, key := range append([]string{it.Key}, old.Companions...) {
		if err := tx.OutboxSkip(ctx, key, why, now); err != nil {
			return err
		}
	}
	e.metrics.outbound.WithLabelValues(it.Integration, ActionSetState, "superseded").Inc()
	if old.Status == next {
		return nil
	}
	return forgetLedger(ctx, tx, it.Integration, old.Kind, old.VendorID, old.Status)
}

// enqueueComment queues a comment by its origin's rules. Analysts'
// comments always go, as written. A verdict's comment replaces the
// comments of earlier verdicts and the validation comments still waiting
// on the object. Automatic comments (validation, reconciliation) go after
// decisions, stay within autoCommentCap, and validation comments waiting
// on the object merge into the new one. It reports whether a comment was
// queued.
func (e *Engine) enqueueComment(ctx context.Context, tx store.Tx, r remote, c connector.CommentAction, now time.Time) (bool, error) {
	priority := store.PriorityDecision
	switch c.Origin {
	case connector.OriginVerdict:
		if _, err := e.dropPendingComments(ctx, tx, r, now, "skipped: superseded by a newer verdict",
			connector.OriginVerdict, connector.OriginValidation); err != nil {
			return false, err
		}
	case connector.OriginValidation, connector.OriginReconcile:
		priority = store.PriorityAutomatic
		ok, err := e.admitAutomatic(ctx, tx, r, &c, now)
		if err != nil || !ok {
			return false, err
		}
	}
	c.Body = r.fit(c.Body)
	if err := enqueue(ctx, tx, r.in.ID, r.ref(), ActionAddComment, c.IdempotencyKey, c, r.kind, r.localID, priority, now); err != nil {
		return false, err
	}
	return true, nil
}

// admitAutomatic merges waiting validation comments into c, or, when none
// waits, checks the object's automatic comment cap.
func (e *Engine) admitAutomatic(ctx context.Context, tx store.Tx, r remote, c *connector.CommentAction, now time.Time) (bool, error) {
	if c.Origin == connector.OriginValidation {
		merged, err := e.dropPendingComments(ctx, tx, r, now, "skipped: merged into a newer validation comment", connector.OriginValidation)
		if err != nil {
			return false, err
		}
		if len(merged) > 0 {
			c.Body = strings.Join(append(merged, c.Body), "\n\n")
			e.metrics.outbound.WithLabelValues(r.in.ID, ActionAddComment, "merged").Add(float64(len(merged)))
			return true, nil
		}
	}
	n, err := tx.OutboxObjectCount(ctx, store.OutboxObjectCountParams{
		Integration: r.in.ID, ObjectRef: r.ref(), Action: ActionAddComment, Priority: store.PriorityAutomatic,
	})
	if err != nil {
		return false, err
	}
	if n >= e.autoCommentCap(r) {
		e.metrics.outbound.WithLabelValues(r.in.ID, ActionAddComment, "capped").Inc()
		e.log.Debug("automatic comment held back: the object reached its cap", "integration", r.in.ID,
			"object", r.ref(), "cap", e.autoCommentCap(r))
		return false, nil
	}
	return true, nil
}

// dropPendingComments skips the comments of the given origins still
// waiting on the object and returns their bodies, oldest first.
func (e *Engine) dropPendingComments(ctx context.Context, tx store.Tx, r remote, now time.Time, why string, origins ...string) ([]string, error) {
	pending, err := tx.OutboxObjectPending(ctx, r.in.ID, r.ref())
	if err != nil {
		return nil, err
	}
	var bodies []string
	for _, it := range pending {
		if it.Action != ActionAddComment {
			continue
		}
		var c connector.CommentAction
		if json.Unmarshal(it.Payload, &c) != nil || !slices.Contains(origins, c.Origin) {
			continue
		}
		if err := tx.OutboxSkip(ctx, it.Key, why, now); err != nil {
			return nil, err
		}
		e.metrics.outbound.WithLabelValues(r.in.ID, ActionAddComment, "superseded").Inc()
		bodies = append(bodies, c.Body)
	}
	return bodies, nil
}

// forgetLedger removes the echo-ledger entries for a status alertsync
// will no longer write, so a genuine remote change to it is not taken for
// our echo.
func forgetLedger(ctx context.Context, tx store.Tx, integration string, kind model.Kind, vendorID string, status model.Status) error {
	entries, err := tx.LedgerList(ctx, integration, kind, vendorID)
	if err != nil {
		return fmt.Errorf("read ledger: %w", err)
	}
	for _, en := range entries {
		if en.RemoteStatus == string(status) {
			if err := tx.LedgerDelete(ctx, en.ID); err != nil {
				return fmt.Errorf("forget write: %w", err)
			}
		}
	}
	return nil
}

// yieldToSource drops the reconciliation writes still waiting on an object
// whose state a person just changed at its source: they were decided from
// the state before, and sending them now would silently undo that person.
func (e *Engine) yieldToSource(ctx context.Context, tx store.Tx, integration string, kind model.Kind, vendorID string, now time.Time) error {
	pending, err := tx.OutboxObjectPending(ctx, integration, objectRef(kind, vendorID))
	if err != nil {
		return err
	}
	for _, it := range pending {
		var ch connector.StateChange
		if it.Action != ActionSetState || json.Unmarshal(it.Payload, &ch) != nil || ch.Origin != connector.OriginReconcile {
			continue
		}
		const why = "skipped: the target changed at its source after this write was decided"
		for _, key := range append([]string{it.Key}, ch.Companions...) {
			if err := tx.OutboxSkip(ctx, key, why, now); err != nil {
				return err
			}
		}
		if err := forgetLedger(ctx, tx, integration, kind, vendorID, ch.Status); err != nil {
			return err
		}
		e.metrics.outbound.WithLabelValues(integration, ActionSetState, "yielded").Inc()
	}
	return nil
}
