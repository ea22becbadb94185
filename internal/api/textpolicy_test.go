package api_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/alertsync/alertsync/internal/engine"
	"github.com/alertsync/alertsync/internal/model"
	"github.com/alertsync/alertsync/internal/store/storetest"
)

// TestAPITextPolicy checks, on both stores, that API input breaking the
// text policy is refused with a 400 naming the field, and changes nothing.
func TestAPITextPolicy(t *testing.T) {
	t.Parallel()
	for _, sk := range storetest.Stores {
		t.Run(sk.Name, func(t *testing.T) {
			t.Parallel()
			testAPITextPolicy(t, setupWith(t, sk.Open))
		})
	}
}

func testAPITextPolicy(t *testing.T, e *env) {
	alert := fmt.Sprintf("/api/v1/alerts/%d", e.ids["a2"])
	incident := fmt.Sprintf("/api/v1/incidents/%d", e.incident)
	tests := []struct {
		name, method, path, body string
		status                   int
		message                  string
	}{
		{"reason with escaped NUL", "POST", alert + "/verdict", `{"verdict":"threat","reason":"a\u0000b"}`, 400, "reason: contains a NUL byte"},
		{"reason with raw NUL", "POST", alert + "/verdict", "{\"verdict\":\"threat\",\"reason\":\"a\x00b\"}", 400, "reason: contains a NUL byte"},
		{"reason with invalid UTF-8", "POST", alert + "/verdict", "{\"verdict\":\"threat\",\"reason\":\"\xff\xfe\"}", 400, "reason: is not valid UTF-8"},
		{"1 MB reason", "POST", alert + "/verdict", `{"verdict":"threat","reason":"` + strings.Repeat("r", 1_000_000) + `"}`, 400,
			fmt.Sprintf("reason: is 1000000 bytes, over the limit of %d", model.MaxReasonLen)},
		{"reason one over", "POST", incident + "/verdict", `{"verdict":"threat","reason":"` + strings.Repeat("é", model.MaxReasonLen/2) + `x"}`, 400,
			fmt.Sprintf("reason: is %d bytes, over the limit of %d", model.MaxReasonLen+1, model.MaxReasonLen)},
		{"verdict with invalid UTF-8", "POST", alert + "/verdict", "{\"verdict\":\"thr\xffeat\"}", 400, "verdict: is not valid UTF-8"},
		{"unknown member with NUL", "POST", alert + "/verdict", `{"verdict":"threat","re\u0000ason":"x"}`, 400, "request body: has a member name that contains a NUL byte"},
		{"nested invalid UTF-8", "POST", alert + "/verdict", "{\"verdict\":\"threat\",\"extra\":{\"a\":[\"ok\",\"\xff\"]}}", 400, "extra.a[1]: is not valid UTF-8"},
		{"raw NUL in a member name", "POST", alert + "/verdict", "{\"verdict\":\"threat\",\"re\x00ason\":\"x\"}", 400, "request body: has a member name that contains a NUL byte"},
		{"invalid UTF-8 in a top-level array", "POST", alert + "/verdict", "[\"ok\",\"\xff\"]", 400, "[1]: is not valid UTF-8"},
		{"comment with escaped NUL", "POST", alert + "/comments", `{"body":"x\u0000"}`, 400, "body: contains a NUL byte"},
		{"comment with invalid UTF-8", "POST", incident + "/comments", "{\"body\":\"caf\xe9\"}", 400, "body: is not valid UTF-8"},
		{"comment one over", "POST", alert + "/comments", `{"body":"` + strings.Repeat("c", model.MaxCommentLen+1) + `"}`, 400,
			fmt.Sprintf("body: is %d bytes, over the limit of %d", model.MaxCommentLen+1, model.MaxCommentLen)},
		{"comment of 3 MB", "POST", alert + "/comments", `{"body":"` + strings.Repeat("c", 3<<20) + `"}`, 413, ""},
		{"query with NUL", "GET", "/api/v1/alerts?entity=a%00b", "", 400, "query parameter entity: contains a NUL byte"},
		{"query with invalid UTF-8", "GET", "/api/v1/alerts?entity=%FF%FE", "", 400, "query parameter entity: is not valid UTF-8"},
		{"integration filter with NUL", "GET", "/api/v1/quarantine?integration=%00", "", 400, "query parameter integration: contains a NUL byte"},
		{"unknown parameter with invalid UTF-8", "GET", "/api/v1/incidents?%FF=1", "", 400, "unknown query parameter \"\ufffd\""},
	}
	before := decode[model.Alert](t, e.do("GET", alert, viewerToken, nil).want(t, http.StatusOK))
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var body any
			if tt.body != "" {
				body = tt.body
			}
			token := viewerToken
			if tt.method == "POST" {
				token = analystToken
			}
			r := e.do(tt.method, tt.path, token, body).want(t, tt.status)
			if msg := r.errMessage(t); tt.message != "" && msg != tt.message {
				t.Errorf("message %q, want %q", msg, tt.message)
			}
		})
	}
	a := decode[model.Alert](t, e.do("GET", alert, viewerToken, nil).want(t, http.StatusOK))
	cs := decode[list[model.Comment]](t, e.do("GET", alert+"/comments", viewerToken, nil).want(t, http.StatusOK))
	if a.Verdict != before.Verdict || a.Revision != before.Revision || len(cs.Items) != 0 {
		t.Errorf("refused input changed the alert: verdict %q revision %d comments %d", a.Verdict, a.Revision, len(cs.Items))
	}
	ok := fmt.Sprintf(`{"verdict":"suspicious","reason":%q}`, strings.Repeat("é", model.MaxReasonLen/2))
	e.do("POST", alert+"/verdict", analystToken, ok).want(t, http.StatusOK)
	e.do("POST", alert+"/comments", analystToken, `{"body":"`+strings.Repeat("c", model.MaxCommentLen)+`"}`).want(t, http.StatusCreated)
}

// TestPushTextPolicy checks, on both stores, that bad text in pushed alerts
// never fails a push: the alert is stored with its text repaired, or, when
// its vendor id is unusable, quarantined alone while the rest is ingested.
func TestPushTextPolicy(t *testing.T) {
	t.Parallel()
	for _, sk := range storetest.Stores {
		t.Run(sk.Name, func(t *testing.T) {
			t.Parallel()
			testPushTextPolicy(t, setupWith(t, sk.Open))
		})
	}
}

func testPushTextPolicy(t *testing.T, e *env) {
	tests := []struct {
		name, body string
		status     int
		want       engine.IngestResult
		stored     []string // vendor ids that must be stored clean
	}{
		{"title with escaped NUL", `{"id":"t-nul","title":"bad\u0000title"}`, 202, engine.IngestResult{Created: 1}, []string{"t-nul"}},
		{"title with invalid UTF-8", "{\"id\":\"t-utf8\",\"title\":\"bad \xff\xfe title\"}", 202, engine.IngestResult{Created: 1}, []string{"t-utf8"}},
		{"200k title", `{"id":"t-long","title":"` + strings.Repeat("T", 200_000) + `"}`, 202, engine.IngestResult{Created: 1}, []string{"t-long"}},
		{"3 MB description", `{"id":"d-long","title":"big","description":"` + strings.Repeat("D", 3<<20) + `"}`, 202, engine.IngestResult{Created: 1}, []string{"d-long"}},
		{"vendor id with spaces, unicode and control chars", `{"id":"id with spaces ünï\u0007\t end","title":"ok"}`, 202,
			engine.IngestResult{Created: 1}, []string{"id with spaces ünï\a\t end"}},
		{"vendor id with escaped NUL among good ones", `[{"id":"g1","title":"ok"},{"id":"v\u0000id","title":"x"},{"id":"g2","title":"ok"}]`, 202,
			engine.IngestResult{Created: 2, Quarantined: 1}, []string{"g1", "g2"}},
		{"vendor id with invalid UTF-8 among good ones", "[{\"id\":\"v\xffid\",\"title\":\"x\"},{\"id\":\"g3\",\"title\":\"ok\"}]", 202,
			engine.IngestResult{Created: 1, Quarantined: 1}, []string{"g3"}},
		{"vendor id over the limit", `{"id":"` + strings.Repeat("v", model.MaxVendorIDLen+1) + `","title":"x"}`, 202, engine.IngestResult{Quarantined: 1}, nil},
		{"raw NUL byte", "{\"id\":\"raw-nul\",\"title\":\"a\x00b\"}", 400, engine.IngestResult{}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.pushTo("/api/v1/intake/hook", "X-Alertsync-Intake-Key", hookKey, tt.body).want(t, tt.status)
			if tt.status != http.StatusAccepted {
				return
			}
			if got := decode[engine.IngestResult](t, r); got != tt.want {
				t.Errorf("result %+v, want %+v", got, tt.want)
			}
			for _, id := range tt.stored {
				e.checkStoredClean(t, id)
			}
		})
	}
}

// checkStoredClean fails unless the hook's alert is stored and its text
// keeps the policy.
func (e *env) checkStoredClean(t *testing.T, vendorID string) {
	t.Helper()
	a, err := e.store.AlertGetByVendor(e.ctx, "hook", vendorID)
	if err != nil {
		t.Errorf("alert %q: %v", vendorID, err)
		return
	}
	for _, f := range []struct {
		name, text string
		max        int
	}{{"title", a.Title, model.MaxTitleLen}, {"description", a.Description, model.MaxDescriptionLen}} {
		if err := model.CheckText(f.name, f.text, f.max); err != nil {
			t.Errorf("alert %q stored with %v", vendorID, err)
		}
	}
	if len(a.Raw) > model.MaxRawLen+1024 || !utf8.Valid(a.Raw) {
		t.Errorf("alert %q: raw of %d bytes, valid UTF-8 %v", vendorID, len(a.Raw), utf8.Valid(a.Raw))
	}
}
