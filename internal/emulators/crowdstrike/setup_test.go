package crowdstrike

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/alertsync/alertsync/internal/emulators/emukit"
)

var t0 = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

type harness struct {
	emu   *Emulator
	clock *emukit.FakeClock
	srv   *httptest.Server
	token string
}

func setup(t *testing.T, o Options) *harness {
	t.Helper()
	clock := emukit.NewFakeClock(t0)
	o.Clock = clock
	if o.Seed == 0 {
		o.Seed = 3
	}
	emu := New(o)
	srv := httptest.NewServer(emu.Handler())
	t.Cleanup(srv.Close)
	h := &harness{emu: emu, clock: clock, srv: srv}
	res := h.form(t, "/oauth2/token", url.Values{"client_id": {DefaultClientID}, "client_secret": {DefaultClientSecret}}, false)
	if res.status != http.StatusCreated {
		t.Fatalf("token: %d %s", res.status, res.body)
	}
	h.token = res.json(t)["access_token"].(string)
	return h
}

type result struct {
	status int
	header http.Header
	body   []byte
}

func (r result) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("decode %q: %v", r.body, err)
	}
	return m
}

// errMessage returns errors[0].message, checking the msa.ReplyMetaOnly
// shape: meta with a trace id, an errors list, no resources.
func (r result) errMessage(t *testing.T) string {
	t.Helper()
	m := r.json(t)
	mt, _ := m["meta"].(map[string]any)
	errs, _ := m["errors"].([]any)
	if mt == nil || mt["trace_id"] == "" || len(errs) == 0 {
		t.Fatalf("error body %s is not meta+errors", r.body)
	}
	if _, has := m["resources"]; has {
		t.Errorf("error body %s has resources", r.body)
	}
	return errs[0].(map[string]any)["message"].(string)
}

func (h *harness) do(t *testing.T, method, path string, body any, tok string) result {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, ok := body.([]byte)
		if !ok {
			b, _ = json.Marshal(body)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(t.Context(), method, h.srv.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	return send(t, req)
}

func (h *harness) call(t *testing.T, method, path string, body any) result {
	t.Helper()
	return h.do(t, method, path, body, h.token)
}

func (h *harness) form(t *testing.T, path string, form url.Values, basic bool) result {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, h.srv.URL+path, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if basic {
		req.SetBasicAuth(DefaultClientID, DefaultClientSecret)
	}
	return send(t, req)
}

func send(t *testing.T, req *http.Request) result {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	b, _ := io.ReadAll(resp.Body)
	return result{resp.StatusCode, resp.Header, b}
}

// patchBody builds a PATCH v3 body from name/value pairs.
func patchBody(ids []string, kv ...string) map[string]any {
	var acts []map[string]any
	for i := 0; i+1 < len(kv); i += 2 {
		acts = append(acts, map[string]any{"name": kv[i], "value": kv[i+1]})
	}
	return map[string]any{"composite_ids": ids, "action_parameters": acts}
}
