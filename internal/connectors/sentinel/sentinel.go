// Package sentinel is the Microsoft Sentinel connector: it polls the
// incidents of one workspace through ARM (Microsoft.SecurityInsights,
// api-version 2025-09-01) with the SystemAlertIds of their alerts, sets
// incident state with the etag-guarded PUT, and adds comments with
// client-chosen ids.
//
// Its registration declares how an incident follows its member alerts
// when those live in Defender for Cloud, whose alert changes Sentinel
// never applies to the incident (see ReconcileDefaults).
package sentinel

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/alertsync/alertsync/internal/connector"
	"github.com/alertsync/alertsync/internal/connector/httpkit"
	"github.com/alertsync/alertsync/internal/connector/httpkit/entra"
	"github.com/alertsync/alertsync/internal/model"
)

// Kind is the registry name.
const Kind = "sentinel"

// maxPutAttempts bounds the read-modify-write loop of SetState when
// analysts keep changing the incident between our read and our write.
const maxPutAttempts = 5

// ReconcileDefaults follow the seed's Logic App for Defender for Cloud
// alerts: an alert in progress makes the incident Active, a dismissed one
// closes it as BenignPositive / SuspiciousButExpected and a resolved one as
// TruePositive / SuspiciousActivity. Closing an incident resolves its open
// alerts at their source, which is a harmless repeat where Sentinel's
// bi-directional sync already does it.
var ReconcileDefaults = connector.ReconcileDefaults{
	OnAlert: map[string]connector.ReconcileTarget{
		string(model.StatusInProgress): {Status: string(model.StatusInProgress)},
		string(model.StatusSuppressed): {Status: string(model.StatusResolved), Classification: ClassBenignPositive, ClassificationReason: ReasonSuspiciousButExpected},
		string(model.StatusResolved):   {Status: string(model.StatusResolved), Classification: ClassTruePositive, ClassificationReason: ReasonSuspiciousActivity},
	},
	ResolveAlertsOnClose: true,
}

func init() {
	connector.Register(connector.Registration{
		Kind:  Kind,
		Title: "Microsoft Sentinel",
		Description: "Polls the incidents of one Sentinel workspace with their member alerts, sets incident status and " +
			"classification, and adds incident comments. Keeps incidents in line with Defender for Cloud alert changes.",
		Spec:      Spec,
		Reconcile: &ReconcileDefaults,
		New:       connector.Decoding(Spec, New),
	})
}

// Connector syncs the incidents of one workspace.
type Connector struct {
	id     string
	cfg    Config
	client *httpkit.Client
	log    *slog.Logger
	now    func() time.Time
	// unordered is set for the connector's lifetime once the service
	// refused the filtered, ordered incident list (see fallback.go).
	unordered atomic.Bool
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
	now := deps.Now
	if now == nil {
		now = time.Now
	}
	return &Connector{id: deps.ID, cfg: cfg, client: client, log: client.Logger(), now: now}, nil
}

// Kind returns the registry name.
func (c *Connector) Kind() string { return Kind }

// FetchIncidents returns the next page of incidents changed since the
// cursor, oldest change first, each with its member alerts (see cursor);
// on the fallback, in the service's order (see fallback.go).
func (c *Connector) FetchIncidents(ctx context.Context, cur string) (connector.IncidentPage, error) {
	pos, err := parseCursor(cur)
	if err != nil {
		c.log.WarnContext(ctx, "unreadable cursor; listing all incidents again", "err", err)
	}
	fresh, more, err := c.list(ctx, &pos)
	if err != nil {
		return connector.IncidentPage{}, fmt.Errorf("list sentinel incidents: %w", err)
	}
	items := make([]connector.IncidentItem, 0, len(fresh))
	for _, r := range fresh {
		it, err := c.item(ctx, r)
		if err != nil {
			return connector.IncidentPage{}, err
		}
		lm := r.inc.Properties.LastModifiedTimeUtc
		at, _ := parseTime(lm)
		pos.record(r.inc.Name, lm, at)
		items = append(items, it)
	}
	if !more {
		pos.endScan()
	}
	pos.prune()
	return connector.IncidentPage{Items: items, Cursor: pos.String(), More: more}, nil
}

// listChanged returns the first page holding incidents not yet delivered,
// following nextLink past pages made only of the overlap window.
func (c *Connector) listChanged(ctx context.Context, pos cursor) ([]rawIncident, bool, error) {
	ref := c.listRef(pos.from(), c.cfg.PageSize)
	for range httpkit.DefaultMaxPages {
		page, next, err := httpkit.GetPage[rawIncident](ctx, c.client, ref, entra.ARMNextLink)
		if err != nil {
			return nil, false, err
		}
		var fresh []rawIncident
		for _, r := range page {
			if !pos.delivered(r.inc.Name, r.inc.Properties.LastModifiedTimeUtc) {
				fresh = append(fresh, r)
			}
		}
		if len(fresh) > 0 || next == "" {
			return fresh, next != "", nil
		}
		ref = next
	}
	return nil, false, &connector.Error{Class: connector.ClassPermanent, Message: "incident list never ends"}
}

// item maps an incident with its member alerts. An incident deleted since
// it was listed keeps no members rather than failing the page.
func (c *Connector) item(ctx context.Context, r rawIncident) (connector.IncidentItem, error) {
	if r.err != nil || r.inc.Name == "" {
		return mapItem(c.id, r, nil), nil //nolint:nilerr // r.err travels as the item's Err: a bad incident is quarantined alone, not the page
	}
	ids, err := c.memberAlerts(ctx, r.inc.Name)
	switch {
	case connector.ClassOf(err) == connector.ClassNotFound:
		c.log.DebugContext(ctx, "incident gone before its alerts were read", "incident", r.inc.Name)
	case err != nil:
		return connector.IncidentItem{}, fmt.Errorf("list alerts of sentinel incident %s: %w", r.inc.Name, err)
	}
	return mapItem(c.id, r, ids), nil
}

// SetState writes an incident's status, and on close its classification
// with the change's Reason as classification comment. It reads the
// incident, applies only this change and writes it back with the etag it
// read; when an analyst changed the incident in between (409), it reads
// again and re-applies, so the analyst's edits and ours both survive. The
// read it needs for the etag doubles as the check before the write: an
// incident already in the requested status (for Closed, however it was
// classified) is not written, and the answer says Unchanged with that
// status, so the engine records "already in state".
func (c *Connector) SetState(ctx context.Context, ch connector.StateChange) (connector.RemoteState, error) {
	if ch.Kind != "" && ch.Kind != model.KindIncident {
		return connector.RemoteState{}, connector.Permanent("sentinel state sync writes incidents, not %ss", ch.Kind)
	}
	target, err := remoteStatus(ch.Status)
	if err != nil {
		return connector.RemoteState{}, err
	}
	for attempt := 1; ; attempt++ {
		changed, err := c.putState(ctx, ch, target)
		if err == nil {
			return connector.RemoteState{RemoteStatus: target, Unchanged: !changed}, nil
		}
		if connector.ClassOf(err) != connector.ClassConflict || attempt == maxPutAttempts {
			return connector.RemoteState{}, fmt.Errorf("set state of sentinel incident %s: %w", ch.VendorID, err)
		}
		c.log.DebugContext(ctx, "incident changed since read; re-applying", "incident", ch.VendorID, "attempt", attempt)
	}
}

// putState is one read-modify-write of the incident. It reports whether
// it wrote anything: an incident already in the target state is left
// alone.
func (c *Connector) putState(ctx context.Context, ch connector.StateChange, target string) (bool, error) {
	ref := c.incidentRef(ch.VendorID, "")
	var cur current
	if err := c.client.GetJSON(ctx, ref, &cur); err != nil {
		return false, err
	}
	body, changed, err := applyChange(cur, ch, target)
	if err != nil {
		return false, &connector.Error{Class: connector.ClassRetryable, Message: "read incident", Err: err}
	}
	if !changed {
		return false, nil
	}
	return true, c.client.SendJSON(ctx, http.MethodPut, ref, body, nil)
}

// Health fetches a token and lists one incident, with no query option
// the service might refuse.
func (c *Connector) Health(ctx context.Context) error {
	_, _, err := httpkit.GetPage[rawIncident](ctx, c.client, c.plainListRef(1), entra.ARMNextLink)
	if err != nil {
		return fmt.Errorf("list sentinel incidents: %w", err)
	}
	return nil
}

var (
	_ connector.IncidentSource = (*Connector)(nil)
	_ connector.StateSyncer    = (*Connector)(nil)
	_ connector.Commenter      = (*Connector)(nil)
	_ connector.CommentLimiter = (*Connector)(nil)
	_ connector.HealthChecker  = (*Connector)(nil)
)

// TokenExpiry implements connector.TokenReporter: when the vendor token
// the connector holds now expires.
func (c *Connector) TokenExpiry() (time.Time, bool) { return c.client.TokenExpiry() }

var _ connector.TokenReporter = (*Connector)(nil)
