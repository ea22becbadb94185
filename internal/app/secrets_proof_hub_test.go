package app_test

import (
	"bytes"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/alertsync/alertsync/internal/api"
	"github.com/alertsync/alertsync/internal/app"
	"github.com/alertsync/alertsync/internal/config"
	"github.com/alertsync/alertsync/internal/connector"
	"github.com/alertsync/alertsync/internal/store"
	"github.com/alertsync/alertsync/internal/store/storetest"
	"github.com/alertsync/alertsync/internal/ui"
)

// This file is TestSecretsNeverInClear's hands: the traffic it drives
// through the API, and the reading back of every answer and of the store.

// hubClient drives the running hub through its API and reads it back.
type hubClient struct {
	t    *testing.T
	base string
	a    *app.App
	n    int // alerts handled so far per integration, so each round takes fresh ones
}

func (h *hubClient) call(c *http.Client, method, path, token, ctype, body string) (int, []byte) {
	h.t.Helper()
	req, err := http.NewRequestWithContext(h.t.Context(), method, h.base+path, strings.NewReader(body))
	if err != nil {
		h.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	resp, err := c.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	b, _ := io.ReadAll(resp.Body)
	var head bytes.Buffer
	_ = resp.Header.Write(&head)
	return resp.StatusCode, append(head.Bytes(), b...)
}

// traffic is one round: an alert pushed to the intake; on a fresh alert of
// every integration a verdict and a comment; a verdict on an incident of
// every integration that has one; an alert pushed to every integration
// that takes pushes; then the outbox run until nothing is due.
func (h *hubClient) traffic(round string) {
	h.t.Helper()
	ctx := h.t.Context()
	st := h.a.Store()
	pushed := fmt.Sprintf(`{"id":"proof-%d","title":"Beacon to a rare domain","severity":"high"}`, h.n)
	if code, body := h.call(http.DefaultClient, "POST", "/api/v1/intake/push", proofIntake, "application/json", pushed); code != http.StatusAccepted {
		h.t.Fatalf("%s round: intake push = %d %s", round, code, body)
	}
	rows, err := st.IntegrationList(ctx)
	if err != nil {
		h.t.Fatal(err)
	}
	for _, row := range rows {
		as, err := st.AlertList(ctx, store.AlertListParams{Integration: row.ID, Limit: h.n + 1})
		if err != nil {
			h.t.Fatal(err)
		}
		if len(as) > h.n {
			id := as[h.n].ID
			h.post(round, fmt.Sprintf("/api/v1/alerts/%d/verdict", id), `{"verdict":"not_a_threat","reason":"proof round"}`)
			h.post(round, fmt.Sprintf("/api/v1/alerts/%d/comments", id), `{"body":"looked at it in the proof"}`)
			if in, ok := h.a.Engine().Integration(row.ID); ok && connector.CapabilitiesOf(in.Connector).Push {
				h.post(round, fmt.Sprintf("/api/v1/alerts/%d/push", as[0].ID), fmt.Sprintf(`{"integration":%q}`, row.ID))
			}
		}
		incs, err := st.IncidentList(ctx, store.IncidentListParams{Integration: row.ID, Limit: h.n + 1})
		if err != nil {
			h.t.Fatal(err)
		}
		if len(incs) > h.n {
			h.post(round, fmt.Sprintf("/api/v1/incidents/%d/verdict", incs[h.n].ID), `{"verdict":"threat","published":true,"reason":"proof round"}`)
		}
	}
	h.n++
	for range 200 {
		n, err := h.a.Outbox().RunOnce(ctx)
		if err != nil {
			h.t.Fatal(err)
		}
		if n == 0 {
			return
		}
	}
	h.t.Fatalf("%s round: the outbox still had work after 200 batches", round)
}

func (h *hubClient) post(round, path, body string) {
	h.t.Helper()
	if code, b := h.call(http.DefaultClient, "POST", path, proofAnalyst, "application/json", body); code >= 300 {
		h.t.Errorf("%s round: POST %s = %d %s", round, path, code, b)
	}
}

// answers GETs every route of the API (as admin, with a bearer token)
// and of the console (logged in as admin), each path parameter filled in
// with every integration, an alert and an incident of each integration.
func (h *hubClient) answers() []leakSource {
	h.t.Helper()
	ids := h.ids()
	var out []leakSource
	for _, r := range api.Routes() {
		if r.Method == http.MethodGet {
			for _, p := range expand(r.Pattern, ids) {
				_, b := h.call(http.DefaultClient, "GET", p, proofAdmin, "", "")
				out = append(out, leakSource{"GET " + p, b})
			}
		}
	}
	_, b := h.call(http.DefaultClient, "GET", "/api/v1/alerts?include_raw=true&limit=1000", proofAdmin, "", "")
	out = append(out, leakSource{"GET /api/v1/alerts?include_raw=true", b})
	console := h.login()
	for _, r := range ui.Routes() {
		if r.Method == http.MethodGet {
			for _, p := range expand(r.Pattern, ids) {
				_, b := h.call(console, "GET", p, "", "", "")
				out = append(out, leakSource{"console GET " + p, b})
			}
		}
	}
	return out
}

// login is a browser logged in to the console with the admin token.
func (h *hubClient) login() *http.Client {
	h.t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		h.t.Fatal(err)
	}
	c := &http.Client{Jar: jar}
	_, page := h.call(c, "GET", "/login", "", "", "")
	m := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindSubmatch(page)
	if m == nil {
		h.t.Fatalf("login page without a CSRF value:\n%s", page)
	}
	form := url.Values{"csrf": {string(m[1])}, "token": {proofAdmin}}.Encode()
	if code, b := h.call(c, "POST", "/login", "", "application/x-www-form-urlencoded", form); code != http.StatusOK {
		h.t.Fatalf("console login = %d %s", code, b)
	}
	return c
}

// ids are the values a path parameter takes, by the collection it names.
func (h *hubClient) ids() map[string][]string {
	h.t.Helper()
	ctx := h.t.Context()
	ids := map[string][]string{}
	rows, err := h.a.Store().IntegrationList(ctx)
	if err != nil {
		h.t.Fatal(err)
	}
	for _, row := range rows {
		ids["integration"] = append(ids["integration"], row.ID)
		as, _ := h.a.Store().AlertList(ctx, store.AlertListParams{Integration: row.ID, Limit: 1})
		for _, x := range as {
			ids["alerts"] = append(ids["alerts"], fmt.Sprint(x.ID))
		}
		incs, _ := h.a.Store().IncidentList(ctx, store.IncidentListParams{Integration: row.ID, Limit: 1})
		for _, x := range incs {
			ids["incidents"] = append(ids["incidents"], fmt.Sprint(x.ID))
		}
	}
	return ids
}

// expand fills a route pattern's parameter with every value ids holds for
// it: {integration} by integration, {id} by the collection before it (1
// for a collection the test made nothing in).
func expand(pattern string, ids map[string][]string) []string {
	pattern = strings.TrimSuffix(pattern, "{$}")
	open := strings.Index(pattern, "{")
	if open < 0 {
		return []string{pattern}
	}
	end := strings.Index(pattern, "}")
	name := pattern[open+1 : end]
	if name == "id" {
		segs := strings.Split(strings.TrimSuffix(pattern[:open], "/"), "/")
		name = segs[len(segs)-1]
	}
	vals := ids[name]
	if len(vals) == 0 {
		vals = []string{"1"}
	}
	var out []string
	for _, v := range vals {
		out = append(out, pattern[:open]+v+pattern[end+1:])
	}
	return out
}

// sqliteFiles keeps the hub on SQLite and reads its files byte by byte.
func sqliteFiles(t *testing.T, cfg *config.Config) func(t *testing.T) []leakSource {
	return func(t *testing.T) []leakSource {
		t.Helper()
		var out []leakSource
		for _, suffix := range []string{"", "-wal", "-shm"} {
			name := filepath.Join(cfg.DataDir, "alertsync.db"+suffix)
			b, err := os.ReadFile(name)
			switch {
			case errors.Is(err, os.ErrNotExist) && suffix != "":
				continue // checkpointed and removed at close
			case err != nil || len(b) == 0:
				t.Fatalf("read alertsync.db%s: %d bytes, %v", suffix, len(b), err)
			}
			out = append(out, leakSource{"alertsync.db" + suffix, b})
		}
		return out
	}
}

// postgresColumns puts the hub on a PostgreSQL schema of its own and
// reads every column of every table in it: bytea as stored, anything else
// as text. (The test server's DSN holds no password to search for.)
func postgresColumns(t *testing.T, cfg *config.Config) func(t *testing.T) []leakSource {
	dsn := storetest.PostgresSchemaDSN(t)
	cfg.Store.Driver, cfg.Store.DSN = "postgres", config.NewSecret(dsn)
	return func(t *testing.T) []leakSource {
		t.Helper()
		db, err := sql.Open("pgx", dsn)
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = db.Close() }()
		rows, err := db.QueryContext(t.Context(), `SELECT table_name, column_name, data_type FROM information_schema.columns
			WHERE table_schema = current_schema() ORDER BY table_name, column_name`)
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = rows.Close() }()
		var cols [][3]string
		for rows.Next() {
			var c [3]string
			if err := rows.Scan(&c[0], &c[1], &c[2]); err != nil {
				t.Fatal(err)
			}
			cols = append(cols, c)
		}
		if err := rows.Err(); err != nil || len(cols) == 0 {
			t.Fatalf("columns: %d, %v", len(cols), err)
		}
		var out []leakSource
		for _, c := range cols {
			out = append(out, leakSource{"column " + c[0] + "." + c[1], readColumn(t, db, c[0], c[1], c[2] == "bytea")})
		}
		return out
	}
}

// readColumn is every value of one column, one a line.
func readColumn(t *testing.T, db *sql.DB, table, column string, raw bool) []byte {
	t.Helper()
	expr := `"` + column + `"`
	if !raw {
		expr += "::text"
	}
	rows, err := db.QueryContext(t.Context(), `SELECT `+expr+` FROM "`+table+`"`)
	if err != nil {
		t.Fatalf("read %s.%s: %v", table, column, err)
	}
	defer func() { _ = rows.Close() }()
	var out bytes.Buffer
	for rows.Next() {
		var v []byte
		if err := rows.Scan(&v); err != nil {
			t.Fatalf("read %s.%s: %v", table, column, err)
		}
		out.Write(v)
		out.WriteByte('\n')
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("read %s.%s: %v", table, column, err)
	}
	return out.Bytes()
}
