package sekoia

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
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
	return &harness{emu: emu, clock: clock, srv: srv}
}

type result struct {
	status int
	header http.Header
	body   []byte
}

func (r result) json(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("decode %q: %v", r.body, err)
	}
}

func (r result) message(t *testing.T) string {
	t.Helper()
	var b errorBody
	r.json(t, &b)
	return b.Message
}

// call sends method path with body (JSON when not empty) and the default
// key unless hdr sets Authorization ("" sends none).
func (h *harness) call(t *testing.T, method, path, body string, hdr map[string]string) result {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(t.Context(), method, h.srv.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+DefaultAPIKey)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range hdr {
		if v == "" {
			req.Header.Del(k)
		} else {
			req.Header.Set(k, v)
		}
	}
	resp, err := h.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	return result{status: resp.StatusCode, header: resp.Header, body: b}
}

// list calls GET /v1/sic/alerts with query and decodes the answer.
func (h *harness) list(t *testing.T, query string) (listReply, result) {
	t.Helper()
	r := h.call(t, http.MethodGet, "/v1/sic/alerts?"+query, "", nil)
	var rep listReply
	if r.status == http.StatusOK {
		r.json(t, &rep)
	}
	return rep, r
}
