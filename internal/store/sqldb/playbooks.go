package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/alertsync/alertsync/internal/store"
)

func scanPlaybook(s scanner) (store.StoredPlaybook, error) {
	var (
		p  store.StoredPlaybook
		at int64
	)
	err := s.Scan(&p.ID, &p.Definition, &p.Origin, &at)
	p.UpdatedAt = fromMicros(at)
	return p, err
}

// PlaybookList lists the stored definitions by id.
func (c *conn) PlaybookList(ctx context.Context) ([]store.StoredPlaybook, error) {
	rows, err := c.query(ctx, qPlaybookList)
	if err != nil {
		return nil, fmt.Errorf("list playbooks: %w", err)
	}
	out, err := collect(rows, scanPlaybook)
	if err != nil {
		return nil, fmt.Errorf("list playbooks: %w", err)
	}
	return out, nil
}

// PlaybookGet returns one stored definition.
func (c *conn) PlaybookGet(ctx context.Context, id string) (store.StoredPlaybook, error) {
	row, err := c.queryRow(ctx, qPlaybookGet, id)
	if err != nil {
		return store.StoredPlaybook{}, fmt.Errorf("get playbook: %w", err)
	}
	p, err := scanPlaybook(row)
	if err != nil {
		return p, fmt.Errorf("get playbook %q: %w", id, notFound(err))
	}
	return p, nil
}

// PlaybookUpsert creates or replaces a definition.
func (t *tx) PlaybookUpsert(ctx context.Context, p store.StoredPlaybook) error {
	if err := t.exec(ctx, qPlaybookUpsert, p.ID, p.Definition, p.Origin, micros(p.UpdatedAt)); err != nil {
		return fmt.Errorf("upsert playbook %q: %w", p.ID, err)
	}
	return nil
}

// PlaybookDelete removes a definition, ErrNotFound when there is none;
// its runs stay.
func (t *tx) PlaybookDelete(ctx context.Context, id string) error {
	if err := t.execOne(ctx, qPlaybookDelete, id); err != nil {
		return fmt.Errorf("delete playbook %q: %w", id, err)
	}
	return nil
}

func scanRun(s scanner) (store.Run, error) {
	var (
		r                        store.Run
		started, finished, until int64
		dedupe                   sql.NullString
	)
	err := s.Scan(&r.ID, &r.PlaybookID, &r.Trigger, &r.ObjectKind, &r.ObjectID, &r.Status,
		(*[]byte)(&r.Nodes), &r.NextStep, &started, &finished, &r.Error, &dedupe,
		&until, &r.GroupCount, &r.DryRun)
	r.StartedAt, r.FinishedAt, r.GroupUntil = fromMicros(started), fromMicros(finished), fromMicros(until)
	r.Dedupe = dedupe.String
	return r, err
}

// appendRunArgs appends a run's columns in runInsertCols order. Nodes
// are kept as given; absent nodes are NULL and read back as nil.
func appendRunArgs(args []any, r *store.Run) []any {
	return append(args, r.PlaybookID, r.Trigger, string(r.ObjectKind), r.ObjectID, r.Status,
		text(r.Nodes), r.NextStep, micros(r.StartedAt), micros(r.FinishedAt), r.Error,
		nullText(r.Dedupe), micros(r.GroupUntil), r.GroupCount, r.DryRun)
}

// RunGet returns one run.
func (c *conn) RunGet(ctx context.Context, id int64) (store.Run, error) {
	row, err := c.queryRow(ctx, qRunGet, id)
	if err != nil {
		return store.Run{}, fmt.Errorf("get run: %w", err)
	}
	r, err := scanRun(row)
	if err != nil {
		return r, fmt.Errorf("get run %d: %w", id, notFound(err))
	}
	return r, nil
}

// RunList pages runs newest first, optionally of one playbook or status.
func (c *conn) RunList(ctx context.Context, p store.RunListParams) ([]store.Run, error) {
	var w where
	w.add(true, "tenant = "+tenantMark)
	w.add(p.PlaybookID != "", "playbook_id = ?", p.PlaybookID)
	w.add(p.Status != "", "status = ?", p.Status)
	w.add(p.BeforeID > 0, "id < ?", p.BeforeID)
	q := `SELECT ` + runCols + ` FROM playbook_runs` + w.sql() + ` ORDER BY id DESC LIMIT CAST(? AS INTEGER)`
	rows, err := c.queryDyn(ctx, q, append(w.args, limit(p.Limit))...)
	if err != nil {
		return nil, fmt.Errorf("list runs: %w", err)
	}
	out, err := collect(rows, scanRun)
	if err != nil {
		return nil, fmt.Errorf("list runs: %w", err)
	}
	return out, nil
}

// RunInsertBatch stores new runs and sets their ids; a run whose dedupe
// key is taken, by a stored run or an earlier one in runs, keeps ID 0.
// It runs inside ingest for every alert that triggers a playbook, so on
// PostgreSQL each chunk is one multi-row statement; SQLite runs one
// prepared insert per run (see Dialect.MultiRowInsert).
func (t *tx) RunInsertBatch(ctx context.Context, runs []*store.Run) error {
	for _, r := range runs {
		r.ID = 0
	}
	if !t.d.MultiRowInsert {
		args := make([]any, 0, runWidth)
		for _, r := range runs {
			id, err := t.insertID(ctx, qRunInsert, appendRunArgs(args[:0], r)...)
			switch {
			case errors.Is(err, sql.ErrNoRows): // the key is taken
			case err != nil:
				return fmt.Errorf("insert runs: %w", err)
			default:
				r.ID = id
			}
		}
		return nil
	}
	for chunk := range chunks(runs, batchRows) {
		if err := t.insertRunChunk(ctx, chunk); err != nil {
			return fmt.Errorf("insert runs: %w", err)
		}
	}
	return nil
}

// insertRunChunk inserts runs in one statement and hands the returned ids
// back: to keyed runs by their key (of two runs sharing one, the first is
// stored, as VALUES rows insert in order), to keyless runs, which always
// insert, in the order PostgreSQL inserts and returns VALUES rows.
func (t *tx) insertRunChunk(ctx context.Context, chunk []*store.Run) error {
	args := make([]any, 0, len(chunk)*runWidth)
	byKey := make(map[string]*store.Run, len(chunk))
	var keyless []*store.Run
	for _, r := range chunk {
		args = appendRunArgs(args, r)
		switch {
		case r.Dedupe == "":
			keyless = append(keyless, r)
		case byKey[r.Dedupe] == nil:
			byKey[r.Dedupe] = r
		}
	}
	q := `INSERT INTO playbook_runs (tenant, ` + runInsertCols + `) VALUES ` +
		tenantValues(len(chunk), runWidth) + runDedupe + ` RETURNING id, dedupe`
	return t.insertKeyed(ctx, q, args, func(id int64, key sql.NullString) {
		switch {
		case key.Valid && byKey[key.String] != nil:
			byKey[key.String].ID = id
		case !key.Valid && len(keyless) > 0:
			keyless[0].ID, keyless = id, keyless[1:]
		}
	})
}

// insertKeyed runs a multi-row INSERT … RETURNING id and a key column,
// counts each row it inserted and hands each one's id and key to got:
// the batch inserts whose rows are told apart by their key, as the rows
// an ON CONFLICT skipped return nothing.
func (t *tx) insertKeyed(ctx context.Context, q string, args []any, got func(id int64, key sql.NullString)) error {
	rows, err := t.queryDyn(ctx, q, args...)
	if err != nil {
		return err
	}
	defer func() { _ = rows.Close() }()
	for rows.Next() {
		var (
			id  int64
			key sql.NullString
		)
		if err := rows.Scan(&id, &key); err != nil {
			return err
		}
		t.addRows(1)
		got(id, key)
	}
	return rows.Err()
}

// RunUpdate overwrites what changes as a run proceeds; the rest of the
// row (playbook, trigger, object, start, dedupe key, dry run) stays. It is
// ErrNotFound when there is no run r.ID.
func (t *tx) RunUpdate(ctx context.Context, r store.Run) error {
	err := t.execOne(ctx, qRunUpdate, r.Status, text(r.Nodes), r.NextStep, micros(r.FinishedAt),
		r.Error, micros(r.GroupUntil), r.GroupCount, r.ID)
	if err != nil {
		return fmt.Errorf("update run %d: %w", r.ID, err)
	}
	return nil
}

// RunUpdateBatch is RunUpdate for many runs: the finisher records every
// run whose step it completes in one transaction, so on PostgreSQL each
// chunk is one statement, not one round trip per run; SQLite runs the
// prepared update per run (see Dialect.MultiRowInsert). Of two updates of
// one run, the later wins. It is ErrNotFound when a run is missing.
//
// The statement is an upsert on the primary key that always conflicts:
// its arbiter looks each run up on the key, a plan no statistics can
// change. An UPDATE ... FROM (VALUES ...) left the plan to the planner,
// which, on a table not analyzed yet, read every run of the tenant for
// each batch and joined the VALUES to them: before the table's first
// analysis (some 6,000 runs into a bench) the finisher's transactions
// grew to over a second, and every playbook's next steps waited behind
// them. A run the batch does not find would be inserted;
// RETURNING tells those apart (xmax is 0 only on an inserted row), and
// the batch fails with ErrNotFound, its transaction rolled back.
func (t *tx) RunUpdateBatch(ctx context.Context, runs []store.Run) error {
	runs = lastByKey(runs, func(r store.Run) int64 { return r.ID })
	if !t.d.MultiRowInsert {
		for _, r := range runs {
			if err := t.RunUpdate(ctx, r); err != nil {
				return err
			}
		}
		return nil
	}
	for chunk := range chunks(runs, batchRows) {
		args := make([]any, 0, len(chunk)*(runWidth+1))
		for _, r := range chunk {
			r.Dedupe = "" // an inserted row must not take a run's key
			args = appendRunArgs(append(args, r.ID), &r)
		}
		q := `INSERT INTO playbook_runs (tenant, id, ` + runInsertCols + `) OVERRIDING SYSTEM VALUE VALUES ` +
			tenantValues(len(chunk), runWidth+1) + ` ON CONFLICT (tenant, id) DO UPDATE SET
		status = excluded.status, nodes = excluded.nodes, next_step = excluded.next_step,
		finished_at = excluded.finished_at, error = excluded.error, group_until = excluded.group_until,
		group_count = excluded.group_count RETURNING xmax = 0`
		rows, err := t.queryDyn(ctx, q, args...)
		if err != nil {
			return fmt.Errorf("update runs: %w", err)
		}
		missing := 0
		err = each(rows, func(s scanner) (bool, error) {
			var inserted bool
			return inserted, s.Scan(&inserted)
		}, func(inserted bool) {
			if inserted {
				missing++
			} else {
				t.addRows(1)
			}
		})
		if err != nil {
			return fmt.Errorf("update runs: %w", err)
		}
		if missing > 0 {
			return fmt.Errorf("update runs: %d of %d not found: %w", missing, len(chunk), store.ErrNotFound)
		}
	}
	return nil
}

// lastByKey keeps, of the elements sharing a key, the last, in the order
// of their first appearance: one multi-row statement may change a row
// only once.
func lastByKey[T any, K comparable](s []T, key func(T) K) []T {
	at := make(map[K]int, len(s))
	out := make([]T, 0, len(s))
	for _, v := range s {
		k := key(v)
		if i, ok := at[k]; ok {
			out[i] = v
			continue
		}
		at[k] = len(out)
		out = append(out, v)
	}
	return out
}

// RunOpenGroup returns the playbook's oldest running run whose grouping
// window is still open at now and which holds fewer than maxCount
// triggers.
func (t *tx) RunOpenGroup(ctx context.Context, playbookID string, now time.Time, maxCount int) (store.Run, error) {
	row, err := t.queryRow(ctx, qRunOpenGroup, playbookID, micros(now), maxCount)
	if err != nil {
		return store.Run{}, fmt.Errorf("find open run group: %w", err)
	}
	r, err := scanRun(row)
	if err != nil {
		return r, fmt.Errorf("find open run group of %q: %w", playbookID, notFound(err))
	}
	return r, nil
}

func scanStep(s scanner) (store.StepRecord, error) {
	var (
		st                     store.StepRecord
		dur, started, finished int64
	)
	err := s.Scan(&st.RunID, &st.Index, &st.Name, &st.Type, &st.Status, (*[]byte)(&st.Input),
		(*[]byte)(&st.Output), &st.Attempts, &dur, &st.Error, &started, &finished)
	st.Duration = time.Duration(dur) * time.Microsecond
	st.StartedAt, st.FinishedAt = fromMicros(started), fromMicros(finished)
	return st, err
}

// StepList lists a run's step records by index.
func (c *conn) StepList(ctx context.Context, runID int64) ([]store.StepRecord, error) {
	rows, err := c.query(ctx, qStepList, runID)
	if err != nil {
		return nil, fmt.Errorf("list steps: %w", err)
	}
	out, err := collect(rows, scanStep)
	if err != nil {
		return nil, fmt.Errorf("list steps of run %d: %w", runID, err)
	}
	return out, nil
}

// StepUpsert creates or replaces one step record. The duration is kept in
// microseconds, like every time in the store.
func (t *tx) StepUpsert(ctx context.Context, s store.StepRecord) error {
	err := t.exec(ctx, qStepUpsert, s.RunID, s.Index, s.Name, s.Type, s.Status, blob(s.Input),
		blob(s.Output), s.Attempts, s.Duration.Microseconds(), s.Error, micros(s.StartedAt),
		micros(s.FinishedAt))
	if err != nil {
		return fmt.Errorf("upsert step %d of run %d: %w", s.Index, s.RunID, err)
	}
	return nil
}

// stepWidth is the number of values a step record carries.
const stepWidth = 12

// StepUpsertBatch is StepUpsert for many records, like RunUpdateBatch:
// one statement a chunk on PostgreSQL, the prepared upsert per record on
// SQLite. Of two records of one step, the later wins.
func (t *tx) StepUpsertBatch(ctx context.Context, steps []store.StepRecord) error {
	steps = lastByKey(steps, func(s store.StepRecord) [2]int64 { return [2]int64{s.RunID, int64(s.Index)} })
	if !t.d.MultiRowInsert {
		for _, s := range steps {
			if err := t.StepUpsert(ctx, s); err != nil {
				return err
			}
		}
		return nil
	}
	for chunk := range chunks(steps, batchRows) {
		args := make([]any, 0, len(chunk)*stepWidth)
		for _, s := range chunk {
			args = append(args, s.RunID, s.Index, s.Name, s.Type, s.Status, blob(s.Input), blob(s.Output),
				s.Attempts, s.Duration.Microseconds(), s.Error, micros(s.StartedAt), micros(s.FinishedAt))
		}
		q := `INSERT INTO playbook_steps (tenant, ` + stepCols + `) VALUES ` + tenantValues(len(chunk), stepWidth) +
			stepConflict
		if err := t.execDyn(ctx, q, args...); err != nil {
			return fmt.Errorf("upsert steps: %w", err)
		}
	}
	return nil
}

// RunPrune walks the next p.Limit runs finished before p.Before and
// deletes those none of whose steps' items is unfinished, with their
// step records and items. The walk and the lookup of unfinished items
// are statements of their own, each following an index: one statement
// joining them let PostgreSQL hash every unfinished item of the tenant
// and sort the runs, for each batch.
func (t *tx) RunPrune(ctx context.Context, p store.RunPruneParams) (int, int64, error) {
	if p.Limit <= 0 {
		return 0, 0, nil
	}
	rows, err := t.query(ctx, qRunPrunable, p.AfterID, micros(p.Before), p.Limit)
	if err != nil {
		return 0, 0, fmt.Errorf("prune runs: %w", err)
	}
	type walked struct {
		id       int64
		playbook string
	}
	found, err := collect(rows, func(s scanner) (walked, error) {
		var w walked
		return w, s.Scan(&w.id, &w.playbook)
	})
	if err != nil {
		return 0, 0, fmt.Errorf("prune runs: %w", err)
	}
	var next int64
	if len(found) == p.Limit {
		next = found[len(found)-1].id
	}
	// Each playbook's runs, by the reference their steps' items name.
	refs := map[string]map[string]int64{}
	var lanes []string
	for _, w := range found {
		if refs[w.playbook] == nil {
			refs[w.playbook] = map[string]int64{}
			lanes = append(lanes, w.playbook)
		}
		refs[w.playbook][store.RunObjectRef(w.id)] = w.id
	}
	deleted := 0
	for _, pb := range lanes {
		lane := store.RunLanePrefix + pb
		ids, err := t.prunable(ctx, lane, refs[pb])
		if err != nil {
			return deleted, 0, err
		}
		if len(ids) == 0 {
			continue
		}
		var refArgs, idArgs []any
		for _, id := range ids {
			refArgs, idArgs = append(refArgs, store.RunObjectRef(id)), append(idArgs, id)
		}
		if err := t.execDyn(ctx, "DELETE FROM outbox WHERE tenant = "+tenantMark+" AND integration = ? AND object_ref IN ("+
			marks(len(refArgs))+")", append([]any{lane}, refArgs...)...); err != nil {
			return deleted, 0, fmt.Errorf("prune runs: outbox items: %w", err)
		}
		in := " IN (" + marks(len(idArgs)) + ")"
		if err := t.execDyn(ctx, "DELETE FROM playbook_steps WHERE tenant = "+tenantMark+" AND run_id"+in, idArgs...); err != nil {
			return deleted, 0, fmt.Errorf("prune runs: steps: %w", err)
		}
		if err := t.execDyn(ctx, "DELETE FROM playbook_runs WHERE tenant = "+tenantMark+" AND id"+in, idArgs...); err != nil {
			return deleted, 0, fmt.Errorf("prune runs: %w", err)
		}
		deleted += len(ids)
	}
	return deleted, next, nil
}

// prunable returns those of one playbook's runs (by their items' object
// reference) none of whose steps' items on lane is unfinished, in id
// order.
func (t *tx) prunable(ctx context.Context, lane string, byRef map[string]int64) ([]int64, error) {
	args := []any{lane}
	for ref := range byRef {
		args = append(args, ref)
	}
	rows, err := t.queryDyn(ctx, "SELECT DISTINCT object_ref FROM outbox WHERE tenant = "+tenantMark+
		" AND integration = ? AND object_ref IN ("+marks(len(byRef))+") AND state NOT IN ('done', 'skipped')", args...)
	if err != nil {
		return nil, fmt.Errorf("prune runs: unfinished items: %w", err)
	}
	busy, err := collect(rows, func(s scanner) (string, error) {
		var ref string
		return ref, s.Scan(&ref)
	})
	if err != nil {
		return nil, fmt.Errorf("prune runs: unfinished items: %w", err)
	}
	for _, ref := range busy {
		delete(byRef, ref)
	}
	ids := slices.Collect(maps.Values(byRef))
	slices.Sort(ids)
	return ids, nil
}
