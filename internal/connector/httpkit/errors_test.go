package httpkit

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/alertsync/alertsync/internal/connector"
)

func TestClassification(t *testing.T) {
	t.Parallel()
	tests := []struct {
		status int
		want   connector.Class
	}{
		{400, connector.ClassPermanent},
		{401, connector.ClassAuth},
		{403, connector.ClassAuth},
		{404, connector.ClassNotFound},
		{405, connector.ClassPermanent},
		{408, connector.ClassRetryable},
		{409, connector.ClassConflict},
		{412, connector.ClassConflict},
		{422, connector.ClassPermanent},
		{425, connector.ClassRetryable},
		{429, connector.ClassRateLimited},
		{500, connector.ClassRetryable},
		{502, connector.ClassRetryable},
		{503, connector.ClassRetryable},
		{504, connector.ClassRetryable},
	}
	for _, tt := range tests {
		t.Run(http.StatusText(tt.status), func(t *testing.T) {
			t.Parallel()
			c, _ := setup(t, Options{}, func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(tt.status)
				_, _ = w.Write([]byte(`{"error":{"code":"SomeCode","message":"it went wrong"}}`))
			})
			err := c.GetJSON(context.Background(), "x", nil)
			var ce *connector.Error
			if !errors.As(err, &ce) {
				t.Fatalf("err = %v, want *connector.Error", err)
			}
			if ce.Class != tt.want || ce.Status != tt.status || ce.Code != "SomeCode" || ce.Message != "it went wrong" {
				t.Errorf("got class %q status %d code %q message %q, want %q %d SomeCode \"it went wrong\"",
					ce.Class, ce.Status, ce.Code, ce.Message, tt.want, tt.status)
			}
		})
	}
}

func TestParseRetryAfter(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name, in string
		want     time.Duration
	}{
		{"integer", "10", 10 * time.Second},
		{"fraction", "2.128", 2128 * time.Millisecond},
		{"padded", " 3 ", 3 * time.Second},
		{"http date", now.Add(30 * time.Second).Format(http.TimeFormat), 30 * time.Second},
		{"past date", now.Add(-time.Minute).Format(http.TimeFormat), 0},
		{"missing", "", 0},
		{"zero", "0", 0},
		{"negative", "-5", 0},
		{"garbage", "soon", 0},
		{"absurd", "99999999", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := ParseRetryAfter(tt.in, now); got != tt.want {
				t.Errorf("ParseRetryAfter(%q) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}

func TestRateLimitedResponse(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name, header string
		want         time.Duration
	}{
		{"seconds", "10", 10 * time.Second},
		{"fraction", "2.128", 2128 * time.Millisecond},
		{"date", now.Add(time.Minute).Format(http.TimeFormat), time.Minute},
		{"missing", "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, _ := setup(t, Options{Now: func() time.Time { return now }}, func(w http.ResponseWriter, r *http.Request) {
				if tt.header != "" {
					w.Header().Set("Retry-After", tt.header)
				}
				w.WriteHeader(http.StatusTooManyRequests)
				_, _ = w.Write([]byte(`{"error":{"code":"TooManyRequests","innerError":{"code":"429"},"message":"Please retry again later."}}`))
			})
			err := c.GetJSON(context.Background(), "x", nil)
			if connector.ClassOf(err) != connector.ClassRateLimited {
				t.Fatalf("class = %q, want rate_limited (err %v)", connector.ClassOf(err), err)
			}
			if got := connector.RetryAfterOf(err); got != tt.want {
				t.Errorf("RetryAfter = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestErrorBodies(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("é", 1000)
	tests := []struct {
		name, body, wantCode, wantMsg string
	}{
		{"odata", `{"error":{"code":"BadRequest","message":"Invalid filter"}}`, "BadRequest", "Invalid filter"},
		{"arm", `{"error":{"code":"ResourceNotFound","message":"The Resource was not found."}}`, "ResourceNotFound", "The Resource was not found."},
		{"oauth", `{"error":"invalid_grant","error_description":"expired"}`, "invalid_grant", "expired"},
		{"errors array", `{"meta":{},"errors":[{"code":400,"message":"bad id"}],"resources":[]}`, "400", "bad id"},
		{"bare", `{"code":"E1","message":"nope"}`, "E1", "nope"},
		{"kibana", `{"statusCode":400,"error":"Bad Request","message":"Request must contain a kbn-xsrf header."}`, "Bad Request", "Request must contain a kbn-xsrf header."},
		{"sentinelone", `{"errors":[{"code":4000010,"detail":"filter: ids required","title":"Validation Error"}]}`, "4000010", "Validation Error: filter: ids required"},
		{"cortex xdr", `{"reply":{"err_code":500,"err_msg":"An error occurred while processing XDR public API","err_extra":"bad filter"}}`, "500", "An error occurred while processing XDR public API"},
		{"plain text", "Service\nUnavailable  ", "", "Service Unavailable"},
		{"json without error", `{"ok":false}`, "", `{"ok":false}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			code, msg := parseErrorBody([]byte(tt.body))
			if got := oneLine(msg); code != tt.wantCode || got != tt.wantMsg {
				t.Errorf("parseErrorBody = %q, %q; want %q, %q", code, got, tt.wantCode, tt.wantMsg)
			}
		})
	}
	t.Run("truncated", func(t *testing.T) {
		t.Parallel()
		c, _ := setup(t, Options{}, func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write([]byte(long))
		})
		err := c.GetJSON(context.Background(), "x", nil)
		var ce *connector.Error
		if !errors.As(err, &ce) {
			t.Fatalf("err = %v", err)
		}
		if len(ce.Message) > maxErrorMessage+len("…") || !strings.HasSuffix(ce.Message, "…") {
			t.Errorf("message not truncated: %d bytes", len(ce.Message))
		}
	})
}

func TestClassifyHook(t *testing.T) {
	t.Parallel()
	c, _ := setup(t, Options{Classify: func(e *connector.Error, h http.Header) {
		if e.Status == http.StatusForbidden && e.Code == "AF429" {
			e.Class = connector.ClassRateLimited
		}
	}}, func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusForbidden)
		_, _ = w.Write([]byte(`{"error":{"code":"AF429","message":"Too many requests."}}`))
	})
	if got := connector.ClassOf(c.GetJSON(context.Background(), "x", nil)); got != connector.ClassRateLimited {
		t.Errorf("class = %q, want rate_limited", got)
	}
}

func TestRetryForbidden(t *testing.T) {
	t.Parallel()
	classify := RetryForbidden("InsufficientAccessError", "AuthorizationFailed")
	tests := []struct {
		name   string
		status int
		code   string
		want   connector.Class
	}{
		{"listed code", http.StatusForbidden, "InsufficientAccessError", connector.ClassRetryable},
		{"other listed code", http.StatusForbidden, "AuthorizationFailed", connector.ClassRetryable},
		{"case differs", http.StatusForbidden, "authorizationfailed", connector.ClassRetryable},
		{"other 403 code", http.StatusForbidden, "Forbidden", connector.ClassAuth},
		{"403 without code", http.StatusForbidden, "", connector.ClassAuth},
		{"401 with listed code", http.StatusUnauthorized, "InsufficientAccessError", connector.ClassAuth},
		{"400 with listed code", http.StatusBadRequest, "AuthorizationFailed", connector.ClassPermanent},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, _ := setup(t, Options{Classify: classify}, func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(tt.status)
				_, _ = w.Write([]byte(`{"error":{"code":"` + tt.code + `","message":"no"}}`))
			})
			if got := connector.ClassOf(c.GetJSON(context.Background(), "x", nil)); got != tt.want {
				t.Errorf("class = %q, want %q", got, tt.want)
			}
		})
	}
}
