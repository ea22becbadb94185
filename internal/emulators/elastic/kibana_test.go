package elastic

import (
	"encoding/base64"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestAuthentication(t *testing.T) {
	t.Parallel()
	h := setup(t, 3)
	wrong := base64.StdEncoding.EncodeToString([]byte(DefaultAPIKeyID + ":not-the-key"))
	tests := []struct {
		name, auth string
		status     int
		msg        string
	}{
		{"no header", "", 401, msgUnauthorized},
		{"wrong key", "ApiKey " + wrong, 401, msgBadAPIKey},
		{"bearer scheme", "Bearer " + h.emu.EncodedAPIKey(), 401, msgBadAPIKey},
		{"not base64", "ApiKey %%%", 401, msgBadAPIKey},
		{"good key", "ApiKey " + h.emu.EncodedAPIKey(), 200, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			hdr := map[string]string{"Authorization": tt.auth}
			if tt.auth == "" {
				hdr["Authorization"] = ""
			}
			r := h.call(t, http.MethodPost, searchPath, `{"size":1}`, hdr)
			if r.status != tt.status {
				t.Fatalf("status %d, want %d: %s", r.status, tt.status, r.body)
			}
			if tt.msg != "" {
				m := r.json(t)
				if m["message"] != tt.msg || m["error"] != "Unauthorized" || m["statusCode"] != float64(401) {
					t.Errorf("body %s", r.body)
				}
			}
		})
	}
}

// TestXSRF: every write must carry kbn-xsrf (any value); reads need not.
// Authentication comes first, as in Kibana.
func TestXSRF(t *testing.T) {
	t.Parallel()
	h := setup(t, 2)
	id := h.emu.Alerts()[0].ID
	noXSRF := map[string]string{"kbn-xsrf": ""}
	for _, c := range []struct{ method, path, body string }{
		{http.MethodPost, searchPath, `{"size":1}`},
		{http.MethodPost, statusPath, `{"signal_ids":["` + id + `"],"status":"acknowledged"}`},
		{http.MethodPatch, notePath, `{"note":{"eventId":"` + id + `","note":"x","timelineId":""}}`},
	} {
		r := h.call(t, c.method, c.path, c.body, noXSRF)
		if r.status != 400 || r.json(t)["message"] != "Request must contain a kbn-xsrf header." {
			t.Errorf("%s %s without kbn-xsrf: %d %s", c.method, c.path, r.status, r.body)
		}
	}
	if a, _ := h.emu.Alert(id); a.Status == "acknowledged" {
		t.Error("a refused write changed the alert")
	}
	if r := h.call(t, http.MethodGet, notePath+"?documentIds="+id, "", nil); r.status != 200 {
		t.Errorf("GET without kbn-xsrf: %d %s", r.status, r.body)
	}
	r := h.call(t, http.MethodPost, searchPath, `{}`, map[string]string{"kbn-xsrf": "", "Authorization": "ApiKey bad"})
	if r.status != 401 {
		t.Errorf("unauthenticated write without kbn-xsrf: %d, want 401 first", r.status)
	}
}

func TestVersionHeader(t *testing.T) {
	t.Parallel()
	h := setup(t, 1)
	if r := h.call(t, http.MethodPost, searchPath, `{"size":1}`, map[string]string{"elastic-api-version": APIVersion}); r.status != 200 {
		t.Errorf("version %s: %d", APIVersion, r.status)
	}
	r := h.call(t, http.MethodPost, searchPath, `{"size":1}`, map[string]string{"elastic-api-version": "2099-01-01"})
	if r.status != 400 || !strings.Contains(string(r.body), "2023-10-31") {
		t.Errorf("unknown version: %d %s", r.status, r.body)
	}
}

// TestSpaces: /s/{space} addresses a space's own alerts and notes; an
// unknown space is a 404.
func TestSpaces(t *testing.T) {
	t.Parallel()
	h := setup(t, 4)
	socID := h.emu.AddAlert("soc", map[string]any{"@timestamp": "2026-03-31T08:00:00.000Z", "kibana.alert.uuid": "soc-1", "kibana.alert.workflow_status": "open"})
	if got := hitIDs(t, h.call(t, http.MethodPost, "/s/soc"+searchPath, `{"size":100}`, nil)); len(got) != 1 || got[0] != socID {
		t.Errorf("soc space search: %v", got)
	}
	if got := hitIDs(t, h.call(t, http.MethodPost, searchPath, `{"size":100}`, nil)); len(got) != 4 {
		t.Errorf("default space search: %d hits, want 4", len(got))
	}
	if r := h.call(t, http.MethodPost, "/s/nope"+searchPath, `{"size":1}`, nil); r.status != 404 {
		t.Errorf("unknown space: %d", r.status)
	}
	r := h.call(t, http.MethodPost, statusPath, `{"signal_ids":["soc-1"],"status":"closed"}`, nil)
	if r.status != 200 || r.json(t)["total"] != float64(0) {
		t.Errorf("default space status write on a soc alert: %d %s", r.status, r.body)
	}
}

func TestThrottleAndLatency(t *testing.T) {
	t.Parallel()
	h := setup(t, 1)
	h.emu.ThrottleNext(2500 * time.Millisecond)
	r := h.call(t, http.MethodPost, searchPath, `{"size":1}`, nil)
	if r.status != 429 || r.header.Get("Retry-After") != "3" || r.json(t)["error"] != "Too Many Requests" {
		t.Fatalf("throttled: %d %q %s", r.status, r.header.Get("Retry-After"), r.body)
	}
	if r := h.call(t, http.MethodPost, searchPath, `{"size":1}`, nil); r.status != 200 {
		t.Fatalf("after throttle: %d", r.status)
	}
	h.emu.SetLatency(30 * time.Millisecond)
	start := time.Now()
	if r := h.call(t, http.MethodPost, searchPath, `{"size":1}`, nil); r.status != 200 || time.Since(start) < 30*time.Millisecond {
		t.Fatalf("latency: %d after %v", r.status, time.Since(start))
	}
}

func TestUnknownRoute(t *testing.T) {
	t.Parallel()
	h := setup(t, 1)
	r := h.call(t, http.MethodGet, "/api/detection_engine/signals/search", "", nil)
	if r.status != 404 || r.json(t)["error"] != "Not Found" {
		t.Errorf("GET search: %d %s", r.status, r.body)
	}
}
