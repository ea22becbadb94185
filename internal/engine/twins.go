package engine

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/alertsync/alertsync/internal/connector"
	"github.com/alertsync/alertsync/internal/model"
	"github.com/alertsync/alertsync/internal/store"
)

// One alert seen through two APIs is one alert. Since July 2025 Defender
// for Cloud alerts are also listed by Graph alerts_v2, with the ARM alert
// name as providerAlertId; each connector puts the same key in
// Alert.SameAs ("defendercloud:<ARM alert name>"), and ingest links the
// two local records as twins, whichever arrives first. A verdict on
// either is given to both: each record's integration writes state back
// per its own policy, and only the one the verdict was given on
// comments, so the vendor never shows the same text twice.

// twinsLock is the MembershipLock name for linking twins; no integration
// id has a colon.
const twinsLock = "alertsync:twins"

// lockTwins takes the twins lock when items name an alert another
// integration may also list. Two transactions storing the two records of
// one alert at once (two replicas polling Graph and Defender for Cloud)
// would each miss the other's uncommitted row; with the lock the second
// searches after the first committed. It is taken after the membership
// locks and before any write, like them, so locks always go in one order.
func lockTwins(ctx context.Context, tx store.Tx, batches ...[]connector.Item) error {
	for _, items := range batches {
		for _, it := range items {
			if it.Alert != nil && it.Alert.SameAs != "" {
				return tx.MembershipLock(ctx, twinsLock)
			}
		}
	}
	return nil
}

// linkTwins links fresh alerts with the records other integrations keep
// of the same alert.
func (e *Engine) linkTwins(ctx context.Context, tx store.Tx, fresh []*model.Alert, now time.Time) error {
	var keys []string
	for _, a := range fresh {
		if a.SameAs != "" {
			keys = append(keys, a.SameAs)
		}
	}
	if len(keys) == 0 {
		return nil
	}
	found, err := tx.AlertsBySameAs(ctx, keys)
	if err != nil {
		return err
	}
	for _, a := range fresh {
		if a.SameAs == "" || a.TwinID != 0 {
			continue
		}
		for _, other := range found[a.SameAs] {
			if other.Integration != a.Integration && other.TwinID == 0 {
				if err := e.linkTwin(ctx, tx, a, other, now); err != nil {
					return err
				}
				break
			}
		}
	}
	return nil
}

// linkTwin records the link on both records, each with a revision.
func (e *Engine) linkTwin(ctx context.Context, tx store.Tx, a *model.Alert, other model.Alert, now time.Time) error {
	// other may be a fresh alert of this batch: read its current row.
	other, err := tx.AlertGet(ctx, other.ID)
	if err != nil {
		return fmt.Errorf("get twin of alert %d: %w", a.ID, err)
	}
	if other.TwinID != 0 {
		return nil
	}
	for _, pair := range []struct {
		x     *model.Alert
		other model.Alert
	}{{a, other}, {&other, *a}} {
		x := pair.x
		x.TwinID = pair.other.ID
		x.Revision++
		x.LastChangedAt = now
		if err := tx.AlertUpdate(ctx, *x); err != nil {
			return fmt.Errorf("link twin of alert %d: %w", x.ID, err)
		}
		why := fmt.Sprintf("the same alert as %s %s", e.displayName(pair.other.Integration), pair.other.VendorID)
		if err := appendRevision(ctx, tx, model.KindAlert, x.ID, x.Revision, model.Actor{Kind: model.ActorSystem, Name: "alertsync"},
			why, []string{"twin_id"}, *x, now); err != nil {
			return err
		}
	}
	return nil
}

// applyToTwin gives a's twin, if any, the verdict a just got, without a
// comment of its own.
func (e *Engine) applyToTwin(ctx context.Context, tx store.Tx, a model.Alert, p VerdictParams, now time.Time) error {
	if a.TwinID == 0 {
		return nil
	}
	twin, err := tx.AlertGet(ctx, a.TwinID)
	if isNotFound(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("get twin of alert %d: %w", a.ID, err)
	}
	p.ID, p.viaTwin = twin.ID, true
	p.Reason = strings.TrimSpace(fmt.Sprintf("verdict given on the same alert in %s. %s", e.displayName(a.Integration), p.Reason))
	return e.applyVerdict(ctx, tx, &twin, p, now, nil)
}
