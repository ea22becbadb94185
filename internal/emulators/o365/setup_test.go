package o365

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/alertsync/alertsync/internal/emulators/emukit"
)

var t0 = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

const pid = "46b472a7-c68e-4adf-8ade-3db49497518e"

type harness struct {
	emu   *Emulator
	clock *emukit.FakeClock
	srv   *httptest.Server
	token string
}

// setup starts an emulator on a fake clock with opts (Clock filled in)
// and fetches a token for the default app.
func setup(t *testing.T, opts Options) *harness {
	t.Helper()
	clock := emukit.NewFakeClock(t0)
	opts.Clock = clock
	emu := New(opts)
	srv := httptest.NewServer(emu.Handler())
	t.Cleanup(srv.Close)
	h := &harness{emu: emu, clock: clock, srv: srv}
	h.token = h.fetchToken(t)
	return h
}

func (h *harness) fetchToken(t *testing.T) string {
	t.Helper()
	form := url.Values{"client_id": {DefaultClientID}, "client_secret": {DefaultClientSecret},
		"scope": {Audience + "/.default"}, "grant_type": {"client_credentials"}}
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, h.srv.URL+"/"+DefaultTenantID+"/oauth2/v2.0/token", strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if resp.StatusCode != http.StatusOK || json.NewDecoder(resp.Body).Decode(&tok) != nil {
		t.Fatalf("token: %d", resp.StatusCode)
	}
	return tok.AccessToken
}

type result struct {
	status int
	header http.Header
	body   []byte
}

// code returns error.code of an error answer.
func (r result) code(t *testing.T) string {
	t.Helper()
	var e apiError
	if err := json.Unmarshal(r.body, &e); err != nil || e.Error.Message == "" {
		t.Fatalf("error body %q: %v", r.body, err)
	}
	return e.Error.Code
}

// do sends method to a path under the tenant's feed root (or an absolute
// URL) with the token.
func (h *harness) do(t *testing.T, method, ref string) result {
	t.Helper()
	u := ref
	if !strings.HasPrefix(ref, "http") {
		u = h.srv.URL + "/api/v1.0/" + DefaultTenantID + "/activity/feed/" + ref
	}
	req, err := http.NewRequestWithContext(t.Context(), method, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+h.token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	b, _ := io.ReadAll(resp.Body)
	return result{resp.StatusCode, resp.Header, b}
}

// listAll lists ct's content in [start, end) through every page.
func (h *harness) listAll(t *testing.T, ct, start, end string) ([]contentWire, []string) {
	t.Helper()
	ref := "subscriptions/content?contentType=" + ct + "&PublisherIdentifier=" + pid
	if start != "" {
		ref += "&startTime=" + start + "&endTime=" + end
	}
	var out []contentWire
	var next []string
	for ref != "" {
		r := h.do(t, http.MethodGet, ref)
		if r.status != http.StatusOK {
			t.Fatalf("list %s: %d %s", ref, r.status, r.body)
		}
		var page []contentWire
		if err := json.Unmarshal(r.body, &page); err != nil {
			t.Fatal(err)
		}
		out = append(out, page...)
		ref = r.header.Get("NextPageUri")
		if ref != "" {
			next = append(next, ref)
			ref += "&PublisherIdentifier=" + pid
		}
	}
	return out, next
}

// records fetches a blob's records.
func (h *harness) records(t *testing.T, uri string) []map[string]any {
	t.Helper()
	r := h.do(t, http.MethodGet, uri+"?PublisherIdentifier="+pid)
	if r.status != http.StatusOK {
		t.Fatalf("blob %s: %d %s", uri, r.status, r.body)
	}
	var recs []map[string]any
	if err := json.Unmarshal(r.body, &recs); err != nil {
		t.Fatal(err)
	}
	return recs
}
