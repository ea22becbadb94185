package lacework

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestTokenEndpoint(t *testing.T) {
	t.Parallel()
	h := setup(t, Options{Alerts: 1})
	tests := []struct {
		name          string
		key, secret   string
		expiry        int
		status        int
		wantInMessage string
	}{
		{"good", DefaultKeyID, DefaultSecret, 600, http.StatusCreated, ""},
		{"wrong secret", DefaultKeyID, "_not-the-secret", 600, http.StatusUnauthorized, "Invalid Access Key"},
		{"unknown key", "NOPE_123", DefaultSecret, 600, http.StatusUnauthorized, "Invalid Access Key"},
		{"no secret", DefaultKeyID, "", 600, http.StatusUnauthorized, "Invalid Access Key"},
		{"a day is the most", DefaultKeyID, DefaultSecret, 86401, http.StatusBadRequest, "86400"},
	}
	for _, tt := range tests {
		res := h.tokenRequest(t, tt.key, tt.secret, tt.expiry)
		if res.status != tt.status || !strings.Contains(res.message(t), tt.wantInMessage) {
			t.Errorf("%s: %d %s", tt.name, res.status, res.body)
		}
		if tt.status == http.StatusCreated {
			m := res.json(t)
			if m["expiresAt"] != wireTime(t0.Add(600*time.Second)) || !strings.HasPrefix(m["token"].(string), "_") {
				t.Errorf("%s: answer %v", tt.name, m)
			}
		}
	}
}

func TestTokensExpireAndTakeBothForms(t *testing.T) {
	t.Parallel()
	h := setup(t, Options{Alerts: 1})
	path := window(t0.Add(-time.Hour), t0)
	if res := h.send(t, http.MethodGet, path, nil, http.Header{"Authorization": {h.token}}); res.status != http.StatusOK {
		t.Errorf("bare token (the Go SDK's form): %d %s", res.status, res.body)
	}
	for name, hdr := range map[string]string{"missing": "", "forged": "Bearer _forged"} {
		if res := h.send(t, http.MethodGet, path, nil, http.Header{"Authorization": {hdr}}); res.status != http.StatusUnauthorized {
			t.Errorf("%s token: %d", name, res.status)
		}
	}
	h.clock.Advance(3599 * time.Second)
	if res := h.call(t, http.MethodGet, path, nil); res.status != http.StatusOK {
		t.Errorf("a second before expiry: %d", res.status)
	}
	h.clock.Advance(time.Second)
	if res := h.call(t, http.MethodGet, path, nil); res.status != http.StatusUnauthorized || res.message(t) != "Access token has expired" {
		t.Errorf("at expiry: %d %s", res.status, res.body)
	}
	h = setup(t, Options{Alerts: 1})
	h.emu.ExpireTokens()
	if res := h.call(t, http.MethodGet, path, nil); res.status != http.StatusUnauthorized {
		t.Errorf("after ExpireTokens: %d", res.status)
	}
}

func TestSubAccountHeader(t *testing.T) {
	t.Parallel()
	h := setup(t, Options{Alerts: 1, SubAccounts: []string{"child"}})
	for sub, want := range map[string]int{"CHILD": http.StatusOK, DefaultAccount: http.StatusOK, "stranger": http.StatusForbidden} {
		res := h.send(t, http.MethodGet, window(t0.Add(-time.Hour), t0), nil, http.Header{"Authorization": {"Bearer " + h.token}, "Account-Name": {sub}})
		if res.status != want {
			t.Errorf("Account-Name %s: %d, want %d", sub, res.status, want)
		}
	}
}

func TestListWindowsAndPaging(t *testing.T) {
	t.Parallel()
	h := setup(t, Options{Alerts: 25, PageSize: 10})
	from, to := t0.Add(-7*24*time.Hour), t0
	var ids []int
	next := window(from, to)
	for pages := 0; next != ""; pages++ {
		if pages > 5 {
			t.Fatal("paging does not end")
		}
		l := h.call(t, http.MethodGet, next, nil).list(t)
		for _, it := range l.Data {
			ids = append(ids, it.AlertID)
		}
		next = ""
		if l.Paging.URLs.NextPage != nil {
			next = *l.Paging.URLs.NextPage
			if !strings.HasPrefix(next, h.srv.URL+"/api/v2/Alerts?") {
				t.Errorf("nextPage %q is not an absolute URL of this server", next)
			}
		}
		if l.Paging.TotalRows != 25 || l.Paging.Rows != len(l.Data) {
			t.Errorf("paging %+v", l.Paging)
		}
	}
	if uniq := slices.Compact(slices.Sorted(slices.Values(ids))); len(ids) != 25 || len(uniq) != 25 {
		t.Fatalf("%d alerts listed, %d distinct", len(ids), len(uniq))
	}
	bad := []string{
		window(t0.Add(-8*24*time.Hour), t0),
		window(t0, t0.Add(-time.Hour)),
		"/api/v2/Alerts?startTime=" + wireTime(t0),
		"/api/v2/Alerts?startTime=yesterday&endTime=" + wireTime(t0),
		window(t0.Add(-93*24*time.Hour), t0.Add(-90*24*time.Hour)),
		window(from, to) + "&pageToken=garbage",
	}
	for _, p := range bad {
		if res := h.call(t, http.MethodGet, p, nil); res.status != http.StatusBadRequest || res.message(t) == "" {
			t.Errorf("%s: %d %s", p, res.status, res.body)
		}
	}
	if l := h.call(t, http.MethodGet, "/api/v2/Alerts", nil).list(t); l.Paging.TotalRows == 0 {
		t.Error("no window: want the last 24 hours' alerts")
	}
}

func TestScopes(t *testing.T) {
	t.Parallel()
	h := setup(t, Options{Alerts: 0})
	id := h.emu.SeedAlerts(1)[0]
	for _, s := range Scopes {
		res := h.call(t, http.MethodGet, "/api/v2/Alerts/"+id+"?scope="+s, nil)
		if res.status != http.StatusOK {
			t.Fatalf("%s: %d %s", s, res.status, res.body)
		}
		if _, ok := res.json(t)["data"]; !ok {
			t.Errorf("%s: no data in %s", s, res.body)
		}
	}
	d := h.call(t, http.MethodGet, "/api/v2/Alerts/"+id+"?scope=Details", nil).json(t)["data"].(map[string]any)
	if d["alertId"] != mustFloat(id) || d["entityMap"] == nil || d["status"] != StatusOpen || d["lastUserUpdatedTime"] != "0" {
		t.Errorf("details %v", d)
	}
	if res := h.call(t, http.MethodGet, "/api/v2/Alerts/1?scope=Details", nil); res.status != http.StatusNotFound {
		t.Errorf("unknown alert: %d", res.status)
	}
	if res := h.call(t, http.MethodGet, "/api/v2/Alerts/"+id+"?scope=Everything", nil); res.status != http.StatusBadRequest {
		t.Errorf("unknown scope: %d", res.status)
	}
}

func mustFloat(s string) float64 {
	n, _ := strconv.Atoi(s)
	return float64(n)
}

func TestScopeFaults(t *testing.T) {
	t.Parallel()
	h := setup(t, Options{Alerts: 0})
	id := h.emu.SeedAlerts(1)[0]
	h.emu.FailScope(id, "Events", 2, http.StatusBadGateway)
	h.emu.DropScope(id, "Timeline")
	var got []int
	for range 3 {
		got = append(got, h.call(t, http.MethodGet, "/api/v2/Alerts/"+id+"?scope=Events", nil).status)
	}
	if !slices.Equal(got, []int{502, 502, 200}) {
		t.Errorf("Events answered %v, want two failures then success", got)
	}
	for range 2 {
		if res := h.call(t, http.MethodGet, "/api/v2/Alerts/"+id+"?scope=Timeline", nil); res.status != http.StatusNotFound {
			t.Errorf("dropped Timeline: %d", res.status)
		}
	}
	if calls, most := h.emu.ScopeStats(); calls != 5 || most != 1 {
		t.Errorf("stats: %d calls, %d in flight at most", calls, most)
	}
	h.emu.ClearScopeFaults()
	if res := h.call(t, http.MethodGet, "/api/v2/Alerts/"+id+"?scope=Timeline", nil); res.status != http.StatusOK {
		t.Errorf("after clearing: %d", res.status)
	}
}

// TestScopeLatencyAbandoned: a scope call whose caller gave up during the
// scope latency is abandoned (emukit.Delay), not answered with an empty
// 200 that a caller still reading takes for an alert without a status.
func TestScopeLatencyAbandoned(t *testing.T) {
	t.Parallel()
	h := setup(t, Options{Alerts: 0})
	id := h.emu.SeedAlerts(1)[0]
	h.emu.SetScopeLatency(time.Minute)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	req := httptest.NewRequestWithContext(ctx, http.MethodGet, "/api/v2/Alerts/"+id+"?scope=Details", nil)
	req.Header.Set("Authorization", "Bearer "+h.token)
	w := httptest.NewRecorder()
	defer func() {
		p := recover()
		if err, _ := p.(error); !errors.Is(err, http.ErrAbortHandler) {
			t.Errorf("abandoned scope call: panic %v, answered %d %q; want the answer abandoned (http.ErrAbortHandler)", p, w.Code, w.Body)
		}
	}()
	h.emu.Handler().ServeHTTP(w, req)
}

func TestCommentAndClose(t *testing.T) {
	t.Parallel()
	h := setup(t, Options{Alerts: 0})
	id := h.emu.SeedAlerts(1)[0]
	base := "/api/v2/Alerts/" + id
	for _, body := range []any{map[string]any{"comment": " "}, map[string]any{}, map[string]any{"comment": "x", "extra": 1}} {
		if res := h.call(t, http.MethodPost, base+"/comment", body); res.status != http.StatusBadRequest {
			t.Errorf("comment %v: %d", body, res.status)
		}
	}
	res := h.call(t, http.MethodPost, base+"/comment", map[string]any{"comment": "this is fine"})
	data, _ := res.json(t)["data"].(map[string]any)
	if res.status != http.StatusOK || data["entryType"] != "Comment" || data["message"].(map[string]any)["value"] != "this is fine" ||
		data["user"].(map[string]any)["username"] != DefaultUser {
		t.Fatalf("comment: %d %s", res.status, res.body)
	}
	closes := []struct {
		body   map[string]any
		status int
	}{
		{map[string]any{"comment": "x"}, 400},
		{map[string]any{"reason": 7, "comment": "x"}, 400},
		{map[string]any{"reason": 0}, 400},
		{map[string]any{"reason": 1, "comment": "benign"}, 200},
		{map[string]any{"reason": 3, "comment": "again"}, 400},
	}
	for _, c := range closes {
		if res := h.call(t, http.MethodPost, base+"/close", c.body); res.status != c.status {
			t.Errorf("close %v: %d %s", c.body, res.status, res.body)
		}
	}
	a, _ := h.emu.Alert(id)
	if a.Status != StatusClosed || *a.CloseReason != 1 || !slices.Equal(a.comments(), []string{"this is fine", "benign"}) {
		t.Errorf("alert after close: %s %v %v", a.Status, a.CloseReason, a.comments())
	}
	if a.item().LastUserUpdatedTime == "0" {
		t.Error("close left lastUserUpdatedTime at 0")
	}
	if err := h.emu.SetAlertStatus(id, StatusOpen); err == nil {
		t.Error("a closed alert was reopened")
	}
	if res := h.call(t, http.MethodPost, "/api/v2/Alerts/5/close", map[string]any{"reason": 1}); res.status != http.StatusNotFound {
		t.Errorf("close unknown: %d", res.status)
	}
}

func TestThrottleAndBudget(t *testing.T) {
	t.Parallel()
	h := setup(t, Options{Alerts: 1, PerMinute: 2})
	path := window(t0.Add(-time.Hour), t0)
	h.emu.ThrottleNext(7 * time.Second)
	if res := h.call(t, http.MethodGet, path, nil); res.status != http.StatusTooManyRequests || res.header.Get("Retry-After") != "7" {
		t.Errorf("throttled: %d Retry-After %q", res.status, res.header.Get("Retry-After"))
	}
	for range 2 {
		h.call(t, http.MethodGet, path, nil)
	}
	if res := h.call(t, http.MethodGet, path, nil); res.status != http.StatusTooManyRequests || res.header.Get("Retry-After") == "" {
		t.Errorf("over budget: %d", res.status)
	}
	h.clock.Advance(time.Minute)
	if res := h.call(t, http.MethodGet, path, nil); res.status != http.StatusOK {
		t.Errorf("next minute: %d", res.status)
	}
}

func TestSeedIsDeterministic(t *testing.T) {
	t.Parallel()
	a, b := setup(t, Options{Alerts: 30, Seed: 5}).emu.Alerts(), setup(t, Options{Alerts: 30, Seed: 5}).emu.Alerts()
	if len(a) != 30 || a[0].ID != b[0].ID || a[29].Subject != b[29].Subject || a[7].Status != b[7].Status {
		t.Fatal("two emulators with one seed differ")
	}
	statuses := map[string]int{}
	for _, x := range a {
		statuses[x.Status]++
		if x.Start.After(t0.Add(-time.Hour)) || x.Start.Before(t0.Add(-7*24*time.Hour)) {
			t.Errorf("alert %d starts %v, outside the last week", x.ID, x.Start)
		}
	}
	if statuses[StatusOpen] == 0 || statuses[StatusClosed]+statuses[StatusInProgress] == 0 {
		t.Errorf("statuses %v", statuses)
	}
}

// TestTokenLifetimeCap: the fault suite's cap shortens the expiryTime a
// client asks for, and the answer's expiresAt says so.
func TestTokenLifetimeCap(t *testing.T) {
	t.Parallel()
	h := setup(t, Options{Alerts: 1})
	h.emu.SetTokenLifetime(time.Minute)
	res := h.tokenRequest(t, DefaultKeyID, DefaultSecret, 3600)
	if m := res.json(t); res.status != http.StatusCreated || m["expiresAt"] != wireTime(t0.Add(time.Minute)) {
		t.Fatalf("capped token: %d %v", res.status, m)
	}
	h.clock.Advance(time.Minute)
	if n := h.emu.TokensExpired(); n < 1 {
		t.Errorf("TokensExpired = %d after a minute, want the capped token", n)
	}
}
