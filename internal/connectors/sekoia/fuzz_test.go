package sekoia

import (
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/alertsync/alertsync/internal/connector"
	"github.com/alertsync/alertsync/internal/connector/connectortest"
	sekoiaemu "github.com/alertsync/alertsync/internal/emulators/sekoia"
)

// FuzzMapAlert feeds arbitrary bytes to the mapping of a listed alert.
// Seeds: the emulator's alerts (testdata/fuzz) and the golden payloads.
func FuzzMapAlert(f *testing.F) {
	connectortest.AddGoldenSeeds(f, "alert_*.json")
	f.Fuzz(func(t *testing.T, raw []byte) {
		connectortest.CheckFuzzedAlert(t, raw, mapAlert(connectortest.FuzzIntegration, raw))
	})
}

// FuzzIntakeReply feeds arbitrary bytes as the HTTP intake's answer to a
// push of one event and of three: the only vendor bytes the event pusher
// reads. Either the push fails with a reason or it returns one id slot per
// event.
func FuzzIntakeReply(f *testing.F) {
	for _, s := range []string{`{"event_id":"5f0c1e8a"}`, `{"event_ids":["a","b","c"]}`, `{"event_ids":["a"]}`,
		`{"event_id":7}`, `null`, `[]`, `<html>bad gateway</html>`, ``} {
		f.Add([]byte(s))
	}
	var answer atomic.Pointer[[]byte]
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(*answer.Load())
	}))
	f.Cleanup(srv.Close)
	c, err := connector.Build(Kind, connector.Deps{ID: "it-sekoia", HTTP: srv.Client()}, map[string]any{
		"base_url": srv.URL, "api_key": sekoiaemu.DefaultAPIKey, "intake_url": srv.URL, "intake_key": sekoiaemu.DefaultIntakeKey,
		"requests_per_minute": 0,
	})
	if err != nil {
		f.Fatal(err)
	}
	pusher := c.(connector.EventPusher)
	f.Fuzz(func(t *testing.T, body []byte) {
		answer.Store(&body)
		for _, n := range []int{1, 3} {
			ids, err := pusher.PushEvents(t.Context(), events(n, 40))
			switch {
			case err != nil && err.Error() == "":
				t.Errorf("push of %d: an error without a reason", n)
			case err == nil && len(ids) != n:
				t.Errorf("push of %d events returned %d ids", n, len(ids))
			}
		}
	})
}
