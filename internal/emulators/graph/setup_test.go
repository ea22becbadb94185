package graph

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

// setup starts an emulator with 300 alerts behind a test server and fetches
// a token through the token endpoint, as a connector would. Each opt
// adjusts the Options before the emulator is built.
func setup(t *testing.T, opts ...func(*Options)) *harness {
	t.Helper()
	clock := emukit.NewFakeClock(t0)
	o := Options{Clock: clock, Alerts: 300, Seed: 1}
	for _, f := range opts {
		f(&o)
	}
	emu := New(o)
	srv := httptest.NewServer(emu.Handler())
	t.Cleanup(srv.Close)
	h := &harness{emu: emu, clock: clock, srv: srv}
	h.token = h.fetchToken(t, DefaultClientID, DefaultClientSecret, Audience+"/.default")
	return h
}

func (h *harness) fetchToken(t *testing.T, id, secret, scope string) string {
	t.Helper()
	form := url.Values{
		"client_id": {id}, "client_secret": {secret}, "scope": {scope}, "grant_type": {"client_credentials"},
	}
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, h.srv.URL+"/"+DefaultTenantID+"/oauth2/v2.0/token", strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if resp.StatusCode != 200 || json.NewDecoder(resp.Body).Decode(&tok) != nil {
		t.Fatalf("token: %d", resp.StatusCode)
	}
	return tok.AccessToken
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
		t.Fatalf("decode %s: %v", r.body, err)
	}
	return m
}

// do sends a request; body is JSON-encoded unless it is a string, and
// Content-Type is application/json unless set in hdr ("" removes it).
func (h *harness) do(t *testing.T, method, path string, body any, hdr ...string) result {
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		raw, _ := json.Marshal(b)
		rd = bytes.NewReader(raw)
	}
	u := path
	if !strings.HasPrefix(u, "http") {
		u = h.srv.URL + path
	}
	req, err := http.NewRequestWithContext(t.Context(), method, u, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+h.token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		if hdr[i+1] == "" {
			req.Header.Del(hdr[i])
		} else {
			req.Header.Set(hdr[i], hdr[i+1])
		}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	b, _ := io.ReadAll(resp.Body)
	return result{resp.StatusCode, resp.Header, b}
}

// errorOf returns error.code and error.message of a Graph error body.
func errorOf(t *testing.T, r result) (string, string) {
	t.Helper()
	e, _ := r.json(t)["error"].(map[string]any)
	if e == nil {
		t.Fatalf("no error object in %s", r.body)
	}
	if _, ok := e["innerError"].(map[string]any); !ok {
		t.Fatalf("no innerError in %s", r.body)
	}
	code, _ := e["code"].(string)
	msg, _ := e["message"].(string)
	return code, msg
}

func (h *harness) firstAlert(t *testing.T, pred func(Alert) bool) Alert {
	t.Helper()
	for _, a := range h.emu.Alerts() {
		if pred(a) {
			return a
		}
	}
	t.Fatal("no alert matches")
	return Alert{}
}
