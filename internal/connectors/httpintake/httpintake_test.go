package httpintake

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/alertsync/alertsync/internal/connector"
	"github.com/alertsync/alertsync/internal/model"
)

const (
	testKey   = "intake-key-0123456789"
	testToken = "writeback-token-abcdef"
	// wrongKey and wrongToken are credentials the sender and the
	// receiver do not accept.
	wrongKey   = "not-the-intake-key-at-all"
	wrongToken = "not-the-writeback-token-5c9a"
)

// setup builds the connector through the registry, as the app does.
func setup(t *testing.T, settings map[string]any) connector.Connector {
	t.Helper()
	return setupLog(t, nil, settings)
}

// setupLog is setup with the connector logging to log (nowhere when nil).
func setupLog(t *testing.T, log *slog.Logger, settings map[string]any) connector.Connector {
	t.Helper()
	// A transport of its own: a parallel test's httptest server, closing,
	// closes the idle connections of the default transport, and with them
	// a request of this test in flight.
	hc := &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()}
	t.Cleanup(hc.CloseIdleConnections)
	c, err := connector.Build(Kind, connector.Deps{ID: "it-1", Now: func() time.Time { return testNow }, Logger: log, HTTP: hc}, settings)
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	return c
}

func push(body, method string, headers ...string) *http.Request {
	r := httptest.NewRequestWithContext(context.Background(), method, "/intake/it-1", strings.NewReader(body))
	for i := 0; i+1 < len(headers); i += 2 {
		r.Header.Set(headers[i], headers[i+1])
	}
	return r
}

func TestBuild(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		settings  map[string]any
		wantField string
		wantCaps  connector.Capabilities
	}{
		{"intake only", map[string]any{"intake_key": testKey}, "", connector.Capabilities{Webhook: true}},
		{"with write-back", map[string]any{"intake_key": testKey, "writeback_url": "https://soar.example.test/hook", "writeback_token": testToken},
			"", connector.Capabilities{Webhook: true, StateSync: true, Comments: true}},
		{"missing key", map[string]any{}, "intake_key", connector.Capabilities{}},
		{"short key", map[string]any{"intake_key": "short"}, "intake_key", connector.Capabilities{}},
		{"unknown setting", map[string]any{"intake_key": testKey, "colour": "red"}, "colour", connector.Capabilities{}},
		{"relative url", map[string]any{"intake_key": testKey, "writeback_url": "/hook"}, "writeback_url", connector.Capabilities{}},
		{"token without url", map[string]any{"intake_key": testKey, "writeback_token": testToken}, "writeback_token", connector.Capabilities{}},
		{"bad field map", map[string]any{"intake_key": testKey, "field_map": map[string]any{"colour": "c"}}, "field_map", connector.Capabilities{}},
		{"zero timeout", map[string]any{"intake_key": testKey, "timeout": "0s"}, "timeout", connector.Capabilities{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, err := connector.Build(Kind, connector.Deps{ID: "it-1"}, tt.settings)
			if tt.wantField != "" {
				var fe *connector.FieldError
				if !errors.As(err, &fe) || fe.Field != tt.wantField {
					t.Fatalf("err = %v, want a FieldError for %s", err, tt.wantField)
				}
				if strings.Contains(err.Error(), testToken) || strings.Contains(err.Error(), testKey) {
					t.Errorf("error shows a secret: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Build: %v", err)
			}
			if got := connector.CapabilitiesOf(c); got != tt.wantCaps {
				t.Errorf("capabilities = %+v, want %+v", got, tt.wantCaps)
			}
		})
	}
}

func TestReceiveAuth(t *testing.T) {
	t.Parallel()
	c := setup(t, map[string]any{"intake_key": testKey}).(connector.WebhookReceiver)
	body := `{"id":"A-1","title":"T"}`
	tests := []struct {
		name      string
		req       *http.Request
		wantClass connector.Class
		wantCode  int
	}{
		{"key header", push(body, http.MethodPost, KeyHeader, testKey), "", 0},
		{"bearer", push(body, http.MethodPost, "Authorization", "Bearer "+testKey), "", 0},
		{"bearer any case", push(body, http.MethodPut, "Authorization", "bearer "+testKey), "", 0},
		{"wrong key", push(body, http.MethodPost, KeyHeader, testKey+"x"), connector.ClassAuth, http.StatusUnauthorized},
		{"missing key", push(body, http.MethodPost), connector.ClassAuth, http.StatusUnauthorized},
		{"basic scheme", push(body, http.MethodPost, "Authorization", "Basic "+testKey), connector.ClassAuth, http.StatusUnauthorized},
		{"wrong method", push(body, http.MethodGet, KeyHeader, testKey), connector.ClassPermanent, http.StatusMethodNotAllowed},
		{"malformed json", push(`{"id":`, http.MethodPost, KeyHeader, testKey), connector.ClassPermanent, http.StatusBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			items, err := c.Receive(context.Background(), tt.req)
			if tt.wantClass == "" {
				if err != nil || len(items) != 1 || items[0].Err != nil {
					t.Fatalf("Receive = %v, %v; want one mapped item", items, err)
				}
				return
			}
			var ce *connector.Error
			if !errors.As(err, &ce) || ce.Class != tt.wantClass || ce.Status != tt.wantCode {
				t.Fatalf("err = %v, want class %q status %d", err, tt.wantClass, tt.wantCode)
			}
			if strings.Contains(err.Error(), testKey) {
				t.Errorf("error shows the key: %v", err)
			}
		})
	}
}

func TestReceiveBatchWithBadItems(t *testing.T) {
	t.Parallel()
	c := setup(t, map[string]any{"intake_key": testKey}).(connector.WebhookReceiver)
	items, err := c.Receive(context.Background(), push(string(golden(t, "batch_envelope.json")), http.MethodPost, KeyHeader, testKey))
	if err != nil {
		t.Fatalf("Receive: %v", err)
	}
	want := []struct {
		id, raw string
		ok      bool
	}{
		{"B-1", `"id": "B-1"`, true},
		{"", `"No id here"`, false},
		{"B-3", `"id": "B-3"`, true},
		{"", `"not an object"`, false},
	}
	if len(items) != len(want) {
		t.Fatalf("got %d items, want %d", len(items), len(want))
	}
	for i, w := range want {
		it := items[i]
		if it.VendorID != w.id || (it.Err == nil) != w.ok || !strings.Contains(string(it.Raw), w.raw) {
			t.Errorf("item %d = {%q, err %v, raw %s}; want {%q, ok %v, raw containing %s}", i, it.VendorID, it.Err, it.Raw, w.id, w.ok, w.raw)
		}
		if w.ok && (it.Alert == nil || it.Alert.Integration != "it-1") {
			t.Errorf("item %d: alert %+v", i, it.Alert)
		}
	}
	if items[2].Alert.Status != model.StatusResolved || items[2].Alert.Severity != model.SeverityInformational {
		t.Errorf("B-3 mapped to %s/%s", items[2].Alert.Status, items[2].Alert.Severity)
	}
}

// TestReceiveBodyLimit checks that a push the API cut off at its limit is
// a permanent 413, not a retryable read failure.
func TestReceiveBodyLimit(t *testing.T) {
	t.Parallel()
	c := setup(t, map[string]any{"intake_key": testKey}).(connector.WebhookReceiver)
	r := push(`{"id":"A-1","title":"`+strings.Repeat("t", 100)+`"}`, http.MethodPost, KeyHeader, testKey)
	r.Body = http.MaxBytesReader(nil, r.Body, 64)
	_, err := c.Receive(context.Background(), r)
	var ce *connector.Error
	if !errors.As(err, &ce) || ce.Class != connector.ClassPermanent || ce.Status != http.StatusRequestEntityTooLarge ||
		!strings.Contains(ce.Message, "64 bytes") {
		t.Fatalf("err = %v, want a permanent 413 naming the limit", err)
	}
}
