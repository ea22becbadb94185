package engine

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/alertsync/alertsync/internal/connector"
	"github.com/alertsync/alertsync/internal/model"
	"github.com/alertsync/alertsync/internal/store"
)

// StartValidation puts an alert under validation: a correlation pass runs
// now and then every ValidationInterval until ValidationWindow has passed or
// a verdict is given.
func (e *Engine) StartValidation(ctx context.Context, alertID int64) error {
	return e.withTx(ctx, func(tx store.Tx) error {
		if _, err := tx.AlertGet(ctx, alertID); err != nil {
			return fmt.Errorf("get alert %d: %w", alertID, err)
		}
		return e.startValidation(ctx, tx, alertID, e.Now())
	})
}

func (e *Engine) startValidation(ctx context.Context, tx store.Tx, alertID int64, now time.Time) error {
	v := store.Validation{AlertID: alertID, StartedAt: now, NextPassAt: now, EndsAt: now.Add(e.window)}
	if err := tx.ValidationUpsert(ctx, v); err != nil {
		return fmt.Errorf("schedule validation of alert %d: %w", alertID, err)
	}
	return nil
}

func (e *Engine) finishValidation(ctx context.Context, tx store.Tx, alertID int64) error {
	v, err := tx.ValidationGet(ctx, alertID)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("get validation of alert %d: %w", alertID, err)
	}
	if v.Done {
		return nil
	}
	v.Done = true
	if err := tx.ValidationUpsert(ctx, v); err != nil {
		return fmt.Errorf("finish validation of alert %d: %w", alertID, err)
	}
	return nil
}

// PassesPerValidation is how many correlation passes one validation runs:
// one at the start and one every interval while the window lasts (96 with
// the defaults of 30 minutes over 2 days).
func (e *Engine) PassesPerValidation() int {
	return int(e.window / e.interval)
}

// RunDuePasses runs every correlation pass that is due and returns how many
// ran. The scheduler calls it on a ticker; tests call it with a fake clock.
func (e *Engine) RunDuePasses(ctx context.Context) (int, error) {
	ran := 0
	for {
		due, err := e.store.ValidationDue(ctx, e.Now(), passBatch)
		if err != nil {
			return ran, fmt.Errorf("list due validations: %w", err)
		}
		if len(due) == 0 {
			return ran, nil
		}
		if err := ctx.Err(); err != nil {
			return ran, err
		}
		n, err := e.runPasses(ctx, due)
		if err != nil {
			// One pass failed the shared transaction: run each alone, so
			// the others still happen and the failing one is named.
			n, err = e.runPassesAlone(ctx, due)
		}
		ran += n
		if err != nil {
			return ran, err
		}
	}
}

// passBatch is how many due passes share one transaction: a commit is
// the dearest statement of a pass on PostgreSQL (one pass a transaction
// ran ~280 a second there, where a pass's queries take a fraction of it).
const passBatch = 100

// runPasses runs due passes in one transaction.
func (e *Engine) runPasses(ctx context.Context, due []store.Validation) (int, error) {
	ran := 0
	err := e.withTx(ctx, func(tx store.Tx) error {
		ran = 0
		for _, v := range due {
			passed, err := e.runPass(ctx, tx, v)
			if err != nil {
				return err
			}
			if passed {
				ran++
			}
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	e.metrics.passes.Add(float64(ran))
	return ran, nil
}

// runPassesAlone runs due passes one transaction each.
func (e *Engine) runPassesAlone(ctx context.Context, due []store.Validation) (int, error) {
	ran := 0
	for _, v := range due {
		if err := ctx.Err(); err != nil {
			return ran, err
		}
		n, err := e.runPasses(ctx, []store.Validation{v})
		if err != nil {
			return ran, err
		}
		ran += n
	}
	return ran, nil
}

// runPass runs one due pass, or ends the validation; it reports whether a
// pass ran.
func (e *Engine) runPass(ctx context.Context, tx store.Tx, v store.Validation) (bool, error) {
	now := e.Now()
	a, err := tx.AlertGet(ctx, v.AlertID)
	if err != nil {
		return false, fmt.Errorf("get alert %d: %w", v.AlertID, err)
	}
	// A validation that got a verdict, was closed, or whose window passed
	// while alertsync was down ends without another pass.
	if a.Verdict != model.VerdictNone || !a.Status.Open() || !now.Before(v.EndsAt) {
		v.Done = true
		return false, tx.ValidationUpsert(ctx, v)
	}
	v.Passes++
	related, err := e.correlate(ctx, tx, &a, now)
	if err != nil {
		return false, err
	}
	v.NextPassAt = e.nextSlot(v, now)
	if !v.NextPassAt.Before(v.EndsAt) || v.Passes >= e.PassesPerValidation() {
		v.Done = true
	}
	if err := e.commentPass(ctx, tx, a, &v, related, now); err != nil {
		return false, err
	}
	if err := tx.ValidationUpsert(ctx, v); err != nil {
		return false, fmt.Errorf("advance validation of alert %d: %w", a.ID, err)
	}
	return true, nil
}

// nextSlot is the first pass time of the schedule (StartedAt + k·interval)
// after now. Passes missed while alertsync was down are not run in a
// burst: the schedule simply resumes.
func (e *Engine) nextSlot(v store.Validation, now time.Time) time.Time {
	k := now.Sub(v.StartedAt)/e.interval + 1
	return v.StartedAt.Add(k * e.interval)
}

// commentPass tells the source what a pass found, when comment sync is
// on: only when it found related alerts it had not reported yet, and on
// the last pass, unless the policy asks for a comment at every pass.
func (e *Engine) commentPass(ctx context.Context, tx store.Tx, a model.Alert, v *store.Validation, related int, now time.Time) error {
	in, ok := e.Integration(a.Integration)
	if !ok || in.Connector == nil || !in.Policy.CommentSync || !connector.CapabilitiesOf(in.Connector).Comments {
		return nil
	}
	news := related > v.Found
	if !news && !v.Done && !in.Policy.CommentEachPass {
		return nil
	}
	key := fmt.Sprintf("%s/alert/%s/pass/%d/%d", in.ID, a.VendorID, v.StartedAt.UnixMicro(), v.Passes)
	act := connector.CommentAction{
		Kind: model.KindAlert, VendorID: a.VendorID, IdempotencyKey: key, Origin: connector.OriginValidation,
		Body: passText(passReport{Pass: v.Passes, Total: e.PassesPerValidation(), Started: v.StartedAt,
			Related: related, New: related - v.Found, Incident: a.IncidentID, Final: v.Done}),
	}
	queued, err := e.enqueueComment(ctx, tx, remote{in: in, kind: model.KindAlert, vendorID: a.VendorID, localID: a.ID}, act, now)
	if queued {
		v.Found = max(v.Found, related)
	}
	return err
}
