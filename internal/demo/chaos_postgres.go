package demo

import (
	"bufio"
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the chaos run's admin connection
)

// chaosDB is the database of one chaos run on a PostgreSQL server, made
// fresh for it and dropped at the end; admin is a connection to the
// server's own database the run uses to cut connections.
type chaosDB struct {
	name  string
	dsn   string // the run's database
	admin *sql.DB
	host  string
	port  string
}

// createChaosDB creates a fresh database on the server adminDSN (a URL)
// names.
func createChaosDB(ctx context.Context, adminDSN string) (*chaosDB, error) {
	u, err := url.Parse(adminDSN)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return nil, fmt.Errorf("--postgres-dsn: want a postgres:// URL")
	}
	admin, err := sql.Open("pgx", adminDSN)
	if err != nil {
		return nil, fmt.Errorf("open postgres: %w", err)
	}
	name := "alertsync_chaos_" + strings.ToLower(rand.Text()[:12])
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		_ = admin.Close()
		return nil, fmt.Errorf("create the chaos database: %w", err)
	}
	own := *u
	own.Path = "/" + name
	q := own.Query()
	q.Del("search_path")
	own.RawQuery = q.Encode()
	port := u.Port()
	if port == "" {
		port = "5432"
	}
	return &chaosDB{name: name, dsn: own.String(), admin: admin, host: u.Hostname(), port: port}, nil
}

// drop removes the run's database, whoever is still connected to it.
func (db *chaosDB) drop() error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var err error
	for range 20 { // the server may be coming back from a restart
		if _, err = db.admin.ExecContext(ctx, "DROP DATABASE IF EXISTS "+db.name+" WITH (FORCE)"); err == nil {
			break
		}
		time.Sleep(500 * time.Millisecond)
	}
	return errors.Join(err, db.admin.Close())
}

// cut ends every connection to the run's database (and no other), as a
// failover or a network cut does; it returns how many it ended.
func (db *chaosDB) cut(ctx context.Context) (int, error) {
	var n int
	err := db.admin.QueryRowContext(ctx,
		"SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
		db.name).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("cut connections: %w", err)
	}
	return n, nil
}

// postgresCluster finds the local cluster serving db's port with
// pg_ctlcluster's layout (/etc/postgresql/<version>/<cluster>), or says
// why the run cannot restart the server.
func (db *chaosDB) postgresCluster() (version, name string, why error) {
	if db.host != "127.0.0.1" && db.host != "localhost" && db.host != "::1" {
		return "", "", fmt.Errorf("the server %s is not local", db.host)
	}
	if _, err := exec.LookPath("pg_ctlcluster"); err != nil {
		return "", "", errors.New("pg_ctlcluster is not installed")
	}
	confs, _ := filepath.Glob("/etc/postgresql/*/*/postgresql.conf")
	for _, c := range confs {
		if confPort(c) == db.port {
			dir := filepath.Dir(c)
			return filepath.Base(filepath.Dir(dir)), filepath.Base(dir), nil
		}
	}
	return "", "", fmt.Errorf("no cluster under /etc/postgresql listens on port %s", db.port)
}

// confPort reads the port a postgresql.conf sets (5432 when it sets
// none).
func confPort(path string) string {
	f, err := os.Open(path) //nolint:gosec // the server's own config, found above
	if err != nil {
		return ""
	}
	defer func() { _ = f.Close() }()
	port := "5432"
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line, _, _ := strings.Cut(sc.Text(), "#")
		k, v, ok := strings.Cut(line, "=")
		if ok && strings.TrimSpace(k) == "port" {
			port = strings.Trim(strings.TrimSpace(v), "'")
		}
	}
	return port
}

// restartServer restarts the local PostgreSQL server mid-run and waits
// until it answers again. It returns what happened, in the report's
// words: "restarted in 2.1s" or "skipped: <reason>".
func (db *chaosDB) restartServer(ctx context.Context) (string, bool) {
	version, name, why := db.postgresCluster()
	if why != nil {
		return "skipped: " + why.Error(), false
	}
	start := time.Now()
	out, err := exec.CommandContext(ctx, "pg_ctlcluster", "--skip-systemctl-redirect", version, name, "restart").CombinedOutput()
	if err != nil {
		return fmt.Sprintf("skipped: pg_ctlcluster %s %s restart: %v: %s", version, name, err, strings.TrimSpace(string(out))), false
	}
	for time.Since(start) < time.Minute && ctx.Err() == nil {
		if db.admin.PingContext(ctx) == nil {
			return fmt.Sprintf("restarted %s/%s in %.1fs", version, name, time.Since(start).Seconds()), true
		}
		time.Sleep(200 * time.Millisecond)
	}
	return fmt.Sprintf("restarted %s/%s, but it did not answer within a minute", version, name), true
}
