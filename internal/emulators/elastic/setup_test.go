package elastic

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

var t0 = time.Date(2026, 3, 31, 9, 0, 0, 0, time.UTC)

type harness struct {
	emu   *Emulator
	clock *emukit.FakeClock
	srv   *httptest.Server
}

func setup(t *testing.T, n int) *harness {
	t.Helper()
	clock := emukit.NewFakeClock(t0)
	emu := New(Options{Clock: clock, Alerts: n, Seed: 3, Spaces: []string{"soc"}, CustomReasons: []string{"tuning_needed"}})
	srv := httptest.NewServer(emu.Handler())
	t.Cleanup(srv.Close)
	return &harness{emu: emu, clock: clock, srv: srv}
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

// call sends a request with the emulator's API key and, on writes,
// kbn-xsrf; hdr entries override (an empty value removes the header).
func (h *harness) call(t *testing.T, method, path, body string, hdr map[string]string) result {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, h.srv.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "ApiKey "+h.emu.EncodedAPIKey())
	if method != http.MethodGet {
		req.Header.Set("kbn-xsrf", "true")
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range hdr {
		if v == "" {
			req.Header.Del(k)
		} else {
			req.Header.Set(k, v)
		}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	b, _ := io.ReadAll(resp.Body)
	return result{status: resp.StatusCode, header: resp.Header, body: b}
}

const (
	searchPath = "/api/detection_engine/signals/search"
	statusPath = "/api/detection_engine/signals/status"
	tagsPath   = "/api/detection_engine/signals/tags"
	notePath   = "/api/note"
)

// hitIDs returns the _id of every hit of a search answer.
func hitIDs(t *testing.T, r result) []string {
	t.Helper()
	var resp searchResponse
	if err := json.Unmarshal(r.body, &resp); err != nil {
		t.Fatalf("decode search answer %s: %v", r.body, err)
	}
	ids := make([]string, len(resp.Hits.Hits))
	for i, h := range resp.Hits.Hits {
		ids[i] = h.ID
	}
	return ids
}

// fixture adds alerts with chosen fields to an empty emulator, in the
// mixed shape Kibana indexes: kibana.alert.* dotted, ECS fields nested.
func (h *harness) fixture(t *testing.T) []string {
	t.Helper()
	docs := []map[string]any{
		{"@timestamp": "2026-03-31T08:00:00.000Z", "kibana.alert.uuid": "a1", "kibana.alert.workflow_status": "open",
			"kibana.alert.severity": "high", "kibana.alert.risk_score": 73, "host": map[string]any{"name": "dc01.contoso.com"}},
		{"@timestamp": "2026-03-31T08:05:00.000Z", "kibana.alert.uuid": "a2", "kibana.alert.workflow_status": "closed",
			"kibana.alert.workflow_status_updated_at": "2026-03-31T08:30:00.000Z", "kibana.alert.workflow_reason": "duplicate",
			"kibana.alert.severity": "low", "kibana.alert.risk_score": 21, "host": map[string]any{"name": "ws-fin-0142.contoso.com"}},
		{"@timestamp": "2026-03-31T08:05:00.000Z", "kibana.alert.uuid": "a3", "kibana.alert.workflow_status": "acknowledged",
			"kibana.alert.workflow_status_updated_at": "2026-03-31T08:10:00.000Z", "kibana.alert.building_block_type": "default",
			"kibana.alert.severity": "medium", "kibana.alert.risk_score": 47, "host": map[string]any{"name": "dc01.contoso.com"}},
		{"@timestamp": "2026-03-31T08:20:00.000Z", "kibana": map[string]any{"alert": map[string]any{"uuid": "a4", "workflow_status": "open", "severity": "critical"}},
			"host.name": "srv-sql-0914.contoso.com"},
	}
	var ids []string
	for _, d := range docs {
		ids = append(ids, h.emu.AddAlert(DefaultSpace, d))
	}
	return ids
}
