package ui

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/alertsync/alertsync/internal/api"
	"github.com/alertsync/alertsync/internal/connector"
	"github.com/alertsync/alertsync/internal/engine"
	"github.com/alertsync/alertsync/internal/model"
	"github.com/alertsync/alertsync/internal/store"
)

// deliveryView is one write-back as the console shows it: the API's
// delivery with its state in words and, once done, the vendor's answer.
type deliveryView struct {
	api.Delivery
	// Status is "confirmed", "sending", "queued", "retrying", "dead" or
	// "skipped".
	Status string
	Detail string
}

// deliveriesOf lists an alert's write-backs, oldest first.
func (c *console) deliveriesOf(r *http.Request, a model.Alert) ([]deliveryView, error) {
	items, err := c.store.OutboxList(r.Context(), store.OutboxListParams{OriginKind: model.KindAlert, OriginID: a.ID, Limit: timelineLimit})
	if err != nil {
		return nil, fmt.Errorf("list deliveries of alert %d: %w", a.ID, err)
	}
	return deliveryViews(c.views.Deliveries(items), a), nil
}

func deliveryViews(ds []api.Delivery, a model.Alert) []deliveryView {
	out := make([]deliveryView, len(ds))
	for i, d := range ds {
		out[i] = describe(d, a)
	}
	return out
}

// describe says where one delivery stands, from its outbox record and,
// for a state write to the alert's own integration, the status the
// vendor answered it now holds.
func describe(d api.Delivery, a model.Alert) deliveryView {
	v := deliveryView{Delivery: d, Status: statusWord(&d)}
	switch d.State {
	case store.OutboxDone:
		switch {
		case d.Action == engine.ActionSetState && d.Integration == a.Integration && a.RemoteStatus != "":
			v.Detail = d.Integration + " answered it now holds " + a.RemoteStatus
		case d.LastError != "":
			v.Detail = d.LastError
		default:
			v.Detail = d.Integration + " accepted it"
		}
	case store.OutboxDead, store.OutboxSkipped:
		v.Detail = d.LastError
	case store.OutboxPending:
		v.Detail = d.Waiting
		if d.Attempts > 0 {
			v.Detail = fmt.Sprintf("attempt %d failed: %s; %s", d.Attempts, d.LastError, d.Waiting)
		}
	default:
		v.Detail = d.Waiting
	}
	return v
}

// statusWord names a delivery's state as a person reads it: a done write
// is confirmed (the vendor answered it took it), a pending one that has
// failed before is retrying.
func statusWord(d *api.Delivery) string {
	switch d.State {
	case store.OutboxDone:
		return "confirmed"
	case store.OutboxLeased:
		return "sending"
	case store.OutboxPending:
		if d.Attempts > 0 {
			return "retrying"
		}
		return "queued"
	}
	return string(d.State)
}

// whyNotSynced answers "why didn't this sync?" for one alert from the
// data: the integration and its capabilities, the policy applied to the
// verdict, each write's outbox record, the vendor's rate-limit wait and
// the echo ledger.
func (c *console) whyNotSynced(ctx context.Context, a model.Alert, ds []deliveryView) ([]string, error) {
	in, running := c.engine.Integration(a.Integration)
	waiting := ""
	if reason, until, ok := c.views.Waiting(a.Integration); ok {
		waiting = reason + " until " + until.UTC().Format("15:04:05Z")
	}
	ledger, err := c.store.LedgerList(ctx, a.Integration, model.KindAlert, a.VendorID)
	if err != nil {
		return nil, fmt.Errorf("list echo ledger of alert %d: %w", a.ID, err)
	}
	return reasons(a, in, running, ds, waiting, ledger), nil
}

func connectorCaps(in engine.Integration) connector.Capabilities {
	if in.Connector == nil {
		return connector.Capabilities{}
	}
	return connector.CapabilitiesOf(in.Connector)
}

// reasons is whyNotSynced's body, over what it read.
func reasons(a model.Alert, in engine.Integration, running bool, ds []deliveryView, waiting string, ledger []store.LedgerEntry) []string {
	var out []string
	if !running {
		return []string{fmt.Sprintf("Integration %s is not running (disabled, or no longer in the config): nothing is written to it.", a.Integration)}
	}
	caps := connectorCaps(in)
	if !caps.StateSync {
		out = append(out, fmt.Sprintf("%s's connector cannot write state back (no state sync).", a.Integration))
	}
	switch {
	case a.Verdict == model.VerdictNone:
		out = append(out, "No verdict yet: there is nothing to write back.")
	case caps.StateSync:
		dec := in.Policy.Decide(a.Verdict, a.Published)
		if dec.Status == "" {
			out = append(out, fmt.Sprintf("Policy: a %s verdict leaves the alert as it is at %s (close on not a threat is off).", a.Verdict, a.Integration))
		} else if !hasAction(ds, engine.ActionSetState) {
			out = append(out, fmt.Sprintf("Policy would write %s, but no write was queued for this alert: the verdict may have come through its twin or incident.", dec.Status))
		}
	}
	if !in.Policy.CommentSync {
		out = append(out, fmt.Sprintf("Comment sync is off for %s: comments and verdict notes stay in alertsync.", a.Integration))
	} else if !caps.Comments {
		out = append(out, fmt.Sprintf("%s's connector cannot take comments.", a.Integration))
	}
	if waiting != "" {
		out = append(out, fmt.Sprintf("%s's rate budget is spent: writes wait (%s).", a.Integration, waiting))
	}
	for _, d := range ds {
		if line := deliveryReason(d); line != "" {
			out = append(out, line)
		}
	}
	for _, e := range ledger {
		out = append(out, fmt.Sprintf("Echo suppressed: alertsync wrote %q to %s at %s, so a poll that sees %q takes it as its own write, not a change to sync back.",
			e.RemoteStatus, e.Integration, e.At.UTC().Format("2006-01-02 15:04:05Z"), e.RemoteStatus))
	}
	return out
}

func deliveryReason(d deliveryView) string {
	what := fmt.Sprintf("%s #%d to %s", strings.ReplaceAll(d.Action, "_", " "), d.ID, d.Integration)
	switch d.Status {
	case "dead":
		return what + " is dead-lettered: " + d.LastError + ". An admin can retry it from the Outbox."
	case "retrying":
		return what + " is waiting to be retried: " + d.Detail + "."
	case "skipped":
		return what + " was skipped: " + d.LastError + "."
	case "queued", "sending":
		return what + " is " + d.Status + ": " + d.Detail + "."
	}
	return ""
}

func hasAction(ds []deliveryView, action string) bool {
	return slices.ContainsFunc(ds, func(d deliveryView) bool { return d.Action == action })
}
