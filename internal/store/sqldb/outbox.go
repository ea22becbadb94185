package sqldb

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/alertsync/alertsync/internal/store"
)

func scanOutbox(s scanner) (store.OutboxItem, error) {
	var (
		o                             store.OutboxItem
		next, lease, created, updated int64
	)
	err := s.Scan(&o.ID, &o.Tenant, &o.Key, &o.Integration, &o.ObjectRef, &o.Action,
		(*[]byte)(&o.Payload), &o.OriginKind, &o.OriginID, &o.State, &o.Attempts,
		&next, &o.LeaseOwner, &lease, &o.LastError, &created, &updated, &o.Priority)
	o.NextAttemptAt, o.LeaseUntil = fromMicros(next), fromMicros(lease)
	o.CreatedAt, o.UpdatedAt = fromMicros(created), fromMicros(updated)
	return o, err
}

// OutboxGet returns one item.
func (c *conn) OutboxGet(ctx context.Context, id int64) (store.OutboxItem, error) {
	row, err := c.queryRow(ctx, qOutboxGet, id)
	if err != nil {
		return store.OutboxItem{}, fmt.Errorf("get outbox item: %w", err)
	}
	o, err := scanOutbox(row)
	if err != nil {
		return o, fmt.Errorf("get outbox item %d: %w", id, notFound(err))
	}
	return o, nil
}

// OutboxList filters and pages items by id.
func (c *conn) OutboxList(ctx context.Context, p store.OutboxListParams) ([]store.OutboxItem, error) {
	var w where
	w.add(true, "tenant = "+tenantMark)
	w.add(p.State != "", "state = ?", string(p.State))
	w.add(p.Integration != "", "integration = ?", p.Integration)
	w.add(p.OriginKind != "", "origin_kind = ?", string(p.OriginKind))
	w.add(p.OriginID != 0, "origin_id = ?", p.OriginID)
	w.add(true, "id > ?", p.AfterID)
	q := "SELECT " + outboxCols + " FROM outbox" + w.sql() + " ORDER BY id LIMIT CAST(? AS INTEGER)"
	rows, err := c.queryDyn(ctx, q, append(w.args, limit(p.Limit))...)
	if err != nil {
		return nil, fmt.Errorf("list outbox: %w", err)
	}
	out, err := collect(rows, scanOutbox)
	if err != nil {
		return nil, fmt.Errorf("list outbox: %w", err)
	}
	return out, nil
}

// OutboxCounts returns how many items are in each state, including zeros.
func (c *conn) OutboxCounts(ctx context.Context) (map[store.OutboxState]int, error) {
	rows, err := c.query(ctx, qOutboxCounts)
	if err != nil {
		return nil, fmt.Errorf("count outbox: %w", err)
	}
	out := map[store.OutboxState]int{
		store.OutboxPending: 0, store.OutboxLeased: 0, store.OutboxDone: 0, store.OutboxDead: 0,
	}
	type count struct {
		state store.OutboxState
		n     int
	}
	err = each(rows, func(s scanner) (count, error) {
		var c count
		err := s.Scan(&c.state, &c.n)
		return c, err
	}, func(c count) { out[c.state] = c.n })
	if err != nil {
		return nil, fmt.Errorf("count outbox: %w", err)
	}
	return out, nil
}

// OutboxEnqueue adds an action unless its key is already queued.
func (t *tx) OutboxEnqueue(ctx context.Context, p store.OutboxEnqueueParams) (int64, bool, error) {
	if p.Key == "" {
		return 0, false, errors.New("enqueue outbox item: key is required")
	}
	if t.d.EnqueueLock != "" {
		// Ids are taken at insert but become visible at commit; holding a
		// per-object lock until commit makes one object's actions commit
		// in id order, so a claim can never see a later one first.
		if err := t.lockDyn(ctx, t.d.EnqueueLock, t.outboxObject(p)); err != nil {
			return 0, false, fmt.Errorf("lock outbox object: %w", err)
		}
	}
	id, err := t.insertID(ctx, qOutboxEnqueue, appendOutboxArgs(nil, p)...)
	if err == nil {
		return id, true, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return 0, false, fmt.Errorf("enqueue outbox item: %w", err)
	}
	row, err := t.queryRow(ctx, qOutboxIDByKey, p.Key)
	if err == nil {
		err = row.Scan(&id)
	}
	if err != nil {
		return 0, false, fmt.Errorf("enqueue outbox item: find existing key: %w", err)
	}
	return id, false, nil
}

// outboxObject names the lock of p's remote object (Dialect.EnqueueLock).
func (t *tx) outboxObject(p store.OutboxEnqueueParams) string {
	return t.tenant + "|" + p.Integration + "|" + p.ObjectRef
}

// outboxWidth is the parameters of one new outbox row: qOutboxEnqueue's,
// in its order, which appendOutboxArgs gives.
const outboxWidth = 15

// appendOutboxArgs appends the parameters of p's new row to args: stored
// pending, or leased to its owner with its first attempt counted.
func appendOutboxArgs(args []any, p store.OutboxEnqueueParams) []any {
	now := micros(p.Now)
	state, attempts, until := store.OutboxPending, 0, int64(0)
	if p.LeaseOwner != "" {
		state, attempts, until = store.OutboxLeased, 1, micros(p.LeaseUntil)
	}
	return append(args, p.Key, p.Integration, p.ObjectRef, p.Action, blob(p.Payload), string(p.OriginKind), p.OriginID,
		string(state), attempts, max(now, micros(p.NotBefore)), p.LeaseOwner, until, now, now, p.Priority)
}

// OutboxEnqueueBatch adds actions as OutboxEnqueue does; ids[i] and
// inserted[i] answer ps[i]. Of two actions with one key, the first is
// added and the second gets its id, not inserted. Where one statement
// inserts many rows (PostgreSQL), the batch takes its objects' locks in
// one statement, in name order so that two batches never wait on each
// other crosswise, and inserts each chunk in one: two round trips for the
// batch, where one action at a time took two an action. SQLite's
// in-process writer runs OutboxEnqueue's prepared statement for each.
func (t *tx) OutboxEnqueueBatch(ctx context.Context, ps []store.OutboxEnqueueParams) (ids []int64, inserted []bool, err error) {
	for _, p := range ps {
		if p.Key == "" {
			return nil, nil, errors.New("enqueue outbox items: key is required")
		}
	}
	ids, inserted = make([]int64, len(ps)), make([]bool, len(ps))
	if !t.d.MultiRowInsert || len(ps) == 1 {
		for i, p := range ps {
			if ids[i], inserted[i], err = t.OutboxEnqueue(ctx, p); err != nil {
				return nil, nil, err
			}
		}
		return ids, inserted, nil
	}
	if t.d.EnqueueLock != "" {
		objects := make([]string, 0, len(ps))
		for _, p := range ps {
			objects = append(objects, t.outboxObject(p))
		}
		slices.Sort(objects)
		if err := t.lockDyn(ctx, t.d.EnqueueLockBatch, slices.Compact(objects)); err != nil {
			return nil, nil, fmt.Errorf("lock outbox objects: %w", err)
		}
	}
	first := make(map[string]int, len(ps)) // key -> index of its first action
	idx := make([]int, 0, len(ps))
	for i, p := range ps {
		if _, ok := first[p.Key]; !ok {
			first[p.Key] = i
			idx = append(idx, i)
		}
	}
	for chunk := range chunks(idx, batchRows) {
		if err := t.enqueueChunk(ctx, ps, chunk, ids, inserted); err != nil {
			return nil, nil, fmt.Errorf("enqueue outbox items: %w", err)
		}
	}
	for i, p := range ps {
		j := first[p.Key]
		if ids[j] == 0 { // queued before this batch
			row, err := t.queryRow(ctx, qOutboxIDByKey, p.Key)
			if err == nil {
				err = row.Scan(&ids[j])
			}
			if err != nil {
				return nil, nil, fmt.Errorf("enqueue outbox items: find existing key: %w", err)
			}
		}
		ids[i] = ids[j]
	}
	return ids, inserted, nil
}

// enqueueChunk inserts the actions ps[i] for i in chunk, whose keys are
// distinct, in one statement, and sets the ids of those it inserted.
func (t *tx) enqueueChunk(ctx context.Context, ps []store.OutboxEnqueueParams, chunk []int, ids []int64, inserted []bool) error {
	args := make([]any, 0, len(chunk)*outboxWidth)
	byKey := make(map[string]int, len(chunk))
	for _, i := range chunk {
		byKey[ps[i].Key] = i
		args = appendOutboxArgs(args, ps[i])
	}
	// A row as qOutboxEnqueue's: last_error, empty on a new item, is the
	// one column not a parameter.
	row := "(" + tenantMark + ", " + marks(outboxWidth-3) + ", '', " + marks(3) + ")"
	q := `INSERT INTO outbox (tenant, idem_key, integration, object_ref, action, payload, origin_kind, origin_id,
	state, attempts, next_attempt_at, lease_owner, lease_until, last_error, created_at, updated_at, priority)
	VALUES ` + strings.Repeat(row+", ", len(chunk)-1) + row + ` ON CONFLICT (tenant, idem_key) DO NOTHING RETURNING id, idem_key`
	return t.insertKeyed(ctx, q, args, func(id int64, key sql.NullString) {
		if i, ok := byKey[key.String]; ok {
			ids[i], inserted[i] = id, true
		}
	})
}

// OutboxClaim leases due items, decisions first: one statement per
// priority while the limit is not reached. On PostgreSQL the row selection
// skips rows other claimers have locked; on SQLite the single writer
// connection runs claims one at a time.
func (db *DB) OutboxClaim(ctx context.Context, p store.OutboxClaimParams) ([]store.OutboxItem, error) {
	if p.Limit <= 0 {
		return nil, nil
	}
	if err := db.prepareWriter(ctx); err != nil {
		return nil, err
	}
	var items []store.OutboxItem
	for _, prio := range []int{store.PriorityDecision, store.PriorityAutomatic} {
		got, err := db.claimPriority(ctx, p, prio, p.Limit-len(items))
		if err != nil {
			return nil, fmt.Errorf("claim outbox items: %w", err)
		}
		items = append(items, got...)
		if len(items) >= p.Limit {
			break
		}
	}
	return items, nil
}

func (db *DB) claimPriority(ctx context.Context, p store.OutboxClaimParams, prio, limit int) ([]store.OutboxItem, error) {
	q, args := qOutboxClaim, []any{}
	switch {
	case p.Integration != "":
		q, args = qOutboxClaimLane, append(args, p.Integration)
	case p.Tenant != "":
		q = qOutboxClaimTenant
	}
	if p.Tenant == "" && p.Integration != "" {
		return nil, errors.New("a lane claim names its tenant")
	}
	now := micros(p.Now)
	args = append(args, prio, prio, now, now, limit, p.Owner, micros(p.Now.Add(p.Lease)), now)
	var items []store.OutboxItem
	err := db.autocommit(ctx, true, p.Tenant, func(c *conn) error {
		rows, err := c.query(ctx, q, args...)
		if err != nil {
			return err
		}
		items, err = collect(rows, scanOutbox)
		return err
	})
	if err != nil {
		return nil, err
	}
	// A claim commits on its own: one transaction, a row per item leased.
	db.stats.commits.Add(1)
	db.stats.rows.Add(int64(len(items)))
	// RETURNING promises no order.
	slices.SortFunc(items, func(a, b store.OutboxItem) int { return cmp.Compare(a.ID, b.ID) })
	return items, nil
}

// OutboxFinish applies results in one transaction. Results that share an
// outcome (typically a whole batch done at one instant) are applied by one
// UPDATE. The guard on state and owner makes a stale worker's result a
// no-op rather than an error: its item was already re-leased to another.
func (db *DB) OutboxFinish(ctx context.Context, owner string, results []store.OutboxResult) error {
	return db.withTx(ctx, "", func(t *tx) error { return t.complete(ctx, owner, results) })
}

// OutboxComplete is OutboxFinish inside the caller's transaction, for
// the transaction's tenant's items.
func (t *tx) OutboxComplete(ctx context.Context, owner string, results []store.OutboxResult) error {
	return t.complete(ctx, owner, results)
}

// complete records outcomes: of the tenant's items in a tenant's
// transaction, of any item by id in the hub's own.
func (t *tx) complete(ctx context.Context, owner string, results []store.OutboxResult) error {
	q := finishQuery + "tenant = " + tenantMark + " AND "
	groups, err := groupResults(results, t.tenant)
	if err != nil {
		return err
	}
	for _, g := range groups {
		// The hub's own transaction finds each item by its key, tenant
		// and id; one without a tenant (a caller that did not say) by id
		// alone, which no index leads with.
		t := t
		if t.tenant == "" {
			hub := *t
			hub.tenant = g.tenant
			t = &hub
		}
		q := q
		if t.tenant == "" {
			q = finishQuery
		}
		var next any // NULL keeps next_attempt_at
		if g.state == store.OutboxPending {
			next = g.next
		}
		giveBack := 0
		if g.unattempted {
			giveBack = 1
		}
		for chunk := range chunks(g.ids, vendorChunk) {
			args := append([]any{string(g.state), next, g.err, giveBack, g.now, owner}, chunk...)
			if err := t.execDyn(ctx, q+"id IN ("+marks(len(chunk))+")", args...); err != nil {
				return fmt.Errorf("finish outbox items: %w", err)
			}
		}
	}
	return nil
}

// outcome is one distinct result and the items that share it.
type outcome struct {
	tenant      string
	state       store.OutboxState
	next, now   int64
	err         string
	unattempted bool
	ids         []any
}

// groupResults groups results by tenant and outcome, in first-seen order;
// in a tenant's transaction (tenant set) every result is that tenant's.
func groupResults(results []store.OutboxResult, tenant string) ([]*outcome, error) {
	type key struct {
		tenant      string
		state       store.OutboxState
		next, now   int64
		err         string
		unattempted bool
	}
	var groups []*outcome
	byKey := make(map[key]*outcome)
	for _, r := range results {
		switch r.State {
		case store.OutboxDone, store.OutboxDead, store.OutboxPending:
		default:
			return nil, fmt.Errorf("finish outbox item %d: invalid state %q", r.ID, r.State)
		}
		k := key{tenant: cmp.Or(tenant, r.Tenant), state: r.State, now: micros(r.Now), err: r.Error, unattempted: r.Unattempted && r.State == store.OutboxPending}
		if r.State == store.OutboxPending {
			k.next = micros(r.NextAttemptAt)
		}
		g := byKey[k]
		if g == nil {
			g = &outcome{tenant: k.tenant, state: k.state, next: k.next, now: k.now, err: k.err, unattempted: k.unattempted}
			byKey[k] = g
			groups = append(groups, g)
		}
		g.ids = append(g.ids, r.ID)
	}
	return groups, nil
}

const finishQuery = `UPDATE outbox SET state = ?,
	next_attempt_at = COALESCE(?, next_attempt_at), last_error = ?,
	attempts = attempts - ?, lease_owner = '', lease_until = 0, updated_at = ?
	WHERE lease_owner = ? AND state = 'leased' AND `

// OutboxRetry moves a dead item back to pending with a fresh attempt
// count, so an operator's retry gets the full retry budget again.
func (t *tx) OutboxRetry(ctx context.Context, id int64, now time.Time) error {
	err := t.execOne(ctx, qOutboxRetry, micros(now), micros(now), id)
	if errors.Is(err, store.ErrNotFound) {
		err = t.whyNotRetried(ctx, id)
	}
	if err != nil {
		return fmt.Errorf("retry outbox item %d: %w", id, err)
	}
	return nil
}

// OutboxSkip marks a pending item as skipped.
func (t *tx) OutboxSkip(ctx context.Context, key, reason string, now time.Time) error {
	if err := t.exec(ctx, qOutboxSkip, reason, micros(now), key); err != nil {
		return fmt.Errorf("skip outbox item: %w", err)
	}
	return nil
}

// whyNotRetried tells a missing or not-dead item (ErrNotFound) from a dead
// one that a later applied action has superseded (ErrSuperseded).
func (t *tx) whyNotRetried(ctx context.Context, id int64) error {
	rows, err := t.queryDyn(ctx, "SELECT state FROM outbox WHERE tenant = :tenant AND id = ?", id)
	if err != nil {
		return err
	}
	defer func() { _ = rows.Close() }()
	var state string
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return err
		}
		return store.ErrNotFound
	}
	if err := rows.Scan(&state); err != nil {
		return err
	}
	if state != string(store.OutboxDead) {
		return store.ErrNotFound
	}
	return store.ErrSuperseded
}

// OutboxLanes lists the tenants' integrations with unfinished work.
func (db *DB) OutboxLanes(ctx context.Context) ([]store.Lane, error) {
	var out []store.Lane
	err := db.autocommit(ctx, false, "", func(c *conn) error {
		rows, err := c.query(ctx, qOutboxLanes)
		if err != nil {
			return err
		}
		out, err = collect(rows, func(s scanner) (store.Lane, error) {
			var l store.Lane
			err := s.Scan(&l.Tenant, &l.Integration)
			return l, err
		})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("list outbox lanes: %w", err)
	}
	return out, nil
}

// OutboxObjectPending lists the pending (not leased) items on one remote
// object, oldest first.
func (t *tx) OutboxObjectPending(ctx context.Context, integration, objectRef string) ([]store.OutboxItem, error) {
	rows, err := t.query(ctx, qOutboxObjectPending, integration, objectRef)
	if err != nil {
		return nil, fmt.Errorf("list pending outbox items of %s: %w", objectRef, err)
	}
	out, err := collect(rows, scanOutbox)
	if err != nil {
		return nil, fmt.Errorf("list pending outbox items of %s: %w", objectRef, err)
	}
	return out, nil
}

// OutboxObjectBusy reports whether a remote object has an unfinished item.
func (t *tx) OutboxObjectBusy(ctx context.Context, integration, objectRef string) (bool, error) {
	row, err := t.queryRow(ctx, qOutboxObjectBusy, integration, objectRef)
	if err != nil {
		return false, fmt.Errorf("look for unfinished outbox items of %s: %w", objectRef, err)
	}
	var n int
	if err := row.Scan(&n); err != nil {
		return false, fmt.Errorf("look for unfinished outbox items of %s: %w", objectRef, err)
	}
	return n > 0, nil
}

// OutboxBusyObjects implements store.Reader.
func (c *conn) OutboxBusyObjects(ctx context.Context, p store.OutboxBusyParams) ([]string, error) {
	var out []string
	for chunk := range chunks(p.ObjectRefs, vendorChunk) {
		args := make([]any, 0, len(chunk)+2)
		args = append(args, p.Integration, p.Action)
		for _, ref := range chunk {
			args = append(args, ref)
		}
		rows, err := c.queryDyn(ctx, `SELECT DISTINCT object_ref FROM outbox
	WHERE tenant = :tenant AND integration = ? AND action = ? AND object_ref IN (`+marks(len(chunk))+`) AND `+outboxActive, args...)
		if err != nil {
			return nil, fmt.Errorf("look for unfinished %s items of %d objects: %w", p.Action, len(chunk), err)
		}
		refs, err := collect(rows, func(r scanner) (string, error) {
			var ref string
			return ref, r.Scan(&ref)
		})
		if err != nil {
			return nil, fmt.Errorf("look for unfinished %s items of %d objects: %w", p.Action, len(chunk), err)
		}
		out = append(out, refs...)
	}
	return out, nil
}

// OutboxObjectCount counts the items of one action and priority on a
// remote object that were or will be sent (skipped and dead ones are not).
func (t *tx) OutboxObjectCount(ctx context.Context, p store.OutboxObjectCountParams) (int, error) {
	row, err := t.queryRow(ctx, qOutboxObjectCount, p.Integration, p.ObjectRef, p.Action, p.Priority)
	if err != nil {
		return 0, fmt.Errorf("count outbox items of %s: %w", p.ObjectRef, err)
	}
	var n int
	if err := row.Scan(&n); err != nil {
		return 0, fmt.Errorf("count outbox items of %s: %w", p.ObjectRef, err)
	}
	return n, nil
}

// OutboxRenew implements store.Outbox.
func (db *DB) OutboxRenew(ctx context.Context, owner string, refs []store.OutboxRef, until time.Time) ([]store.OutboxRef, error) {
	if len(refs) == 0 {
		return nil, nil
	}
	byTenant := map[string][]any{}
	var tenants []string
	for _, r := range refs {
		if _, ok := byTenant[r.Tenant]; !ok {
			tenants = append(tenants, r.Tenant)
		}
		byTenant[r.Tenant] = append(byTenant[r.Tenant], r.ID)
	}
	var renewed []store.OutboxRef
	err := db.withTx(ctx, "", func(t *tx) error {
		renewed = renewed[:0]
		for _, tenant := range tenants {
			// Each tenant's items by their key (tenant, id).
			tt := *t
			tt.tenant = tenant
			for chunk := range chunks(byTenant[tenant], vendorChunk) {
				args := append([]any{micros(until), owner}, chunk...)
				rows, err := tt.queryDyn(ctx, `UPDATE outbox SET lease_until = ? WHERE tenant = :tenant AND lease_owner = ?
					AND state = 'leased' AND id IN (`+marks(len(chunk))+`) RETURNING id`, args...)
				if err != nil {
					return err
				}
				ids, err := collect(rows, scanInt64)
				if err != nil {
					return err
				}
				tt.addRows(len(ids))
				for _, id := range ids {
					renewed = append(renewed, store.OutboxRef{Tenant: tenant, ID: id})
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("renew outbox leases: %w", err)
	}
	return renewed, nil
}

// OutboxExpedite brings a lane's items waiting out a retry backoff
// forward to p.Now.
func (db *DB) OutboxExpedite(ctx context.Context, p store.OutboxExpediteParams) (int, error) {
	if p.Lane.Tenant == "" || p.Lane.Integration == "" || p.ErrorPrefix == "" {
		return 0, errors.New("expedite names a lane and the error its items wait on")
	}
	if err := db.prepareWriter(ctx); err != nil {
		return 0, err
	}
	now := micros(p.Now)
	var n int64
	err := db.autocommit(ctx, true, p.Lane.Tenant, func(c *conn) error {
		var err error
		n, err = c.execCount(ctx, qOutboxExpedite, now, p.Lane.Integration, store.PriorityDecision, store.PriorityAutomatic,
			now, len(p.ErrorPrefix), p.ErrorPrefix)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("expedite outbox lane %s: %w", p.Lane, err)
	}
	if n > 0 {
		db.stats.commits.Add(1)
		db.stats.rows.Add(n)
	}
	return int(n), nil
}
