// Package defendercloud is the Microsoft Defender for Cloud connector: it
// polls the alerts of one Azure subscription through ARM
// (Microsoft.Security/alerts, api-version 2022-01-01) and writes state back
// with the four state actions. Defender for Cloud has no comment API, so
// the connector is not a Commenter.
//
// Alerts are known by systemAlertId, the id Microsoft Sentinel incidents
// use for their member alerts, so the engine can join a Sentinel incident
// with the Defender for Cloud alerts it holds and close the gap Microsoft
// documents: changing a Defender for Cloud alert never changes its
// Sentinel incident.
package defendercloud

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/alertsync/alertsync/internal/connector"
	"github.com/alertsync/alertsync/internal/connector/httpkit"
	"github.com/alertsync/alertsync/internal/connector/httpkit/entra"
	"github.com/alertsync/alertsync/internal/model"
)

// Kind is the registry name.
const Kind = "defendercloud"

func init() {
	connector.Register(connector.Registration{
		Kind:  Kind,
		Title: "Microsoft Defender for Cloud",
		Description: "Polls the Defender for Cloud security alerts of one Azure subscription through Azure Resource Manager " +
			"and sets their state (activate, in progress, dismiss, resolve). Defender for Cloud has no comments.",
		Spec: Spec,
		New:  connector.Decoding(Spec, New),
	})
}

// Connector syncs the alerts of one subscription.
type Connector struct {
	id     string
	cfg    Config
	client *httpkit.Client
	log    *slog.Logger
	index  index
}

// New builds the connector for cfg.
func New(deps connector.Deps, cfg Config) (*Connector, error) {
	cfg, err := cfg.check()
	if err != nil {
		return nil, err
	}
	client, err := cfg.entra.NewClient(deps, httpkit.Options{Limiter: cfg.entra.Budget(deps.Tenant, cfg.RequestsPerMinute), Classify: entra.ARMAccessPending})
	if err != nil {
		return nil, err
	}
	return &Connector{id: deps.ID, cfg: cfg, client: client, log: client.Logger()}, nil
}

// Kind returns the registry name.
func (c *Connector) Kind() string { return Kind }

// FetchAlerts reads one page of the subscription's alerts and returns the
// ones that are new or changed since the last complete walk (see cursor).
func (c *Connector) FetchAlerts(ctx context.Context, cur string) (connector.Page, error) {
	st, err := parseCursor(cur)
	if err != nil {
		c.log.WarnContext(ctx, "unreadable cursor; walking all alerts again", "err", err)
		st, _ = parseCursor("")
	}
	page, next, err := c.readPage(ctx, &st)
	if err != nil {
		return connector.Page{}, fmt.Errorf("list defender for cloud alerts: %w", err)
	}
	items := make([]connector.Item, 0, len(page))
	for _, r := range page {
		if c.changed(&st, r) {
			items = append(items, mapItem(c.id, r))
		}
	}
	st.next = next
	if next == "" {
		st.done, st.walk = st.walk, digest{}
	}
	return connector.Page{Items: items, Cursor: st.String(), More: next != ""}, nil
}

// readPage fetches the walk's next page. A stored nextLink the API no
// longer accepts (an expired skip token) restarts the walk from the first
// page; alerts already delivered in this walk stay skipped.
func (c *Connector) readPage(ctx context.Context, st *state) ([]rawAlert, string, error) {
	first := listRef(c.cfg.SubscriptionID)
	ref := first
	if st.next != "" {
		ref = st.next
	}
	page, next, err := httpkit.GetPage[rawAlert](ctx, c.client, ref, entra.ARMNextLink)
	if err != nil && ref != first {
		if cls := connector.ClassOf(err); cls == connector.ClassPermanent || cls == connector.ClassNotFound {
			c.log.WarnContext(ctx, "stored next link refused; restarting the alert walk", "err", err)
			page, next, err = httpkit.GetPage[rawAlert](ctx, c.client, first, entra.ARMNextLink)
		}
	}
	return page, next, err
}

// changed records r in the current walk and reports whether it differs
// from the last complete walk and was not delivered earlier in this one.
func (c *Connector) changed(st *state, r rawAlert) bool {
	p := r.a.Properties
	c.index.put(p.SystemAlertID, r.a.ID)
	key, sh := idHash(p.SystemAlertID), stateHash(fingerprint(p))
	if p.SystemAlertID == "" || r.err != nil { // unmappable: key it by content so it is quarantined once per change
		key, sh = idHash("raw:"+string(r.raw)), 0
	}
	prev, inWalk := st.walk[key]
	st.walk[key] = sh
	if inWalk && prev == sh {
		return false
	}
	old, known := st.done[key]
	return !known || old != sh
}

// SetState moves an alert with the state action for ch.Status; see
// actionFor for how verdicts choose between dismiss and resolve. It reads
// the alert first and leaves one already in the status the action would
// give alone, answering Unchanged with that status, so the engine records
// "already in state" instead of a write nobody needed.
func (c *Connector) SetState(ctx context.Context, ch connector.StateChange) (connector.RemoteState, error) {
	if ch.Kind != "" && ch.Kind != model.KindAlert {
		return connector.RemoteState{}, connector.Permanent("defender for cloud has alerts only, not %ss", ch.Kind)
	}
	action, remote, err := actionFor(ch.Status, ch.Verdict)
	if err != nil {
		return connector.RemoteState{}, err
	}
	id, err := c.armID(ctx, ch.VendorID)
	if err != nil {
		return connector.RemoteState{}, fmt.Errorf("find defender for cloud alert %s: %w", ch.VendorID, err)
	}
	cur, err := c.status(ctx, id)
	if err != nil {
		return connector.RemoteState{}, c.gone(ch.VendorID, fmt.Errorf("read defender for cloud alert %s: %w", ch.VendorID, err))
	}
	if cur == remote {
		c.log.DebugContext(ctx, "alert already in state", "alert", ch.VendorID, "status", cur)
		return connector.RemoteState{RemoteStatus: cur, Unchanged: true}, nil
	}
	if err := c.post(ctx, actionRef(id, action)); err != nil {
		return connector.RemoteState{}, c.gone(ch.VendorID, fmt.Errorf("%s defender for cloud alert %s: %w", action, ch.VendorID, err))
	}
	c.log.DebugContext(ctx, "alert state set", "alert", ch.VendorID, "action", action)
	return connector.RemoteState{RemoteStatus: remote}, nil
}

// gone forgets the ARM id of an alert the API no longer finds there, so
// the next attempt looks it up again, and returns err.
func (c *Connector) gone(systemAlertID string, err error) error {
	if connector.ClassOf(err) == connector.ClassNotFound {
		c.index.drop(systemAlertID)
	}
	return err
}

// actionFor picks the state action and the status it leaves the alert in.
// A resolved alert whose verdict is not_a_threat is dismissed, because
// Defender for Cloud documents Dismissed as "dismissed as false positive";
// any other resolution (a threat that was handled, or no verdict) is
// resolved.
func actionFor(s model.Status, v model.Verdict) (action, remote string, err error) {
	switch s {
	case model.StatusNew:
		return "activate", StatusActive, nil
	case model.StatusInProgress:
		return "inProgress", StatusInProgress, nil
	case model.StatusSuppressed:
		return "dismiss", StatusDismissed, nil
	case model.StatusResolved:
		if v == model.VerdictNotAThreat {
			return "dismiss", StatusDismissed, nil
		}
		return "resolve", StatusResolved, nil
	}
	return "", "", connector.Permanent("defender for cloud has no state for status %q", s)
}

// Health fetches a token and the first page of alerts.
func (c *Connector) Health(ctx context.Context) error {
	if _, _, err := httpkit.GetPage[rawAlert](ctx, c.client, listRef(c.cfg.SubscriptionID), entra.ARMNextLink); err != nil {
		return fmt.Errorf("list defender for cloud alerts: %w", err)
	}
	return nil
}

var (
	_ connector.AlertSource   = (*Connector)(nil)
	_ connector.StateSyncer   = (*Connector)(nil)
	_ connector.HealthChecker = (*Connector)(nil)
)

// TokenExpiry implements connector.TokenReporter: when the vendor token
// the connector holds now expires.
func (c *Connector) TokenExpiry() (time.Time, bool) { return c.client.TokenExpiry() }

var _ connector.TokenReporter = (*Connector)(nil)
