package sekoia

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestIntake: POST /, /batch and /array store events and answer their
// ids; an unknown key is a 401 and an event over 250,000 bytes a 413,
// storing nothing. The intake is under /intake of Handler and alone on
// IntakeHandler.
func TestIntake(t *testing.T) {
	t.Parallel()
	h := setup(t, Options{})
	alone := httptest.NewServer(h.emu.IntakeHandler())
	t.Cleanup(alone.Close)
	var one map[string]string
	r := h.call(t, http.MethodPost, "/intake", `{"intake_key":"`+DefaultIntakeKey+`","json":"{\"a\":1}"}`, nil)
	r.json(t, &one)
	if r.status != http.StatusOK || one["event_id"] == "" {
		t.Fatalf("single: %d %s", r.status, r.body)
	}
	var many map[string][]string
	h.call(t, http.MethodPost, "/intake/batch", `{"intake_key":"`+DefaultIntakeKey+`","jsons":["{\"b\":1}","plain text"]}`, nil).json(t, &many)
	h.call(t, http.MethodPost, "/intake/array", `[{"intake_key":"`+DefaultIntakeKey+`","json":"{\"c\":1}"}]`, nil).json(t, &many)
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, alone.URL+"/batch",
		strings.NewReader(`{"intake_key":"`+DefaultIntakeKey+`","jsons":["{\"d\":1}"]}`))
	resp, err := alone.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("intake alone: %d", resp.StatusCode)
	}
	got := h.emu.Events()
	var texts []string
	for _, ev := range got {
		texts = append(texts, ev.JSON)
	}
	if strings.Join(texts, "|") != `{"a":1}|{"b":1}|plain text|{"c":1}|{"d":1}` || got[0].ID != one["event_id"] {
		t.Errorf("events %v", texts)
	}
	big := strings.Repeat("x", MaxEventBytes+1)
	for _, c := range []struct {
		path, body string
		status     int
	}{
		{"/intake", `{"intake_key":"nope","json":"{}"}`, http.StatusUnauthorized},
		{"/intake/batch", `{"jsons":["{}"]}`, http.StatusUnauthorized},
		{"/intake/batch", `{"intake_key":"` + DefaultIntakeKey + `","jsons":["{}","` + big + `"]}`, http.StatusRequestEntityTooLarge},
		{"/intake", `{"intake_key":"` + DefaultIntakeKey + `"}`, http.StatusBadRequest},
		{"/intake/batch", `not json`, http.StatusBadRequest},
		{"/intake/plain", `x`, http.StatusNotFound},
	} {
		if r := h.call(t, http.MethodPost, c.path, c.body, nil); r.status != c.status {
			t.Errorf("%s %.60s: %d, want %d", c.path, c.body, r.status, c.status)
		}
	}
	if n := len(h.emu.Events()); n != 5 {
		t.Errorf("refused requests stored events: %d", n)
	}
	h.emu.ThrottleNext(0)
	if r := h.call(t, http.MethodPost, "/intake/batch", `{"intake_key":"`+DefaultIntakeKey+`","jsons":["{}"]}`, nil); r.status != http.StatusTooManyRequests {
		t.Errorf("throttled intake: %d", r.status)
	}
}
