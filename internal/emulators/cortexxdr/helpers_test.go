package cortexxdr

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/alertsync/alertsync/internal/emulators/emukit"
)

var t0 = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

// env is an emulator on a fake clock behind a test server.
type env struct {
	emu   *Emulator
	clock *emukit.FakeClock
	srv   *httptest.Server
}

func setup(t *testing.T, alerts int) *env {
	t.Helper()
	clock := emukit.NewFakeClock(t0)
	emu := New(Options{Clock: clock, Alerts: alerts, Seed: 3})
	srv := httptest.NewServer(emu.Handler())
	t.Cleanup(srv.Close)
	return &env{emu: emu, clock: clock, srv: srv}
}

var nonceSeq atomic.Int64

// nonce returns a fresh 64-character nonce.
func nonce() string {
	s := fmt.Sprintf("n%063d", nonceSeq.Add(1))
	return s
}

// advanced returns the headers of an advanced-key request signed at.
func advanced(id, key, n string, at time.Time) http.Header {
	ts := strconv.FormatInt(at.UnixMilli(), 10)
	sum := sha256.Sum256([]byte(key + n + ts))
	h := http.Header{}
	h.Set(headerAuthID, id)
	h.Set(headerNonce, n)
	h.Set(headerTimestamp, ts)
	h.Set("Authorization", hex.EncodeToString(sum[:]))
	return h
}

// standard returns the headers of a standard-key request.
func standard(id, key string) http.Header {
	h := http.Header{}
	h.Set(headerAuthID, id)
	h.Set("Authorization", key)
	return h
}

// answer is a decoded response.
type answer struct {
	status int
	header http.Header
	body   map[string]any
	raw    []byte
}

// errMsg returns the envelope's err_msg and err_extra.
func (a answer) errMsg() (string, string) {
	reply, _ := a.body["reply"].(map[string]any)
	msg, _ := reply["err_msg"].(string)
	extra, _ := reply["err_extra"].(string)
	return msg, extra
}

// post sends body (marshalled) to path with h.
func (e *env) post(t *testing.T, path string, h http.Header, body any) answer {
	t.Helper()
	b, ok := body.(string)
	if !ok {
		raw, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		b = string(raw)
	}
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, e.srv.URL+path, strings.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	req.Header = h.Clone()
	req.Header.Set("Content-Type", "application/json")
	resp, err := e.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	raw, _ := io.ReadAll(resp.Body)
	a := answer{status: resp.StatusCode, header: resp.Header, raw: raw}
	_ = json.NewDecoder(bytes.NewReader(raw)).Decode(&a.body)
	return a
}

// call signs with the advanced key at the emulator's time and posts
// {"request_data": data}.
func (e *env) call(t *testing.T, path string, data any) answer {
	t.Helper()
	return e.post(t, path, advanced(DefaultAdvancedKeyID, DefaultAdvancedKey, nonce(), e.clock.Now()), map[string]any{"request_data": data})
}

// reply decodes the reply of a successful answer into out.
func reply(t *testing.T, a answer, out any) {
	t.Helper()
	if a.status != http.StatusOK {
		t.Fatalf("status %d: %s", a.status, a.raw)
	}
	var env struct {
		Reply json.RawMessage `json:"reply"`
	}
	if err := json.Unmarshal(a.raw, &env); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(env.Reply, out); err != nil {
		t.Fatalf("decode reply %s: %v", env.Reply, err)
	}
}

// Paths of the calls.
const (
	pathAlertsV2       = "/public_api/v2/alerts/get_alerts_multi_events"
	pathAlertsV1       = "/public_api/v1/alerts/get_alerts"
	pathUpdateAlerts   = "/public_api/v1/alerts/update_alerts"
	pathIncidents      = "/public_api/v1/incidents/get_incidents"
	pathExtra          = "/public_api/v1/incidents/get_incident_extra_data"
	pathMultiExtra     = "/public_api/v1/incidents/get_multiple_incidents_extra_data"
	pathUpdateIncident = "/public_api/v1/incidents/update_incident"
)

type alertPage struct {
	TotalCount  int     `json:"total_count"`
	ResultCount int     `json:"result_count"`
	Alerts      []Alert `json:"alerts"`
}

func ids(as []Alert) []string {
	out := make([]string, len(as))
	for i, a := range as {
		out[i] = a.AlertID
	}
	return out
}
