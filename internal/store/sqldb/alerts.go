package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/alertsync/alertsync/internal/model"
	"github.com/alertsync/alertsync/internal/store"
)

// vendorChunk bounds the ids bound into one IN list, well under every
// engine's parameter limit.
const vendorChunk = 500

func scanAlert(s scanner) (model.Alert, error) {
	var (
		a                            model.Alert
		created, updated, first, chg int64
		entities, notes              []byte
		incident                     sql.NullInt64
	)
	err := s.Scan(&a.ID, &a.Integration, &a.VendorID, &a.Title, &a.Description,
		&a.Severity, &a.Status, &a.RemoteStatus, &a.Verdict, &a.Published,
		&a.Source, &created, &updated, &entities, &incident, &a.RemoteParent,
		(*[]byte)(&a.Raw), &a.Revision, &first, &chg, &notes, &a.SameAs, &a.TwinID)
	if err != nil {
		return a, err
	}
	if a.Notes, err = scanNotes(notes); err != nil {
		return a, err
	}
	a.CreatedAt, a.UpdatedAt = fromMicros(created), fromMicros(updated)
	a.FirstSeenAt, a.LastChangedAt = fromMicros(first), fromMicros(chg)
	a.IncidentID = nullInt64(incident)
	if string(entities) != "{}" {
		err = unmarshalText(entities, &a.Entities)
	}
	return a, err
}

// alertArgs lists the writable columns in insert order.
func alertArgs(a *model.Alert) ([]any, error) {
	entities := "{}"
	if !a.Entities.Empty() {
		var err error
		if entities, err = jsonText(a.Entities); err != nil {
			return nil, err
		}
	}
	notes, err := notesText(a.Notes)
	if err != nil {
		return nil, err
	}
	return []any{a.Integration, a.VendorID, a.Title, a.Description,
		string(a.Severity), string(a.Status), a.RemoteStatus, string(a.Verdict),
		a.Published, a.Source, micros(a.CreatedAt), micros(a.UpdatedAt), entities,
		nullID(a.IncidentID), a.RemoteParent, blob(a.Raw), a.Revision,
		micros(a.FirstSeenAt), micros(a.LastChangedAt), notes, a.SameAs, a.TwinID}, nil
}

// notesText stores notes as a JSON array, or the empty string when there are none (the
// common case), so clean rows carry no extra bytes.
func notesText(notes []string) (string, error) {
	if len(notes) == 0 {
		return "", nil
	}
	return jsonText(notes)
}

func scanNotes(b []byte) ([]string, error) {
	if len(b) == 0 {
		return nil, nil
	}
	var notes []string
	err := unmarshalText(b, &notes)
	return notes, err
}

// AlertGet returns one alert by id.
func (c *conn) AlertGet(ctx context.Context, id int64) (model.Alert, error) {
	row, err := c.queryRow(ctx, qAlertGet, id)
	if err != nil {
		return model.Alert{}, fmt.Errorf("get alert: %w", err)
	}
	a, err := scanAlert(row)
	if err != nil {
		return a, fmt.Errorf("get alert %d: %w", id, notFound(err))
	}
	return a, nil
}

// AlertGetByVendor returns the alert an integration knows as vendorID.
func (c *conn) AlertGetByVendor(ctx context.Context, integration, vendorID string) (model.Alert, error) {
	row, err := c.queryRow(ctx, qAlertGetByVendor, integration, vendorID)
	if err != nil {
		return model.Alert{}, fmt.Errorf("get alert by vendor id: %w", err)
	}
	a, err := scanAlert(row)
	if err != nil {
		return a, fmt.Errorf("get alert by vendor id: %w", notFound(err))
	}
	return a, nil
}

// byVendorQuery looks up one chunk of vendor ids. Where the dialect takes
// arrays (PostgreSQL), each id is a lookup on the unique (tenant,
// integration, vendor_id) index through LATERAL, a plan that stays an
// index lookup even while the table's statistics are stale (a first
// backfill grows it faster than autovacuum analyzes it, and a plain IN
// list then turns into a sequential scan per batch). OFFSET 0 keeps the
// planner from flattening the LATERAL into a join: flattened, stale
// statistics made it hash the integration's every alert in the tenant
// for each batch (ingest quadratic in the tenant's size, and 13 times
// slower verdict write-backs with a hundred tenants). Elsewhere it is an
// IN list.
func (t *tx) byVendorQuery(integration string, ids []string) (string, []any) {
	if t.d.ArrayLookup {
		return "SELECT " + prefixed("a.", alertCols) + ` FROM unnest(?::text[]) AS v(id)
		CROSS JOIN LATERAL (SELECT * FROM alerts WHERE tenant = :tenant AND integration = ? AND vendor_id = v.id OFFSET 0) a`, []any{ids, integration}
	}
	args := make([]any, 0, len(ids)+1)
	args = append(args, integration)
	for _, id := range ids {
		args = append(args, id)
	}
	return "SELECT " + alertCols + " FROM alerts WHERE tenant = :tenant AND integration = ? AND vendor_id IN (" + marks(len(ids)) + ")", args
}

// prefixed qualifies every column of a column list with p.
func prefixed(p, cols string) string {
	parts := strings.Split(cols, ",")
	for i, c := range parts {
		parts[i] = p + strings.TrimSpace(c)
	}
	return strings.Join(parts, ", ")
}

// AlertRefsByEntity lists open alerts naming an entity, narrowly.
func (c *conn) AlertRefsByEntity(ctx context.Context, p store.AlertRefParams) ([]store.AlertRef, error) {
	rows, err := c.query(ctx, qAlertRefsByEntity, p.Entity, limit(p.Limit))
	if err != nil {
		return nil, fmt.Errorf("list alerts naming an entity: %w", err)
	}
	out, err := collect(rows, func(r scanner) (store.AlertRef, error) {
		var ref store.AlertRef
		var incident sql.NullInt64
		var verdict string
		err := r.Scan(&ref.ID, &incident, &verdict)
		ref.IncidentID, ref.Verdict = incident.Int64, model.Verdict(verdict)
		return ref, err
	})
	if err != nil {
		return nil, fmt.Errorf("list alerts naming an entity: %w", err)
	}
	return out, nil
}

// AlertGetMany returns the stored alerts among ids, in id order.
func (c *conn) AlertGetMany(ctx context.Context, ids []int64) ([]model.Alert, error) {
	var out []model.Alert
	for chunk := range chunks(ids, vendorChunk) {
		args := make([]any, len(chunk))
		for i, id := range chunk {
			args[i] = id
		}
		rows, err := c.queryDyn(ctx, "SELECT "+alertCols+" FROM alerts WHERE tenant = :tenant AND id IN ("+marks(len(chunk))+") ORDER BY id", args...)
		if err != nil {
			return nil, fmt.Errorf("get alerts: %w", err)
		}
		page, err := collect(rows, scanAlert)
		if err != nil {
			return nil, fmt.Errorf("get alerts: %w", err)
		}
		out = append(out, page...)
	}
	return out, nil
}

// AlertList filters and pages alerts by id.
func (c *conn) AlertList(ctx context.Context, p store.AlertListParams) ([]model.Alert, error) {
	lo, hi, ok, err := c.seenIDs(ctx, p.SeenFrom, p.SeenTo)
	if err != nil || !ok {
		return nil, err
	}
	var w where
	w.add(true, "tenant = "+tenantMark)
	w.add(p.Integration != "", "integration = ?", p.Integration)
	w.add(p.Status != "", "status = ?", string(p.Status))
	w.add(p.Verdict != "", "verdict = ?", string(p.Verdict))
	w.add(p.Severity != "", "severity = ?", string(p.Severity))
	w.add(p.IncidentID != 0, "id IN (SELECT alert_id FROM memberships WHERE tenant = "+tenantMark+" AND incident_id = ?)", p.IncidentID)
	w.add(p.Open, "status IN ('new', 'in_progress', 'unknown', '')")
	// alert_entities is kept by triggers from the entities column.
	w.add(p.Entity != "", "id IN (SELECT alert_id FROM alert_entities WHERE tenant = "+tenantMark+" AND value = ?)", p.Entity)
	// The window itself is checked on each row of the id range, so the
	// answer holds no alert outside it. It is written first_seen_at + 0
	// so that no planner walks alerts_first_seen for it and sorts a whole
	// window by id: the id range is the walk.
	w.add(!p.SeenFrom.IsZero(), "first_seen_at + 0 >= ?", micros(p.SeenFrom))
	w.add(!p.SeenTo.IsZero(), "first_seen_at + 0 < ?", micros(p.SeenTo))
	w.add(true, "id > ?", max(p.AfterID, lo-1))
	w.add(hi > 0, "id < ?", hi)
	q := "SELECT " + alertCols + " FROM alerts" + w.sql() + " ORDER BY id LIMIT CAST(? AS INTEGER)"
	rows, err := c.queryDyn(ctx, q, append(w.args, limit(p.Limit))...)
	if err != nil {
		return nil, fmt.Errorf("list alerts: %w", err)
	}
	out, err := collect(rows, scanAlert)
	if err != nil {
		return nil, fmt.Errorf("list alerts: %w", err)
	}
	return out, nil
}

// seenIDs turns a first-seen window [from, to) into ids [lo, hi): lo is
// the first alert stored at or after from, hi the first stored at or
// after to (0 when the window is open there). Alertsync numbers alerts in
// the order it stores them and stamps each with the time it stored it,
// so ids grow with first_seen_at; two index lookups (alerts_first_seen)
// then bound the page's walk to the window, however far back it lies,
// where a filter on the time alone would walk every younger row or sort
// a whole window by id. Replicas whose clocks disagree can store an
// alert a little out of that order; such an alert within the skew of a
// bound can be left out. ok is false when no alert is that recent.
func (c *conn) seenIDs(ctx context.Context, from, to time.Time) (lo, hi int64, ok bool, err error) {
	first := func(t time.Time) (int64, bool, error) {
		rows, err := c.query(ctx, qAlertSeenFrom, micros(t))
		if err != nil {
			return 0, false, err
		}
		ids, err := collect(rows, scanInt64)
		if err != nil || len(ids) == 0 {
			return 0, false, err
		}
		return ids[0], true, nil
	}
	if !from.IsZero() {
		if lo, ok, err = first(from); err != nil || !ok {
			return 0, 0, false, wrapSeen(err)
		}
	}
	if !to.IsZero() {
		var found bool
		if hi, found, err = first(to); err != nil {
			return 0, 0, false, wrapSeen(err)
		}
		if found && hi <= lo {
			return 0, 0, false, nil
		}
	}
	return lo, hi, true, nil
}

func wrapSeen(err error) error {
	if err != nil {
		return fmt.Errorf("list alerts: find the first-seen window: %w", err)
	}
	return nil
}

// AlertsByVendor looks up a page of vendor ids in as few queries as the
// parameter limit allows.
func (t *tx) AlertsByVendor(ctx context.Context, integration string, vendorIDs []string) (map[string]model.Alert, error) {
	out := make(map[string]model.Alert, len(vendorIDs))
	for chunk := range chunks(vendorIDs, vendorChunk) {
		q, args := t.byVendorQuery(integration, chunk)
		rows, err := t.queryDyn(ctx, q, args...)
		if err != nil {
			return nil, fmt.Errorf("look up alerts by vendor id: %w", err)
		}
		err = each(rows, scanAlert, func(a model.Alert) { out[a.VendorID] = a })
		if err != nil {
			return nil, fmt.Errorf("look up alerts by vendor id: %w", err)
		}
	}
	return out, nil
}

// AlertsBySameAs returns the alerts whose same_as is one of keys, grouped
// by it: every record the APIs keep of the same alerts.
func (t *tx) AlertsBySameAs(ctx context.Context, keys []string) (map[string][]model.Alert, error) {
	out := map[string][]model.Alert{}
	for chunk := range chunks(keys, vendorChunk) {
		args := make([]any, len(chunk))
		for i, k := range chunk {
			args[i] = k
		}
		rows, err := t.queryDyn(ctx, "SELECT "+alertCols+" FROM alerts WHERE tenant = :tenant AND same_as IN ("+marks(len(chunk))+") ORDER BY id", args...)
		if err != nil {
			return nil, fmt.Errorf("look up alerts by same_as: %w", err)
		}
		err = each(rows, scanAlert, func(a model.Alert) { out[a.SameAs] = append(out[a.SameAs], a) })
		if err != nil {
			return nil, fmt.Errorf("look up alerts by same_as: %w", err)
		}
	}
	return out, nil
}

// AlertInsert stores a new alert and sets a.ID.
func (t *tx) AlertInsert(ctx context.Context, a *model.Alert) error {
	args, err := alertArgs(a)
	if err != nil {
		return fmt.Errorf("insert alert: %w", err)
	}
	id, err := t.insertID(ctx, qAlertInsert, args...)
	if err != nil {
		return fmt.Errorf("insert alert: %w", err)
	}
	a.ID = id
	if t.d.EntitiesByInsert {
		return t.addEntities(ctx, a)
	}
	return nil
}

// addEntities indexes a new alert's entity values in alert_entities, as
// the insert trigger does on engines that keep one.
func (t *tx) addEntities(ctx context.Context, a *model.Alert) error {
	e := a.Entities
	for _, list := range [][]string{e.Hosts, e.Users, e.IPs, e.FileHashes, e.Processes} {
		for _, v := range list {
			if err := t.exec(ctx, qAlertEntityAdd, v, a.ID); err != nil {
				return fmt.Errorf("index entities of alert %d: %w", a.ID, err)
			}
		}
	}
	return nil
}

// AlertUpdate overwrites every column of the alert with a.ID.
func (t *tx) AlertUpdate(ctx context.Context, a model.Alert) error {
	args, err := alertArgs(&a)
	if err != nil {
		return fmt.Errorf("update alert: %w", err)
	}
	err = t.execOne(ctx, qAlertUpdate, append(args, a.ID, a.Revision, a.Revision-1)...)
	if errors.Is(err, store.ErrNotFound) {
		err = t.staleOrMissing(ctx, "alerts", a.ID)
	}
	if err != nil {
		return fmt.Errorf("update alert %d: %w", a.ID, err)
	}
	return nil
}
