package httpintake

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alertsync/alertsync/internal/connector"
	"github.com/alertsync/alertsync/internal/connector/connectortest"
	"github.com/alertsync/alertsync/internal/model"
)

// receiver stands in for a sender's write-back endpoint: it checks the
// token, keeps state and comments per alert, deduplicates by the
// Idempotency-Key header and can answer with a chosen failure once.
type receiver struct {
	mu       sync.Mutex
	states   map[string]string
	comments map[string][]string
	keys     map[string]bool
	last     map[string]any
	lastKey  string
	fail     func(w http.ResponseWriter) // answers the next request, then clears
	slow     time.Duration               // how long every answer takes
	seq      int
	srv      *httptest.Server
}

func newReceiver(t *testing.T) *receiver {
	rc := &receiver{states: map[string]string{}, comments: map[string][]string{}, keys: map[string]bool{}}
	rc.srv = httptest.NewServer(http.HandlerFunc(rc.serve))
	t.Cleanup(rc.srv.Close)
	return rc
}

func (rc *receiver) serve(w http.ResponseWriter, r *http.Request) {
	// Read the body first: only then does the server watch the connection
	// and cancel r's context when the client goes away.
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return
	}
	rc.mu.Lock()
	slow := rc.slow
	rc.mu.Unlock()
	if slow > 0 {
		t := time.NewTimer(slow)
		defer t.Stop()
		select {
		case <-r.Context().Done():
			return
		case <-t.C:
		}
	}
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if r.Header.Get("Authorization") != "Bearer "+testToken {
		http.Error(w, `{"error":{"code":"Unauthorized","message":"bad token"}}`, http.StatusUnauthorized)
		return
	}
	if f := rc.fail; f != nil {
		rc.fail = nil
		f(w)
		return
	}
	var in map[string]any
	if err := json.Unmarshal(body, &in); err != nil {
		http.Error(w, "bad json", http.StatusBadRequest)
		return
	}
	rc.last, rc.lastKey = in, r.Header.Get("Idempotency-Key")
	id, _ := in["vendor_id"].(string)
	if _, ok := rc.states[id]; !ok {
		http.Error(w, `{"error":{"code":"NotFound","message":"no such alert"}}`, http.StatusNotFound)
		return
	}
	switch in["action"] {
	case "set_state":
		rc.states[id] = "ext-" + in["status"].(string)
		_ = json.NewEncoder(w).Encode(map[string]string{"remote_status": rc.states[id]})
	case "add_comment":
		if !rc.keys[rc.lastKey] {
			rc.keys[rc.lastKey] = true
			rc.comments[id] = append(rc.comments[id], in["body"].(string))
		}
		w.WriteHeader(http.StatusNoContent)
	default:
		http.Error(w, "unknown action", http.StatusUnprocessableEntity)
	}
}

func (rc *receiver) seed(t *testing.T) []string {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	var ids []string
	for range 3 {
		rc.seq++
		id := fmt.Sprintf("ext-%d", rc.seq)
		rc.states[id] = "open"
		ids = append(ids, id)
	}
	return ids
}

func (rc *receiver) failNext(f func(w http.ResponseWriter)) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.fail = f
}

func writebackSetup(t *testing.T) (*WritebackConnector, *receiver) {
	t.Helper()
	rc := newReceiver(t)
	return rc.connector(t, nil, testKey, testToken), rc
}

// connector builds a write-back connector posting to rc with these
// credentials, logging to log.
func (rc *receiver) connector(t *testing.T, log *slog.Logger, key, token string) *WritebackConnector {
	t.Helper()
	c := setupLog(t, log, map[string]any{"intake_key": key, "writeback_url": rc.srv.URL + "/alertsync/events", "writeback_token": token})
	wc, ok := c.(*WritebackConnector)
	if !ok {
		t.Fatalf("New returned %T, want *WritebackConnector", c)
	}
	return wc
}

func TestWritebackPayloads(t *testing.T) {
	t.Parallel()
	wc, rc := writebackSetup(t)
	id := rc.seed(t)[0]
	ctx := context.Background()
	rs, err := wc.SetState(ctx, connector.StateChange{Kind: model.KindAlert, VendorID: id, Status: model.StatusResolved,
		Verdict: model.VerdictNotAThreat, Published: true, Reason: "closed by rule R1", IdempotencyKey: "k-1"})
	if err != nil || rs.RemoteStatus != "ext-resolved" {
		t.Fatalf("SetState = %+v, %v", rs, err)
	}
	k1 := IdempotencyKey("k-1")
	want := map[string]any{"action": "set_state", "kind": "alert", "vendor_id": id, "status": "resolved",
		"verdict": "not_a_threat", "published": true, "reason": "closed by rule R1", "idempotency_key": k1}
	rc.mu.Lock()
	if fmt.Sprint(rc.last) != fmt.Sprint(want) || rc.lastKey != k1 {
		t.Errorf("set_state sent %v with key %q, want %v with %s", rc.last, rc.lastKey, want, k1)
	}
	rc.mu.Unlock()

	if err := wc.AddComment(ctx, connector.CommentAction{Kind: model.KindAlert, VendorID: id, Body: "note", IdempotencyKey: "k-2"}); err != nil {
		t.Fatalf("AddComment: %v", err)
	}
	k2 := IdempotencyKey("k-2")
	want = map[string]any{"action": "add_comment", "kind": "alert", "vendor_id": id, "body": "note", "idempotency_key": k2}
	rc.mu.Lock()
	if fmt.Sprint(rc.last) != fmt.Sprint(want) || rc.lastKey != k2 {
		t.Errorf("add_comment sent %v with key %q, want %v with %s", rc.last, rc.lastKey, want, k2)
	}
	rc.mu.Unlock()

	if err := wc.AddComment(ctx, connector.CommentAction{VendorID: id, Body: "no key"}); connector.ClassOf(err) != connector.ClassPermanent {
		t.Errorf("comment without idempotency key: err %v, want permanent", err)
	}
}

func TestWritebackErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		answer    func(w http.ResponseWriter)
		vendorID  string
		wantClass connector.Class
	}{
		{"conflict", func(w http.ResponseWriter) { http.Error(w, "version mismatch", http.StatusConflict) }, "", connector.ClassConflict},
		{"throttled", func(w http.ResponseWriter) {
			w.Header().Set("Retry-After", "7")
			w.WriteHeader(http.StatusTooManyRequests)
		}, "", connector.ClassRateLimited},
		{"server error", func(w http.ResponseWriter) { w.WriteHeader(http.StatusBadGateway) }, "", connector.ClassRetryable},
		{"rejected token echoed", func(w http.ResponseWriter) {
			http.Error(w, "token "+testToken+" is not valid here", http.StatusForbidden)
		}, "", connector.ClassAuth},
		{"unknown alert", nil, "missing", connector.ClassNotFound},
		{"bad request", status(http.StatusBadRequest), "", connector.ClassPermanent},
		{"method not allowed", status(http.StatusMethodNotAllowed), "", connector.ClassPermanent},
		{"gone", status(http.StatusGone), "", connector.ClassPermanent},
		{"too large", status(http.StatusRequestEntityTooLarge), "", connector.ClassPermanent},
		{"unsupported media type", status(http.StatusUnsupportedMediaType), "", connector.ClassPermanent},
		{"unprocessable", status(http.StatusUnprocessableEntity), "", connector.ClassPermanent},
		{"request timeout", status(http.StatusRequestTimeout), "", connector.ClassRetryable},
		{"too early", status(http.StatusTooEarly), "", connector.ClassRetryable},
		{"precondition failed", status(http.StatusPreconditionFailed), "", connector.ClassConflict},
		{"unavailable", status(http.StatusServiceUnavailable), "", connector.ClassRetryable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			wc, rc := writebackSetup(t)
			id := rc.seed(t)[0]
			if tt.vendorID != "" {
				id = tt.vendorID
			}
			if tt.answer != nil {
				rc.failNext(tt.answer)
			}
			_, err := wc.SetState(context.Background(), connector.StateChange{VendorID: id, Status: model.StatusResolved, IdempotencyKey: "k"})
			if got := connector.ClassOf(err); err == nil || got != tt.wantClass {
				t.Fatalf("err = %v (class %q), want %q", err, got, tt.wantClass)
			}
			if strings.Contains(err.Error(), testToken) || strings.Contains(err.Error(), testKey) {
				t.Errorf("error shows a secret: %v", err)
			}
			if tt.wantClass == connector.ClassRateLimited && connector.RetryAfterOf(err) <= 0 {
				t.Errorf("RetryAfter = %v, want > 0", connector.RetryAfterOf(err))
			}
		})
	}
}

// status answers with code and a vendor-style error body.
func status(code int) func(w http.ResponseWriter) {
	return func(w http.ResponseWriter) {
		http.Error(w, `{"error":{"code":"Nope","message":"not this request"}}`, code)
	}
}

// TestIdempotencyKeyHeader checks that any outbox key, whatever its vendor
// id holds, becomes a header value that is sent as is: the same for the
// same key, different for different keys.
func TestIdempotencyKeyHeader(t *testing.T) {
	t.Parallel()
	wc, rc := writebackSetup(t)
	id := rc.seed(t)[0]
	keys := []string{
		"hook/alert/plain-id/verdict-state/1",
		"hook/alert/id with spaces/verdict-state/1",
		"hook/alert/ünïcødé ✓/verdict-state/1",
		"hook/alert/ctl\x07\r\nInjected: yes\x00/verdict-state/1",
		"hook/alert/\xff\xfe/verdict-state/1",
		"hook/alert/" + strings.Repeat("long", 500) + "/verdict-state/1",
	}
	seen := map[string]string{}
	for _, key := range keys {
		_, err := wc.SetState(context.Background(), connector.StateChange{VendorID: id, Status: model.StatusInProgress, IdempotencyKey: key})
		if err != nil {
			t.Fatalf("SetState with key %q: %v", key, err)
		}
		rc.mu.Lock()
		got := rc.lastKey
		rc.mu.Unlock()
		if got != IdempotencyKey(key) || len(got) != 64 || strings.Trim(got, "0123456789abcdef") != "" {
			t.Errorf("key %q sent as %q, want the hex SHA-256 %q", key, got, IdempotencyKey(key))
		}
		if other, dup := seen[got]; dup {
			t.Errorf("keys %q and %q share the header %q", key, other, got)
		}
		seen[got] = key
	}
}

func intakePush(t *testing.T, authentic bool) (*http.Request, []string) {
	key := testKey
	if !authentic {
		key = wrongKey
	}
	body := `{"alerts":[{"id":"P-1","title":"Pushed one","severity":"high"},{"id":"P-2","title":"Pushed two","status":"closed"}]}`
	return push(body, http.MethodPost, "Authorization", "Bearer "+key), []string{"P-1", "P-2"}
}

func TestConformanceIntakeOnly(t *testing.T) {
	connectortest.Run(t, connectortest.Harness{
		Connector:   setup(t, map[string]any{"intake_key": testKey}),
		Integration: "it-1",
		Push:        intakePush,
		Build: func(t *testing.T, log *slog.Logger, wrong bool) connector.Connector {
			if wrong {
				return setupLog(t, log, map[string]any{"intake_key": wrongKey})
			}
			return setupLog(t, log, map[string]any{"intake_key": testKey})
		},
		Secrets: []string{testKey, wrongKey},
	})
}

func TestConformanceWriteback(t *testing.T) {
	wc, rc := writebackSetup(t)
	connectortest.Run(t, connectortest.Harness{
		Connector:   wc,
		Integration: "it-1",
		Push:        intakePush,
		Seed:        rc.seed,
		RemoteState: func(t *testing.T, id string) string {
			rc.mu.Lock()
			defer rc.mu.Unlock()
			return rc.states[id]
		},
		RemoteComments: func(t *testing.T, id string) []string {
			rc.mu.Lock()
			defer rc.mu.Unlock()
			return slices.Clone(rc.comments[id])
		},
		InjectRateLimit: func(t *testing.T) {
			rc.failNext(func(w http.ResponseWriter) {
				w.Header().Set("Retry-After", "2.5")
				http.Error(w, `{"error":{"code":"TooManyRequests","message":"slow down"}}`, http.StatusTooManyRequests)
			})
		},
		Throttle: func(t *testing.T, d time.Duration) {
			rc.failNext(func(w http.ResponseWriter) {
				w.Header().Set("Retry-After", strconv.Itoa(int(d.Round(time.Second)/time.Second)))
				http.Error(w, `{"error":{"code":"TooManyRequests","message":"slow down"}}`, http.StatusTooManyRequests)
			})
		},
		Slow: func(t *testing.T, d time.Duration) {
			rc.mu.Lock()
			defer rc.mu.Unlock()
			rc.slow = d
		},
		Build: func(t *testing.T, log *slog.Logger, wrong bool) connector.Connector {
			if wrong {
				return rc.connector(t, log, wrongKey, wrongToken)
			}
			return rc.connector(t, log, testKey, testToken)
		},
		Secrets:            []string{testKey, testToken, wrongKey, wrongToken},
		IdempotentComments: true,
	})
}
