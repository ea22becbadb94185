package cortexxdr

import (
	"net/http"
	"testing"
	"time"
)

func TestAPIKeys(t *testing.T) {
	t.Parallel()
	e := setup(t, 3)
	body := map[string]any{"request_data": map[string]any{}}
	now := e.clock.Now()
	reused := nonce()
	tests := []struct {
		name string
		h    http.Header
		want int
	}{
		{"standard key", standard(DefaultStandardKeyID, DefaultStandardKey), http.StatusOK},
		{"advanced key", advanced(DefaultAdvancedKeyID, DefaultAdvancedKey, nonce(), now), http.StatusOK},
		{"advanced key signed 4 minutes ago", advanced(DefaultAdvancedKeyID, DefaultAdvancedKey, nonce(), now.Add(-4*time.Minute)), http.StatusOK},
		{"unknown key id", standard("99", DefaultStandardKey), http.StatusUnauthorized},
		{"no credentials", http.Header{}, http.StatusUnauthorized},
		{"wrong standard key", standard(DefaultStandardKeyID, "nope"), http.StatusUnauthorized},
		{"advanced key sent as a standard key", standard(DefaultAdvancedKeyID, DefaultAdvancedKey), http.StatusUnauthorized},
		{"standard key signed as an advanced key", advanced(DefaultStandardKeyID, DefaultStandardKey, nonce(), now), http.StatusUnauthorized},
		{"stale timestamp", advanced(DefaultAdvancedKeyID, DefaultAdvancedKey, nonce(), now.Add(-6*time.Minute)), http.StatusUnauthorized},
		{"timestamp from the future", advanced(DefaultAdvancedKeyID, DefaultAdvancedKey, nonce(), now.Add(6*time.Minute)), http.StatusUnauthorized},
		{"signed with another key", advanced(DefaultAdvancedKeyID, DefaultStandardKey, nonce(), now), http.StatusUnauthorized},
		{"short nonce", advanced(DefaultAdvancedKeyID, DefaultAdvancedKey, "abc123", now), http.StatusUnauthorized},
	}
	for _, tt := range tests {
		a := e.post(t, pathIncidents, tt.h, body)
		if a.status != tt.want {
			t.Errorf("%s: status %d, want %d (%s)", tt.name, a.status, tt.want, a.raw)
		}
		if tt.want == http.StatusUnauthorized {
			if msg, _ := a.errMsg(); msg != msgUnauthorized {
				t.Errorf("%s: err_msg %q, want the vendor's", tt.name, msg)
			}
		}
	}
	h := advanced(DefaultAdvancedKeyID, DefaultAdvancedKey, reused, now)
	if a := e.post(t, pathIncidents, h, body); a.status != http.StatusOK {
		t.Fatalf("first use of a nonce: %d", a.status)
	}
	if a := e.post(t, pathIncidents, h, body); a.status != http.StatusUnauthorized {
		t.Errorf("replayed request with a used nonce: %d, want 401", a.status)
	}
}

func TestFaults(t *testing.T) {
	t.Parallel()
	e := setup(t, 3)
	e.emu.ThrottleNext(7 * time.Second)
	a := e.call(t, pathAlertsV2, map[string]any{})
	if a.status != http.StatusTooManyRequests || a.header.Get("Retry-After") != "7" {
		t.Errorf("throttled: %d Retry-After %q", a.status, a.header.Get("Retry-After"))
	}
	if msg, _ := a.errMsg(); msg != msgThrottled {
		t.Errorf("throttled err_msg %q", msg)
	}
	if a := e.call(t, pathAlertsV2, map[string]any{}); a.status != http.StatusOK {
		t.Errorf("after the throttle: %d", a.status)
	}
	e.emu.Faults().SetErrorRate(1, http.StatusBadGateway)
	a = e.call(t, pathAlertsV2, map[string]any{})
	if msg, _ := a.errMsg(); a.status != http.StatusBadGateway || msg != msgServerError {
		t.Errorf("server error: %d %q", a.status, msg)
	}
	e.emu.Faults().Reset()
	a = e.post(t, "/public_api/v1/nothing/here", advanced(DefaultAdvancedKeyID, DefaultAdvancedKey, nonce(), e.clock.Now()), map[string]any{"request_data": map[string]any{}})
	if a.status != http.StatusNotFound {
		t.Errorf("unknown call: %d", a.status)
	}
	if n := len(e.emu.Recorder().Filter(http.MethodPost, pathAlertsV2)); n != 3 {
		t.Errorf("recorded %d alert searches, want 3", n)
	}
}
