package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/alertsync/alertsync/internal/app"
)

// syncWriter serialises writes from the hub's goroutines into w.
type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

func (s *syncWriter) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.(interface{ String() string }).String()
}

// TestLogLines runs the hub with JSON logs at debug and checks, for an
// accepted push, a refused one and an unauthenticated API call: every line
// names each attribute once, every line about a request carries its
// request id, a refused push is one line, and without an API token the
// start is announced with a warning that says how to set one.
func TestLogLines(t *testing.T) {
	out := &syncWriter{w: &bytes.Buffer{}}
	cfg := intakeConfig(t, map[string]any{"intake_key": "intake-key-0123456789"})
	ctx := context.Background()
	a, err := app.New(ctx, cfg, app.Options{Logger: slog.New(slog.NewJSONHandler(out, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Start(ctx); err != nil {
		t.Fatal(err)
	}
	base := "http://" + a.Addr()
	send := func(path, key, body string) string {
		req, _ := http.NewRequestWithContext(ctx, "POST", base+path, strings.NewReader(body))
		if key != "" {
			req.Header.Set("X-Alertsync-Intake-Key", key)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_ = res.Body.Close()
		return res.Header.Get("X-Request-Id")
	}
	okID := send("/api/v1/intake/push", "intake-key-0123456789", `{"id":"p-1","title":"Beacon"}`)
	refusedID := send("/api/v1/intake/push", "not-the-key-0123456789", `{"id":"p-2","title":"Beacon"}`)
	send("/api/v1/alerts/1/comments", "", `{"body":"hi"}`)
	if err := a.Stop(ctx); err != nil {
		t.Fatal(err)
	}

	byRequest := map[string][]string{}
	var warned bool
	for _, line := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		keys := lineKeys(t, line)
		for k, n := range keys {
			if n > 1 {
				t.Errorf("attribute %s %d times in %s", k, n, line)
			}
		}
		var rec struct {
			Msg       string `json:"msg"`
			Level     string `json:"level"`
			RequestID string `json:"request_id"`
		}
		_ = json.Unmarshal([]byte(line), &rec)
		if rec.RequestID != "" && rec.Msg != "api request" {
			byRequest[rec.RequestID] = append(byRequest[rec.RequestID], rec.Msg)
		}
		if rec.Level == "WARN" && strings.Contains(rec.Msg, "NO API TOKEN") && strings.Contains(rec.Msg, "ALERTSYNC_ADMIN_TOKEN") {
			warned = true
		}
	}
	if got := byRequest[refusedID]; len(got) != 1 || !strings.Contains(got[0], "intake refused") {
		t.Errorf("a refused push logged %q, want one \"intake refused\" line", got)
	}
	if len(byRequest[okID]) == 0 {
		t.Errorf("no line below the API carries the accepted push's request id %s", okID)
	}
	if !warned {
		t.Error("no warning that the API has no token")
	}
}

// lineKeys counts the top-level keys of one JSON log line in order, so a
// key written twice (which a map would hide) is seen.
func lineKeys(t *testing.T, line string) map[string]int {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(line))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		t.Fatalf("not a JSON object: %s", line)
	}
	counts := map[string]int{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			t.Fatalf("%v in %s", err, line)
		}
		counts[tok.(string)]++
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			t.Fatalf("%v in %s", err, line)
		}
	}
	return counts
}
