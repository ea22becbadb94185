package lacework

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
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

// setup starts an emulator on a TLS test server and fetches a token.
func setup(t *testing.T, o Options) *harness {
	t.Helper()
	clock := emukit.NewFakeClock(t0)
	o.Clock = clock
	if o.Seed == 0 {
		o.Seed = 3
	}
	emu := New(o)
	srv := httptest.NewTLSServer(emu.Handler())
	t.Cleanup(srv.Close)
	h := &harness{emu: emu, clock: clock, srv: srv}
	res := h.tokenRequest(t, DefaultKeyID, DefaultSecret, 3600)
	if res.status != http.StatusCreated {
		t.Fatalf("token: %d %s", res.status, res.body)
	}
	h.token = res.json(t)["token"].(string)
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

// message returns the v2 error body's message.
func (r result) message(t *testing.T) string {
	t.Helper()
	msg, _ := r.json(t)["message"].(string)
	return msg
}

func (h *harness) tokenRequest(t *testing.T, keyID, secret string, expiry int) result {
	t.Helper()
	body := map[string]any{"keyId": keyID, "expiryTime": expiry}
	return h.send(t, http.MethodPost, "/api/v2/access/tokens", body, http.Header{"X-LW-UAKS": {secret}})
}

// call sends an API call with the harness's token as a bearer token.
func (h *harness) call(t *testing.T, method, path string, body any) result {
	t.Helper()
	return h.send(t, method, path, body, http.Header{"Authorization": {"Bearer " + h.token}})
}

func (h *harness) send(t *testing.T, method, path string, body any, hdr http.Header) result {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, ok := body.([]byte)
		if !ok {
			b, _ = json.Marshal(body)
		}
		rd = bytes.NewReader(b)
	}
	u := path
	if len(path) > 0 && path[0] == '/' {
		u = h.srv.URL + path
	}
	req, err := http.NewRequestWithContext(t.Context(), method, u, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	for k, v := range hdr {
		req.Header[k] = v
	}
	resp, err := h.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	b, _ := io.ReadAll(resp.Body)
	return result{resp.StatusCode, resp.Header, b}
}

// list decodes a listing answer.
func (r result) list(t *testing.T) listReply {
	t.Helper()
	var l listReply
	if err := json.Unmarshal(r.body, &l); err != nil {
		t.Fatalf("decode listing %q: %v", r.body, err)
	}
	return l
}

func window(from, to time.Time) string {
	return "/api/v2/Alerts?startTime=" + wireTime(from) + "&endTime=" + wireTime(to)
}
