package sqldb

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/alertsync/alertsync/internal/store"
)

// runner is what *sql.DB and *sql.Tx share, for queries built at run time.
type runner interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// conn runs queries either on a pool (reads outside a transaction) or in a
// transaction. Every Reader method is written once against it.
type conn struct {
	// tenant binds every scoped statement (tenantMark); "" is the hub's
	// own conn, which runs only the system statements.
	tenant string
	d      *Dialect
	run    runner
	stmts  *stmtCache
	tx     *sql.Tx
	// txStmts caches tx.StmtContext results so each statement is bound to
	// the transaction once, however many rows the transaction writes;
	// txDyn does the same for cached dynamic statements.
	txStmts [numQueries]*sql.Stmt
	txDyn   map[string]*sql.Stmt
	// rows, in a write transaction, counts the rows its statements
	// change (DB.WriteStats).
	rows *atomic.Int64
}

// errNoTenant is a scoped statement run without a tenant, or a statement
// on tenant data that does not name one: a bug, refused rather than run.
var errNoTenant = errors.New("statement not bound to a tenant")

// queryScoped marks the prepared statements that take :tenant.
var queryScoped = func() (out [numQueries]bool) {
	for id, def := range queryDefs {
		out[id] = strings.Contains(def.text, tenantMark)
		if out[id] == systemQueries[qid(id)] {
			panic(fmt.Sprintf("sqldb: statement %q must either name :tenant or be a system statement", def.name))
		}
	}
	return out
}()

// bind prepends the conn's tenant to a scoped statement's arguments.
func (c *conn) bind(id qid, args []any) ([]any, error) {
	if !queryScoped[id] {
		return args, nil
	}
	if c.tenant == "" {
		return nil, fmt.Errorf("%s: %w", queryDefs[id].name, errNoTenant)
	}
	return append([]any{c.tenant}, args...), nil
}

// bindDyn is bind for a statement built at run time: one that names
// :tenant gets the conn's tenant, and one that does not may only run on
// the hub's own conn (cross-tenant outbox work by id).
func (c *conn) bindDyn(q string, args []any) ([]any, error) {
	if !strings.Contains(q, tenantMark) {
		if c.tenant != "" {
			return nil, fmt.Errorf("%.60s: %w", q, errNoTenant)
		}
		return args, nil
	}
	if c.tenant == "" {
		return nil, fmt.Errorf("%.60s: %w", q, errNoTenant)
	}
	return append([]any{c.tenant}, args...), nil
}

// addRows counts rows a multi-row INSERT ... RETURNING reported.
func (c *conn) addRows(n int) {
	if c.rows != nil {
		c.rows.Add(int64(n))
	}
}

// wrote counts the rows a statement in a write transaction changed.
func (c *conn) wrote(res sql.Result) {
	if c.rows == nil || res == nil {
		return
	}
	if n, err := res.RowsAffected(); err == nil {
		c.rows.Add(n)
	}
}

// dynStmt is the cached prepared statement for q (already rebound),
// bound to the transaction if any; nil when the dialect does not cache
// dynamic statements or the cache is full.
func (c *conn) dynStmt(ctx context.Context, q string) *sql.Stmt {
	if c.stmts == nil || !c.d.CacheDynamic {
		return nil
	}
	if s := c.txDyn[q]; s != nil {
		return s
	}
	s := c.stmts.dyn(ctx, q, c.tx != nil)
	if s == nil || c.tx == nil {
		return s
	}
	s = c.tx.StmtContext(ctx, s)
	if c.txDyn == nil {
		c.txDyn = map[string]*sql.Stmt{}
	}
	c.txDyn[q] = s
	return s
}

// stmt returns the prepared statement id, bound to the transaction if
// any, and the context to run it under (see opContext).
func (c *conn) stmt(ctx context.Context, id qid) (context.Context, *sql.Stmt, error) {
	opCtx, err := c.opContext(ctx)
	if err != nil {
		return nil, nil, err
	}
	if c.tx != nil {
		if s := c.txStmts[id]; s != nil {
			return opCtx, s, nil
		}
	}
	s, err := c.stmts.get(ctx, id)
	if err != nil || c.tx == nil {
		return opCtx, s, err
	}
	s = c.tx.StmtContext(ctx, s)
	c.txStmts[id] = s
	return opCtx, s, nil
}

// opContext is the context one statement runs under. Outside a transaction
// it is ctx. Inside one, cancellation is checked before each statement and
// otherwise left to the transaction, which database/sql rolls back when
// the WithTx context ends: drivers watch a cancellable context with a
// goroutine per statement, which costs more than the row it writes and
// would nearly halve batched ingest. A single statement in a transaction
// therefore runs to completion after cancellation; the next one fails.
func (c *conn) opContext(ctx context.Context) (context.Context, error) {
	if c.tx == nil {
		return ctx, nil
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return context.WithoutCancel(ctx), nil
}

// queryDyn runs a query built at run time.
func (c *conn) queryDyn(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	opCtx, err := c.opContext(ctx)
	if err != nil {
		return nil, err
	}
	if args, err = c.bindDyn(q, args); err != nil {
		return nil, err
	}
	q = c.d.rebind(q)
	if s := c.dynStmt(ctx, q); s != nil { //nolint:sqlclosecheck // a cached prepared statement: stmtCache.close, or the transaction, closes it
		return s.QueryContext(opCtx, args...)
	}
	return c.run.QueryContext(opCtx, q, args...)
}

// execDyn runs a statement built at run time.
func (c *conn) execDyn(ctx context.Context, q string, args ...any) error {
	opCtx, err := c.opContext(ctx)
	if err != nil {
		return err
	}
	res, err := c.runDyn(ctx, opCtx, q, args)
	c.wrote(res)
	return c.d.conflict(err)
}

// lockDyn runs a lock statement (PostgreSQL's SELECT of an advisory
// lock), which changes no row and so counts none.
func (c *conn) lockDyn(ctx context.Context, q string, args ...any) error {
	opCtx, err := c.opContext(ctx)
	if err != nil {
		return err
	}
	// A lock touches no table, so it needs no tenant.
	q = c.d.rebind(q)
	_, err = c.run.ExecContext(opCtx, q, args...)
	return err
}

// runDyn executes a statement built at run time, prepared once when the
// dialect caches them.
func (c *conn) runDyn(ctx, opCtx context.Context, q string, args []any) (sql.Result, error) {
	args, err := c.bindDyn(q, args)
	if err != nil {
		return nil, err
	}
	q = c.d.rebind(q)
	if s := c.dynStmt(ctx, q); s != nil { //nolint:sqlclosecheck // a cached prepared statement: stmtCache.close, or the transaction, closes it
		return s.ExecContext(opCtx, args...)
	}
	return c.run.ExecContext(opCtx, q, args...)
}

func (c *conn) queryRow(ctx context.Context, id qid, args ...any) (*sql.Row, error) {
	args, err := c.bind(id, args)
	if err != nil {
		return nil, err
	}
	ctx, s, err := c.stmt(ctx, id) //nolint:sqlclosecheck // a cached prepared statement: stmtCache.close, or the transaction, closes it
	if err != nil {
		return nil, err
	}
	return s.QueryRowContext(ctx, args...), nil
}

func (c *conn) query(ctx context.Context, id qid, args ...any) (*sql.Rows, error) {
	args, err := c.bind(id, args)
	if err != nil {
		return nil, err
	}
	ctx, s, err := c.stmt(ctx, id) //nolint:sqlclosecheck // a cached prepared statement: stmtCache.close, or the transaction, closes it
	if err != nil {
		return nil, err
	}
	return s.QueryContext(ctx, args...)
}

// execOne runs a statement that must change exactly one row, returning
// store.ErrNotFound when it changes none.
func (c *conn) execOne(ctx context.Context, id qid, args ...any) error {
	n, err := c.execCount(ctx, id, args...)
	if err != nil {
		return err
	}
	if n == 0 {
		return store.ErrNotFound
	}
	return nil
}

// execCount runs a statement and reports how many rows it changed.
func (c *conn) execCount(ctx context.Context, id qid, args ...any) (int64, error) {
	args, err := c.bind(id, args)
	if err != nil {
		return 0, err
	}
	ctx, s, err := c.stmt(ctx, id) //nolint:sqlclosecheck // a cached prepared statement: stmtCache.close, or the transaction, closes it
	if err != nil {
		return 0, err
	}
	res, err := s.ExecContext(ctx, args...)
	if err != nil {
		return 0, c.d.conflict(err)
	}
	c.wrote(res)
	return res.RowsAffected()
}

func (c *conn) exec(ctx context.Context, id qid, args ...any) error {
	args, err := c.bind(id, args)
	if err != nil {
		return err
	}
	ctx, s, err := c.stmt(ctx, id) //nolint:sqlclosecheck // a cached prepared statement: stmtCache.close, or the transaction, closes it
	if err != nil {
		return err
	}
	res, err := s.ExecContext(ctx, args...)
	c.wrote(res)
	return c.d.conflict(err)
}

// insertID runs an insert that reports the new row's id. It returns
// sql.ErrNoRows when ON CONFLICT DO NOTHING inserted nothing.
func (c *conn) insertID(ctx context.Context, id qid, args ...any) (int64, error) {
	if c.d.LastInsertID {
		args, err := c.bind(id, args)
		if err != nil {
			return 0, err
		}
		ctx, s, err := c.stmt(ctx, id) //nolint:sqlclosecheck // a cached prepared statement: stmtCache.close, or the transaction, closes it
		if err != nil {
			return 0, err
		}
		res, err := s.ExecContext(ctx, args...)
		if err != nil {
			return 0, c.d.conflict(err)
		}
		c.wrote(res)
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return 0, cmp.Or(err, sql.ErrNoRows)
		}
		return res.LastInsertId()
	}
	row, err := c.queryRow(ctx, id, args...)
	if err != nil {
		return 0, err
	}
	var newID int64
	if err := row.Scan(&newID); err != nil {
		return 0, c.d.conflict(err)
	}
	if c.rows != nil {
		c.rows.Add(1) // RETURNING id: one row inserted
	}
	return newID, nil
}

// stmtCache prepares each named query once per pool, on first use, and
// (CacheDynamic) each distinct dynamic query text up to maxDynamic.
type stmtCache struct {
	db    *sql.DB
	d     *Dialect
	mu    sync.Mutex
	stmts [numQueries]atomic.Pointer[sql.Stmt]
	dynMu sync.RWMutex
	dyns  map[string]*sql.Stmt
	// wanted are dynamic texts first seen inside a transaction: the
	// writer pool's one connection is the transaction's, so they are
	// prepared before the next one begins (prepareWanted).
	wanted map[string]struct{}
}

// maxDynamic bounds the dynamic statements kept per pool. The texts
// vary only by IN-list length (chunked) and by which optional filters a
// list uses, so a few hundred cover them; past the bound a text is
// simply prepared each time.
const maxDynamic = 512

// dyn returns the prepared statement for the dynamic query q, or nil
// when it is not prepared yet inside a transaction, the cache is full,
// or q does not prepare (the caller then runs it unprepared and reports
// the error).
func (c *stmtCache) dyn(ctx context.Context, q string, inTx bool) *sql.Stmt {
	c.dynMu.RLock()
	s, full := c.dyns[q], len(c.dyns)+len(c.wanted) >= maxDynamic
	c.dynMu.RUnlock()
	if s != nil || full {
		return s
	}
	if inTx {
		c.dynMu.Lock()
		if c.wanted == nil {
			c.wanted = map[string]struct{}{}
		}
		c.wanted[q] = struct{}{}
		c.dynMu.Unlock()
		return nil
	}
	return c.prepare(ctx, q)
}

// prepare prepares q on the pool and keeps it; no lock is held while it
// waits for a connection, which a transaction may hold.
func (c *stmtCache) prepare(ctx context.Context, q string) *sql.Stmt {
	s, err := c.db.PrepareContext(ctx, q)
	if err != nil {
		return nil
	}
	c.dynMu.Lock()
	defer c.dynMu.Unlock()
	if prev := c.dyns[q]; prev != nil {
		_ = s.Close() //nolint:sqlclosecheck // another caller prepared it first
		return prev
	}
	if c.dyns == nil {
		c.dyns = map[string]*sql.Stmt{}
	}
	c.dyns[q] = s
	return s
}

// prepareWanted prepares the dynamic texts transactions asked for; it
// runs outside any transaction.
func (c *stmtCache) prepareWanted(ctx context.Context) {
	c.dynMu.Lock()
	qs := make([]string, 0, len(c.wanted))
	for q := range c.wanted {
		qs = append(qs, q)
	}
	clear(c.wanted)
	c.dynMu.Unlock()
	for _, q := range qs {
		c.prepare(ctx, q)
	}
}

func newStmtCache(db *sql.DB, d *Dialect) *stmtCache {
	return &stmtCache{db: db, d: d}
}

func (c *stmtCache) get(ctx context.Context, id qid) (*sql.Stmt, error) {
	if s := c.stmts[id].Load(); s != nil {
		return s, nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if s := c.stmts[id].Load(); s != nil {
		return s, nil
	}
	s, err := c.db.PrepareContext(ctx, c.d.queries[id]) //nolint:sqlclosecheck // kept in the cache; close closes it
	if err != nil {
		return nil, fmt.Errorf("prepare %s: %w", queryDefs[id].name, err)
	}
	c.stmts[id].Store(s)
	return s, nil
}

func (c *stmtCache) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i := range c.stmts {
		if s := c.stmts[i].Swap(nil); s != nil {
			_ = s.Close() //nolint:sqlclosecheck // closing every cached statement is this function's job
		}
	}
	c.dynMu.Lock()
	defer c.dynMu.Unlock()
	for q, s := range c.dyns {
		_ = s.Close()
		delete(c.dyns, q)
	}
}

// notFound turns sql.ErrNoRows into store.ErrNotFound.
func notFound(err error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return store.ErrNotFound
	}
	return err
}

// execDynCount runs a statement built at run time and reports how many
// rows it changed.
func (c *conn) execDynCount(ctx context.Context, q string, args ...any) (int64, error) {
	opCtx, err := c.opContext(ctx)
	if err != nil {
		return 0, err
	}
	res, err := c.runDyn(ctx, opCtx, q, args)
	if err != nil {
		return 0, c.d.conflict(err)
	}
	c.wrote(res)
	return res.RowsAffected()
}
