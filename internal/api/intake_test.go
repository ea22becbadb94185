package api_test

import (
	"net/http"
	"testing"

	"github.com/alertsync/alertsync/internal/engine"
	"github.com/alertsync/alertsync/internal/model"
)

func TestIntake(t *testing.T) {
	t.Parallel()
	e := setup(t)
	body := `[{"id":"p1","title":"Pushed one","host":"kiosk-1"},{"id":"p2","host":"kiosk-2"}]`
	tests := []struct {
		name, path, key, body string
		status                int
		code                  string
	}{
		{"no key", "/api/v1/intake/fake", "", body, http.StatusUnauthorized, "unauthorized"},
		{"wrong key", "/api/v1/intake/fake", "nope", body, http.StatusUnauthorized, "unauthorized"},
		{"bad body", "/api/v1/intake/fake", intakeKey, `{"not":"a list"}`, http.StatusBadRequest, "invalid"},
		{"unknown integration", "/api/v1/intake/ghost", intakeKey, body, http.StatusNotFound, "not_found"},
		{"not a receiver", "/api/v1/intake/plain", intakeKey, body, http.StatusNotFound, "not_found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.push(tt.path, tt.key, tt.body).want(t, tt.status)
			if c := r.errCode(t); c != tt.code {
				t.Errorf("code %q, want %q", c, tt.code)
			}
		})
	}
	res := decode[engine.IngestResult](t, e.push("/api/v1/intake/fake", intakeKey, body).want(t, http.StatusAccepted))
	if res != (engine.IngestResult{Created: 1, Quarantined: 1}) {
		t.Errorf("result = %+v", res)
	}
	a, err := e.store.AlertGetByVendor(e.ctx, "fake", "p1")
	if err != nil || a.Title != "Pushed one" || a.Status != model.StatusNew {
		t.Errorf("pushed alert = %+v, %v", a, err)
	}
	again := decode[engine.IngestResult](t, e.push("/api/v1/intake/fake", intakeKey, body[:len(body)-len(`,{"id":"p2","host":"kiosk-2"}]`)]+"]").want(t, http.StatusAccepted))
	if again != (engine.IngestResult{Unchanged: 1}) {
		t.Errorf("re-push result = %+v", again)
	}
}

// push posts body to an intake route with the fake connector's key
// header and no bearer token.
func (e *env) push(path, key, body string) response {
	e.t.Helper()
	return e.send("POST", path, body, func(h http.Header) {
		if key != "" {
			h.Set("X-Intake-Key", key)
		}
	})
}
