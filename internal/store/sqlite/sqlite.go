// Package sqlite is the embedded default store: one database file in the
// data directory, opened with the pure Go SQLite driver so alertsync stays a
// single static binary. The queries live in sqldb, shared with PostgreSQL.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/alertsync/alertsync/internal/store"
	"github.com/alertsync/alertsync/internal/store/sqldb"
)

// FileName is the database file used when Open is given a directory.
const FileName = "alertsync.db"

//go:embed migrations/*.sql
var migrations embed.FS

// pragmas apply to every connection. WAL lets readers run beside the
// writer; NORMAL sync is durable across application crashes and only risks
// the last transactions on power loss, which WAL keeps consistent.
const pragmas = "_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)"

// Open opens (creating if needed) the database file at path, normally
// inside the data directory; if path is an existing directory the file is
// FileName inside it. Writes go through a single connection, so SQLite
// never has two writers contending for its lock inside one process; reads
// use a separate pool that WAL lets run alongside. Call Migrate before use.
func Open(ctx context.Context, path string) (store.Store, error) {
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		path = filepath.Join(path, FileName)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("open sqlite: create data dir: %w", err)
	}
	name := fileURI(path)
	// BEGIN IMMEDIATE takes the write lock up front, so a transaction never
	// fails halfway on upgrading a read lock held by another process.
	write, err := openPool(ctx, name+fmt.Sprintf("?_pragma=journal_mode(WAL)&_pragma=wal_autocheckpoint(%d)&_pragma=journal_size_limit(%d)&_txlock=immediate&",
		backstopPages, journalLimit)+pragmas, 1)
	if err != nil {
		return nil, fmt.Errorf("open sqlite writer: %w", err)
	}
	read, err := openPool(ctx, name+"?_pragma=query_only(1)&"+pragmas, max(4, runtime.GOMAXPROCS(0)))
	if err != nil {
		_ = write.Close()
		return nil, fmt.Errorf("open sqlite readers: %w", err)
	}
	ckpt, err := openPool(ctx, name+"?"+pragmas, 1)
	if err != nil {
		_ = write.Close()
		_ = read.Close()
		return nil, fmt.Errorf("open sqlite checkpointer: %w", err)
	}
	cctx, stop := context.WithCancel(context.Background())
	db := &DB{DB: sqldb.New(dialect(), write, read), ckpt: ckpt, stop: stop, done: make(chan struct{}), walPath: path + "-wal"}
	go db.checkpoints(cctx)
	return db, nil
}

// DB is the SQLite store: the shared queries, and a checkpointer.
type DB struct {
	*sqldb.DB
	ckpt    *sql.DB
	stop    context.CancelFunc
	done    chan struct{}
	walPath string
	log     logStats
}

// Checkpoints: a commit that finds the write-ahead log past SQLite's
// automatic threshold (1,000 pages) copies the log into the database file
// and syncs it before it returns, which made one commit in a hundred take
// 7 ms instead of half of one (the verdict → vendor p99). The writer's
// threshold is raised to a backstop, and a connection of its own copies
// the log every checkpointEvery, PASSIVE: it waits for no reader or
// writer, and the writer goes on appending meanwhile. Once a checkpoint
// has copied the whole log, the next write starts it again from the top,
// and journalLimit truncates a log a burst grew.
const (
	checkpointEvery = 250 * time.Millisecond
	// backstopPages is the writer's own automatic checkpoint, for a
	// checkpointer fallen behind: 64 MiB of log at 4 KiB pages.
	backstopPages = 16384
	journalLimit  = 64 << 20
)

func (db *DB) checkpoints(ctx context.Context) {
	defer close(db.done)
	t := time.NewTicker(checkpointEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		// The log's header is read before the checkpoint: the log starts
		// again only at the first write after a checkpoint has copied all
		// of it, so under load that restart falls right after this
		// checkpoint, not between the two reads.
		gen, pageSize, headed := walHeader(db.walPath)
		var busy, logged, copied int
		// A failed checkpoint leaves the log to the next one, or to the
		// writer's backstop.
		err := db.ckpt.QueryRowContext(ctx, "PRAGMA wal_checkpoint(PASSIVE)").Scan(&busy, &logged, &copied)
		if err == nil && headed {
			db.log.observe(gen, pageSize, logged, copied)
		}
	}
}

// logStats is what the write-ahead log has cost, as the checkpointer
// sees it every checkpointEvery (WriteStats): the frames written to it
// and the fsyncs that made them durable. Commits do not sync (NORMAL);
// a checkpoint that copies frames syncs the log first, and the database
// file once it has copied all of the log.
//
// Frames are counted per generation of the log (its salt, which changes
// each time the log starts again from the top). A generation ends only
// after a checkpoint has copied all of it, and this checkpointer makes
// them every checkpointEvery, so it sees every generation's frames; the
// writer's backstop checkpoint, for a checkpointer fallen far behind, can
// end one unseen, and its frames then go uncounted.
type logStats struct {
	frames, syncs atomic.Int64
	frameSize     atomic.Int64
	// The last look: the generation, its frames and those copied.
	gen            uint32
	logged, copied int
}

// observe counts what changed since the last look.
func (l *logStats) observe(gen uint32, pageSize, logged, copied int) {
	prevLogged, prevCopied := l.logged, l.copied
	if gen != l.gen {
		prevLogged, prevCopied = 0, 0
	}
	if logged > prevLogged {
		l.frames.Add(int64(logged - prevLogged))
	}
	if copied > prevCopied {
		l.syncs.Add(1)
		if copied == logged {
			l.syncs.Add(1)
		}
	}
	l.gen, l.logged, l.copied = gen, logged, copied
	l.frameSize.Store(int64(walFrameHeader + pageSize))
}

// walFrameHeader is the header before each page in the log.
const walFrameHeader = 24

// walHeader reads the log's generation (salt-1, which SQLite increments
// each time the log starts again) and page size from its 32-byte header.
func walHeader(path string) (gen uint32, pageSize int, ok bool) {
	f, err := os.Open(path)
	if err != nil {
		return 0, 0, false
	}
	defer func() { _ = f.Close() }()
	var h [32]byte
	if _, err := f.ReadAt(h[:], 0); err != nil {
		return 0, 0, false
	}
	return binary.BigEndian.Uint32(h[16:20]), int(binary.BigEndian.Uint32(h[8:12])), true
}

// WriteStats implements store.WriteStatser: the shared counts, and what
// the write-ahead log cost (logStats).
func (db *DB) WriteStats() store.WriteStats {
	ws := db.DB.WriteStats()
	ws.Syncs = db.log.syncs.Load()
	ws.LogBytes = db.log.frames.Load() * db.log.frameSize.Load()
	return ws
}

// Close stops the checkpointer and closes the store.
func (db *DB) Close() error {
	db.stop()
	<-db.done
	return errors.Join(db.ckpt.Close(), db.DB.Close())
}

func openPool(ctx context.Context, dsn string, conns int) (*sql.DB, error) {
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(conns)
	db.SetMaxIdleConns(conns)
	db.SetConnMaxIdleTime(0)
	db.SetConnMaxLifetime(0)
	if err := db.PingContext(ctx); err != nil {
		_ = db.Close()
		return nil, err
	}
	return db, nil
}

// fileURI escapes the characters that would end the path part of a
// file: URI early.
func fileURI(path string) string {
	r := strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23")
	return "file:" + r.Replace(filepath.ToSlash(path))
}

func dialect() *sqldb.Dialect {
	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		panic(err) // the embedded directory always exists
	}
	return &sqldb.Dialect{
		Name:              "sqlite",
		LastInsertID:      true,
		CacheDynamic:      true,
		EntitiesByInsert:  true,
		Contains:          "instr",
		IsUniqueViolation: isUniqueViolation,
		Migrations:        sub,
	}
}

func isUniqueViolation(err error) bool {
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return false
	}
	return se.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || se.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
}
