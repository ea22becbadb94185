package sentinelone

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
}

func setup(t *testing.T, threats, cloud int) *harness {
	t.Helper()
	clock := emukit.NewFakeClock(t0)
	emu := New(Options{Clock: clock, Threats: threats, CloudAlerts: cloud, Seed: 5})
	srv := httptest.NewServer(emu.Handler())
	t.Cleanup(srv.Close)
	return &harness{emu: emu, clock: clock, srv: srv}
}

type result struct {
	status int
	header http.Header
	body   []byte
}

// do sends a request with the emulator's token; auth overrides the
// Authorization header when not empty ("-" sends none).
func (h *harness) do(t *testing.T, method, path string, body any, auth string) result {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, ok := body.([]byte)
		if !ok {
			var err error
			if b, err = json.Marshal(body); err != nil {
				t.Fatal(err)
			}
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(t.Context(), method, h.srv.URL+APIPrefix+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	switch auth {
	case "":
		req.Header.Set("Authorization", "ApiToken "+h.emu.Token())
	case "-":
	default:
		req.Header.Set("Authorization", auth)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	b, _ := io.ReadAll(resp.Body)
	return result{status: resp.StatusCode, header: resp.Header, body: b}
}

func (r result) decode(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("decode %s: %v", r.body, err)
	}
}

// apiErr returns the first error of a SentinelOne error body, checking
// its shape.
func (r result) apiErr(t *testing.T) apiError {
	t.Helper()
	var b struct {
		Errors []apiError `json:"errors"`
	}
	r.decode(t, &b)
	if len(b.Errors) != 1 || b.Errors[0].Code == 0 || b.Errors[0].Title == "" {
		t.Fatalf("error body %s is not SentinelOne's {errors:[{code,detail,title}]}", r.body)
	}
	return b.Errors[0]
}

func (a apiError) detail() string {
	if a.Detail == nil {
		return ""
	}
	return *a.Detail
}

type threatPage struct {
	Data       []Threat   `json:"data"`
	Pagination pagination `json:"pagination"`
}

type writeAnswer struct {
	Data struct {
		Affected int      `json:"affected"`
		Details  []detail `json:"details"`
	} `json:"data"`
}

func bulkBodyOf(ids []string, data map[string]any) map[string]any {
	return map[string]any{"filter": map[string]any{"ids": ids}, "data": data}
}
