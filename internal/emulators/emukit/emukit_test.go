package emukit

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

var t0 = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

// testErrors is a minimal vendor: it writes the status and a reason so tests
// can tell which middleware answered.
type testErrors struct{}

func (testErrors) WriteUnauthorized(w http.ResponseWriter, _ *http.Request, why AuthFailure) {
	WriteJSON(w, http.StatusUnauthorized, map[string]string{"why": why.String()})
}

func (testErrors) WriteThrottled(w http.ResponseWriter, _ *http.Request, d time.Duration) {
	SetRetryAfter(w, d)
	WriteJSON(w, http.StatusTooManyRequests, map[string]string{"why": "throttled"})
}

func (testErrors) WriteServerError(w http.ResponseWriter, _ *http.Request, status int) {
	WriteJSON(w, status, map[string]string{"why": "server"})
}

const (
	tenant   = "b3c1b5fc-828c-45fa-a1e1-10d74f6d6e9c"
	clientID = "8f0d4f3b-1111-4c2a-9a55-0e3b3c1c9d01"
	graphAud = "https://graph.microsoft.com"
	goodTok  = "emu.good"
)

// staticIssuer accepts the tokens it maps, for any audience: the tests here
// are about the plumbing around auth, not about a vendor's login.
type staticIssuer map[string]Principal

func (s staticIssuer) Validate(tok, _ string) (Principal, AuthFailure) {
	p, ok := s[tok]
	if !ok {
		return Principal{}, AuthInvalid
	}
	return p, AuthOK
}

func (staticIssuer) Register(*http.ServeMux) {}

type kit struct {
	clock  *FakeClock
	issuer staticIssuer
	faults *Faults
	limit  *RateLimiter
	rec    *Recorder
	srv    *httptest.Server
}

func setup(t *testing.T) *kit {
	t.Helper()
	k := &kit{clock: NewFakeClock(t0)}
	k.issuer = staticIssuer{goodTok: {Tenant: tenant, ClientID: clientID, DisplayName: "alertsync", Audience: graphAud}}
	k.faults = NewFaults(1)
	k.limit = NewRateLimiter(k.clock, Limit{Requests: 3, Window: time.Minute})
	k.rec = NewRecorder(k.clock)
	api := http.NewServeMux()
	api.HandleFunc("/api/ping", func(w http.ResponseWriter, r *http.Request) {
		p, _ := PrincipalFrom(r.Context())
		WriteJSON(w, http.StatusOK, map[string]string{"app": p.DisplayName})
	})
	st := Stack{Issuer: k.issuer, Audience: graphAud, ServeTokens: true, Faults: k.faults, Limiter: k.limit, Recorder: k.rec, Errors: testErrors{}}
	k.srv = httptest.NewServer(st.Handler(api))
	t.Cleanup(k.srv.Close)
	return k
}

func (k *kit) call(t *testing.T, tok string) (int, string, http.Header) {
	t.Helper()
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, k.srv.URL+"/api/ping", nil)
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp.Header
}

// postForm posts form to u as a token client does.

func TestFaults(t *testing.T) {
	t.Parallel()
	k := setup(t)
	k.limit.SetLimits() // no budget for this test
	tok := goodTok

	k.faults.FailFirst(2, http.StatusForbidden, []byte(`{"error":"consent"}`))
	for i := range 2 {
		if s, b, _ := k.call(t, tok); s != 403 || b != `{"error":"consent"}` {
			t.Fatalf("fail-first call %d: %d %s", i, s, b)
		}
	}
	if s, _, _ := k.call(t, tok); s != 200 {
		t.Fatalf("after fail-first: %d", s)
	}

	k.faults.ThrottleNext(1, 2500*time.Millisecond)
	if s, _, h := k.call(t, tok); s != 429 || h.Get("Retry-After") != "3" {
		t.Fatalf("forced 429: %d %q", s, h.Get("Retry-After"))
	}

	k.faults.SetErrorRate(1, http.StatusBadGateway)
	if s, b, _ := k.call(t, tok); s != 502 || !strings.Contains(b, "server") {
		t.Fatalf("error rate 1: %d %s", s, b)
	}
	k.faults.SetErrorRate(0.5, 0)
	fails := 0
	for range 40 {
		if s, _, _ := k.call(t, tok); s == 503 {
			fails++
		}
	}
	if fails == 0 || fails == 40 {
		t.Fatalf("error rate 0.5 failed %d of 40", fails)
	}
	k.faults.Reset()
	k.faults.SetLatency(30 * time.Millisecond)
	start := time.Now()
	if s, _, _ := k.call(t, tok); s != 200 || time.Since(start) < 30*time.Millisecond {
		t.Fatalf("latency: %d after %v", s, time.Since(start))
	}
}

func TestFaultsDeterministic(t *testing.T) {
	t.Parallel()
	run := func() []bool {
		f := NewFaults(42)
		f.SetErrorRate(0.3, 0)
		var out []bool
		for range 50 {
			out = append(out, f.decide().status != 0)
		}
		return out
	}
	a, b := run(), run()
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("draw %d differs", i)
		}
	}
}

func TestRateLimiter(t *testing.T) {
	t.Parallel()
	clock := NewFakeClock(t0)
	l := NewRateLimiter(clock, Limit{Requests: 2, Window: time.Minute}, Limit{Requests: 3, Window: time.Hour})
	steps := []struct {
		advance time.Duration
		key     string
		ok      bool
		wait    time.Duration
	}{
		{0, "a", true, 0},
		{10 * time.Second, "a", true, 0},
		{10 * time.Second, "a", false, 40 * time.Second},
		{0, "b", true, 0}, // keys are independent
		{40 * time.Second, "a", true, 0},
		{time.Minute, "a", false, time.Hour - 2*time.Minute}, // hourly budget spent
	}
	for i, s := range steps {
		clock.Advance(s.advance)
		ok, wait := l.Allow(s.key)
		if ok != s.ok || wait != s.wait {
			t.Fatalf("step %d: ok=%v wait=%v, want %v %v", i, ok, wait, s.ok, s.wait)
		}
	}
}

func TestRateLimitMiddleware(t *testing.T) {
	t.Parallel()
	k := setup(t)
	tok := goodTok
	for range 3 {
		if s, _, _ := k.call(t, tok); s != 200 {
			t.Fatalf("within budget: %d", s)
		}
	}
	s, _, h := k.call(t, tok)
	if s != 429 || h.Get("Retry-After") != "60" {
		t.Fatalf("over budget: %d %q", s, h.Get("Retry-After"))
	}
	k.clock.Advance(time.Minute)
	if s, _, _ := k.call(t, tok); s != 200 {
		t.Fatalf("next window: %d", s)
	}
}

func TestRecorder(t *testing.T) {
	t.Parallel()
	k := setup(t)
	tok := goodTok
	k.call(t, tok)
	k.call(t, "")
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, k.srv.URL+"/api/ping?x=1", strings.NewReader(`{"a":1}`))
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	got := k.rec.Requests()
	if len(got) != 3 {
		t.Fatalf("recorded %d", len(got))
	}
	if got[0].Status != 200 || got[1].Status != 401 || got[2].Method != "POST" || string(got[2].Body) != `{"a":1}` || got[2].Query.Get("x") != "1" {
		t.Fatalf("recorded %+v", got)
	}
	for _, r := range got {
		if r.Header.Get("Authorization") != "" {
			t.Fatal("authorization recorded")
		}
		if !r.Time.Equal(t0) {
			t.Fatalf("time %v", r.Time)
		}
	}
	if n := len(k.rec.Filter("POST", "/api/")); n != 1 {
		t.Fatalf("filter: %d", n)
	}
	k.rec.Reset()
	if len(k.rec.Requests()) != 0 {
		t.Fatal("reset")
	}
}

func TestTicker(t *testing.T) {
	t.Parallel()
	c := NewFakeClock(t0)
	tk := NewTicker(c)
	a, b := tk.Next(), tk.Next()
	if !b.After(a) {
		t.Fatalf("%v !after %v", b, a)
	}
	c.Advance(time.Hour)
	if got := tk.Next(); !got.Equal(t0.Add(time.Hour)) {
		t.Fatalf("next %v", got)
	}
}

func TestWorldDeterministic(t *testing.T) {
	t.Parallel()
	a, b := NewWorld(7), NewWorld(7)
	if a.Hosts[3] != b.Hosts[3] || a.Users[5] != b.Users[5] || a.TenantID != b.TenantID {
		t.Fatal("world differs for one seed")
	}
	if NewWorld(8).TenantID == a.TenantID {
		t.Fatal("world same for other seed")
	}
	if len(a.Hosts[0].MachineID) != 40 || len(a.Files[0].SHA256) != 64 {
		t.Fatalf("shapes %+v %+v", a.Hosts[0], a.Files[0])
	}
}
