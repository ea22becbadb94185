package arm

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/alertsync/alertsync/internal/emulators/emukit"
	"github.com/alertsync/alertsync/internal/emulators/emukit/odata"
)

func rawB64(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

var t0 = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

func cloudErrorCode(t *testing.T, rec *httptest.ResponseRecorder) string {
	t.Helper()
	var ce CloudError
	if err := json.Unmarshal(rec.Body.Bytes(), &ce); err != nil {
		t.Fatalf("decode %s: %v", rec.Body, err)
	}
	return ce.Error.Code
}

func TestRequireAPIVersion(t *testing.T) {
	t.Parallel()
	ok := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusTeapot) })
	h := RequireAPIVersion("2022-01-01", "alerts", ok)
	tests := []struct {
		query, code string
		status      int
	}{
		{"", "MissingApiVersionParameter", 400},
		{"?api-version=latest", "InvalidApiVersionParameter", 400},
		{"?api-version=2019-01-01", "NoRegisteredProviderFound", 400},
		{"?api-version=2022-01-01", "", http.StatusTeapot},
	}
	for _, tt := range tests {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequestWithContext(t.Context(), http.MethodGet, "/x"+tt.query, nil))
		if rec.Code != tt.status {
			t.Errorf("%q: status %d, want %d", tt.query, rec.Code, tt.status)
		}
		if tt.code != "" && cloudErrorCode(t, rec) != tt.code {
			t.Errorf("%q: code %q, want %q", tt.query, cloudErrorCode(t, rec), tt.code)
		}
	}
}

func TestCanonicalSegments(t *testing.T) {
	t.Parallel()
	var got string
	h := CanonicalSegments([]string{"resourceGroups", "Microsoft.Security"}, http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		got = r.URL.Path
	}))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequestWithContext(t.Context(), http.MethodGet, "/RESOURCEGROUPS/Rg1/microsoft.security", nil))
	if want := "/resourceGroups/Rg1/Microsoft.Security"; got != want {
		t.Fatalf("path %q, want %q", got, want)
	}
}

func TestValidSubscription(t *testing.T) {
	t.Parallel()
	rec := httptest.NewRecorder()
	if !ValidSubscription(rec, "20ff7fc3-e762-44dd-bd96-b71116dcdc23") || rec.Body.Len() != 0 {
		t.Fatal("GUID refused")
	}
	rec = httptest.NewRecorder()
	if ValidSubscription(rec, "not-a-guid") || rec.Code != 400 || cloudErrorCode(t, rec) != "InvalidSubscriptionId" {
		t.Fatalf("non-GUID: %d %s", rec.Code, rec.Body)
	}
}

func TestARMThrottle(t *testing.T) {
	t.Parallel()
	clock := emukit.NewFakeClock(t0)
	th := NewThrottle(clock, Budget{Burst: 2, PerSecond: 1}, Budget{Burst: 1, PerSecond: 0.5})
	h := th.Middleware(Errors{})(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {}))
	call := func(method string) *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequestWithContext(t.Context(), method, "/x", nil))
		return rec
	}
	if rec := call(http.MethodGet); rec.Code != 200 || rec.Header().Get("x-ms-ratelimit-remaining-subscription-reads") != "1" {
		t.Fatalf("first read: %d %v", rec.Code, rec.Header())
	}
	call(http.MethodGet)
	rec := call(http.MethodGet)
	if rec.Code != 429 || rec.Header().Get("Retry-After") != "1" || cloudErrorCode(t, rec) != "SubscriptionRequestsThrottled" {
		t.Fatalf("third read: %d %v %s", rec.Code, rec.Header(), rec.Body)
	}
	if rec := call(http.MethodPost); rec.Code != 200 || rec.Header().Get("x-ms-ratelimit-remaining-subscription-writes") != "0" {
		t.Fatalf("write has its own bucket: %d %v", rec.Code, rec.Header())
	}
	if rec := call(http.MethodPost); rec.Code != 429 || rec.Header().Get("Retry-After") != "2" {
		t.Fatalf("second write: %d %v", rec.Code, rec.Header())
	}
	clock.Advance(time.Second)
	if rec := call(http.MethodGet); rec.Code != 200 {
		t.Fatalf("read after refill: %d", rec.Code)
	}
	th.Reset()
	if rec := call(http.MethodPost); rec.Code != 200 {
		t.Fatalf("write after reset: %d", rec.Code)
	}
}

func TestARMThrottleDefaults(t *testing.T) {
	t.Parallel()
	th := NewThrottle(nil, Budget{}, Budget{})
	if th.reads != DefaultReadBudget || th.writes != DefaultWriteBudget {
		t.Fatalf("budgets %+v %+v", th.reads, th.writes)
	}
}

func TestSkipToken(t *testing.T) {
	t.Parallel()
	for _, n := range []int{0, 1, 50, 12345} {
		got, err := DecodeSkipToken(EncodeSkipToken(n))
		if err != nil || got != n {
			t.Errorf("round trip %d: %d, %v", n, got, err)
		}
	}
	if n, err := DecodeSkipToken(""); n != 0 || err != nil {
		t.Errorf("empty token: %d, %v", n, err)
	}
	b64 := rawB64
	for _, tok := range []string{"!!", b64("x:5"), b64("o:-1"), b64("o:abc"), b64("5")} {
		if _, err := DecodeSkipToken(tok); !errors.Is(err, odata.ErrBadQuery) {
			t.Errorf("%q: err %v, want odata.ErrBadQuery", tok, err)
		}
	}
	r := httptest.NewRequestWithContext(t.Context(), http.MethodGet, "http://emu.test/a/b?api-version=1", nil)
	link := SkipTokenLink(r, url.Values{"api-version": {"1"}}, 7)
	if want := "http://emu.test/a/b?$skipToken=" + EncodeSkipToken(7) + "&api-version=1"; link != want {
		t.Fatalf("link %q, want %q", link, want)
	}
}
