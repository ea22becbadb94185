package api_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/alertsync/alertsync/internal/store/storetest"
)

// The fuzz targets send arbitrary bodies to the push intake and to the
// verdict and comment routes, on SQLite and on PostgreSQL. The property:
// nothing panics, nothing answers 500, and every answer is one the OpenAPI
// document lists for the operation, in the documented shape (env.send
// checks that). Without -fuzz, `go test` runs the seeds below.

// fuzzEnvs sets up one env per store. Without a PostgreSQL server the
// target skips, except in CI where it fails (see storetest.OpenPostgres).
func fuzzEnvs(f *testing.F) []*env {
	var envs []*env
	for _, sk := range storetest.Stores {
		e := setupWith(f, sk.Open)
		// Under -fuzz the inputs run in worker processes, so this
		// process's envs would log nothing and fail the secret check as
		// vacuous.
		e.do("GET", "/healthz", "", nil).want(f, http.StatusOK)
		envs = append(envs, e)
	}
	return envs
}

func FuzzIntake(f *testing.F) {
	seeds := []string{
		`{"id":"s-plain","title":"plain"}`,
		"{\"id\":\"s-rawnul\",\"title\":\"a\x00b\"}",
		`{"id":"s-escnul","title":"a\u0000b","description":"\u0000","hosts":["h\u0000"]}`,
		"{\"id\":\"s-utf8\",\"title\":\"\xff\xfe\",\"description\":\"caf\xe9\"}",
		`{"id":"s-longtitle","title":"` + strings.Repeat("T", 200_000) + `"}`,
		`{"id":"s-longdesc","title":"big","description":"` + strings.Repeat("D", 3<<20) + `"}`,
		`{"id":" spaced id ✓ ünï \u0001\u001f\t end ","title":"t"}`,
		"{\"id\":\"\xff\xfe\",\"title\":\"bad id\"}",
		`{"id":"` + strings.Repeat("v", 600) + `","title":"long id"}`,
		`[{"id":"s-g1","title":"ok"},{"id":"s-b\u0000","title":"x"},{"id":"s-g2","title":"ok"}]`,
		"{\"alerts\":[{\"id\":\"s-g3\",\"title\":\"ok\"},{\"id\":\"s-\xff\",\"title\":\"x\"},{\"title\":\"no id\"},7]}",
		"\xff\xfe",
		"",
		"[]",
		"null",
		strings.Repeat("[", 20_000),
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	envs := fuzzEnvs(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, e := range envs {
			r := e.on(t).pushTo("/api/v1/intake/hook", "X-Alertsync-Intake-Key", hookKey, string(body))
			if r.status >= http.StatusInternalServerError {
				t.Errorf("push answered %d: %s", r.status, r.body)
			}
		}
	})
}

func FuzzAPIBody(f *testing.F) {
	seeds := []string{
		`{"verdict":"suspicious","reason":"fine"}`,
		`{"verdict":"threat","published":true}`,
		`{"verdict":"threat","reason":"a\u0000b"}`,
		"{\"verdict\":\"threat\",\"reason\":\"a\x00b\"}",
		"{\"verdict\":\"threat\",\"reason\":\"\xff\xfe\"}",
		`{"verdict":"threat","reason":"` + strings.Repeat("r", 1_000_000) + `"}`,
		`{"verdict":"threat","reason":"` + strings.Repeat("r", 200_000) + `"}`,
		`{"body":"fine"}`,
		`{"body":"x\u0000y"}`,
		"{\"body\":\"\xff\"}",
		`{"body":"` + strings.Repeat("b", 3<<20) + `"}`,
		`{"body":"   "}`,
		`{"verdict":"threat"}{"verdict":"threat"}`,
		`{"ver\u0000dict":"threat"}`,
		"\xff\xfe",
		"",
		"null",
		"[]",
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	envs := fuzzEnvs(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, e := range envs {
			e := e.on(t)
			for _, path := range []string{
				fmt.Sprintf("/api/v1/alerts/%d/verdict", e.ids["a2"]),
				fmt.Sprintf("/api/v1/alerts/%d/comments", e.ids["a2"]),
				fmt.Sprintf("/api/v1/incidents/%d/comments", e.incident),
			} {
				r := e.do("POST", path, analystToken, string(body))
				if r.status >= http.StatusInternalServerError {
					t.Errorf("POST %s answered %d: %s", path, r.status, r.body)
				}
			}
		}
	})
}
