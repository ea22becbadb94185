package sekoia

import (
	"context"
	"net/http"
	"testing"
	"time"
)

// TestAuthAndFaults: 401 without a known key, 403 without the
// permission, 429 with Retry-After only when the wait is known, the
// per-key budget, and slow answers that end with the caller's context.
func TestAuthAndFaults(t *testing.T) {
	t.Parallel()
	h := setup(t, Options{PerMinute: 3})
	for _, hdr := range []map[string]string{{"Authorization": ""}, {"Authorization": "Bearer nope"}, {"Authorization": "Basic " + DefaultAPIKey}} {
		if r := h.call(t, http.MethodGet, "/v1/sic/alerts", "", hdr); r.status != http.StatusUnauthorized || r.message(t) == "" {
			t.Errorf("%v: %d %s", hdr, r.status, r.body)
		}
	}
	h.emu.ThrottleNext(0)
	if r := h.call(t, http.MethodGet, "/v1/sic/alerts", "", nil); r.status != http.StatusTooManyRequests || r.header.Get("Retry-After") != "" {
		t.Errorf("throttle without a wait: %d %v", r.status, r.header)
	}
	h.emu.ThrottleNext(4 * time.Second)
	if r := h.call(t, http.MethodGet, "/v1/sic/alerts", "", nil); r.header.Get("Retry-After") != "4" {
		t.Errorf("throttle with a wait: %v", r.header)
	}
	for range 3 {
		h.call(t, http.MethodGet, "/v1/sic/alerts", "", nil)
	}
	if r := h.call(t, http.MethodGet, "/v1/sic/alerts", "", nil); r.status != http.StatusTooManyRequests || r.header.Get("Retry-After") != "60" {
		t.Errorf("over budget: %d %v", r.status, r.header)
	}
	h.emu.SetPerMinute(-1)
	h.emu.RevokePermission(PermViewAlerts)
	if r := h.call(t, http.MethodGet, "/v1/sic/alerts", "", nil); r.status != http.StatusForbidden || r.message(t) != "Insufficient permissions" {
		t.Errorf("revoked: %d %s", r.status, r.body)
	}
	h.emu.AddAPIKey("second-key")
	if r := h.call(t, http.MethodGet, "/v1/sic/alerts", "", map[string]string{"Authorization": "Bearer second-key"}); r.status != http.StatusOK {
		t.Errorf("second key: %d", r.status)
	}
	h.emu.SetLatency(time.Minute)
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, h.srv.URL+"/v1/sic/alerts", nil)
	start := time.Now()
	resp, err := h.srv.Client().Do(req)
	if err == nil {
		_ = resp.Body.Close()
	}
	if err == nil || time.Since(start) > 5*time.Second {
		t.Errorf("slow answer: %v after %v", err, time.Since(start))
	}
	h.emu.SetLatency(0)
}
