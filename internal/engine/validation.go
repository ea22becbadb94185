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
		due, err := e.store.ValidationDue(ctx, e.Now(), passesPerTx)
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

// passesPerTx is how many due passes share one transaction: a commit is
// the dearest statement of a pass on PostgreSQL (one pass a transaction
// ran ~280 a second there, where a pass's queries take a fraction of it).
const passesPerTx = 100

// runPasses runs due passes in one transaction: their alerts read
// together, their schedules written together.
func (e *Engine) runPasses(ctx context.Context, due []store.Validation) (int, error) {
	ran := 0
	err := e.withTx(ctx, func(tx store.Tx) error {
		ran = 0
		b, err := e.readPassGroup(ctx, tx, due)
		if err != nil {
			return err
		}
		for _, v := range due {
			passed, err := e.runPass(ctx, tx, b, v)
			if err != nil {
				return err
			}
			if passed {
				ran++
			}
		}
		if err := tx.ValidationUpsertBatch(ctx, b.schedules); err != nil {
			return fmt.Errorf("advance validations: %w", err)
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

// passGroup is what the passes of one transaction share: their alerts,
// read together (an alert an earlier pass changed is read again), and
// their schedules, written together at the end.
type passGroup struct {
	alerts    map[int64]model.Alert
	changed   map[int64]bool
	schedules []store.Validation
}

func (e *Engine) readPassGroup(ctx context.Context, tx store.Tx, due []store.Validation) (*passGroup, error) {
	ids := make([]int64, len(due))
	for i, v := range due {
		ids[i] = v.AlertID
	}
	list, err := tx.AlertGetMany(ctx, ids)
	if err != nil {
		return nil, fmt.Errorf("get alerts under validation: %w", err)
	}
	b := &passGroup{alerts: make(map[int64]model.Alert, len(list)), changed: map[int64]bool{}}
	for _, a := range list {
		b.alerts[a.ID] = a
	}
	return b, nil
}

// alert returns the current alert id.
func (b *passGroup) alert(ctx context.Context, tx store.Tx, id int64) (model.Alert, error) {
	if a, ok := b.alerts[id]; ok && !b.changed[id] {
		return a, nil
	}
	return tx.AlertGet(ctx, id)
}

// runPass runs one due pass, or ends the validation; it reports whether a
// pass ran. Its schedule joins b's.
func (e *Engine) runPass(ctx context.Context, tx store.Tx, b *passGroup, v store.Validation) (bool, error) {
	now := e.Now()
	a, err := b.alert(ctx, tx, v.AlertID)
	if err != nil {
		return false, fmt.Errorf("get alert %d: %w", v.AlertID, err)
	}
	// A validation that got a verdict, was closed, or whose window passed
	// while alertsync was down ends without another pass.
	if a.Verdict != model.VerdictNone || !a.Status.Open() || !now.Before(v.EndsAt) {
		v.Done = true
		b.schedules = append(b.schedules, v)
		return false, nil
	}
	v.Passes++
	related, changed, err := e.correlate(ctx, tx, &a, now)
	if err != nil {
		return false, err
	}
	for _, id := range changed {
		b.changed[id] = true
	}
	v.NextPassAt = e.nextSlot(v, now)
	if !v.NextPassAt.Before(v.EndsAt) || v.Passes >= e.PassesPerValidation() {
		v.Done = true
	}
	if err := e.commentPass(ctx, tx, a, &v, related, now); err != nil {
		return false, err
	}
	ev := alertEvent(TriggerValidationPass, &a, nil)
	ev.Key = fmt.Sprintf("%s/alert/%d/%d/%d", TriggerValidationPass, a.ID, v.StartedAt.UnixMicro(), v.Passes)
	if err := e.fire(ctx, tx, ev); err != nil {
		return false, err
	}
	b.schedules = append(b.schedules, v)
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
