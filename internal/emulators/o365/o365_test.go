package o365

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/alertsync/alertsync/internal/emulators/emukit"
)

func TestSubscriptions(t *testing.T) {
	t.Parallel()
	h := setup(t, Options{})
	steps := []struct {
		method, ref string
		status      int
		code        string
	}{
		{http.MethodGet, "subscriptions/content?contentType=Audit.Exchange", 400, "AF20022"},
		{http.MethodPost, "subscriptions/start?contentType=Audit.Exchange&PublisherIdentifier=" + pid, 200, ""},
		{http.MethodPost, "subscriptions/start?contentType=Audit.Exchange&PublisherIdentifier=" + pid, 400, "AF20024"},
		{http.MethodPost, "subscriptions/start?contentType=Audit.Nope", 400, "AF20020"},
		{http.MethodPost, "subscriptions/start", 400, "AF20001"},
		{http.MethodGet, "subscriptions/content?contentType=Audit.Exchange", 200, ""},
		{http.MethodPost, "subscriptions/stop?contentType=Audit.Exchange", 200, ""},
		{http.MethodGet, "subscriptions/content?contentType=Audit.Exchange", 400, "AF20023"},
		{http.MethodPost, "subscriptions/stop?contentType=DLP.All", 400, "AF20022"},
		{http.MethodPost, "subscriptions/start?contentType=Audit.Exchange", 200, ""},
	}
	for i, s := range steps {
		r := h.do(t, s.method, s.ref)
		if r.status != s.status || (s.code != "" && r.code(t) != s.code) {
			t.Fatalf("step %d %s %s: %d %s, want %d %s", i, s.method, s.ref, r.status, r.body, s.status, s.code)
		}
	}
	r := h.do(t, http.MethodGet, "subscriptions/list?PublisherIdentifier="+pid)
	if r.status != 200 || strings.TrimSpace(string(r.body)) != `[{"contentType":"Audit.Exchange","status":"enabled","webhook":null}]` {
		t.Errorf("list: %d %s", r.status, r.body)
	}
	h.emu.DisableSubscription(Exchange, "a service admin")
	if r := h.do(t, http.MethodGet, "subscriptions/content?contentType=Audit.Exchange"); !strings.Contains(string(r.body), "disabled by a service admin") {
		t.Errorf("admin-disabled: %s", r.body)
	}
}

func TestTenantAndPublisherChecks(t *testing.T) {
	t.Parallel()
	h := setup(t, Options{})
	other := "0b7e3a4c-2d4f-4e6a-8c1b-9f5e2a7d3c10"
	tests := []struct {
		name, url string
		status    int
		code      string
	}{
		{"not a guid", h.srv.URL + "/api/v1.0/contoso.com/activity/feed/subscriptions/list", 400, "AF20013"},
		{"other tenant", h.srv.URL + "/api/v1.0/" + other + "/activity/feed/subscriptions/list", 403, "AF20010"},
		{"bad publisher", h.srv.URL + "/api/v1.0/" + DefaultTenantID + "/activity/feed/subscriptions/list?PublisherIdentifier=acme", 400, "AF20002"},
	}
	for _, tt := range tests {
		if r := h.do(t, http.MethodGet, tt.url); r.status != tt.status || r.code(t) != tt.code {
			t.Errorf("%s: %d %s", tt.name, r.status, r.body)
		}
	}
	h.token = "forged"
	if r := h.do(t, http.MethodGet, "subscriptions/list"); r.status != http.StatusUnauthorized {
		t.Errorf("forged token: %d %s", r.status, r.body)
	}
}

func TestContentWindowRules(t *testing.T) {
	t.Parallel()
	h := setup(t, Options{Subscribed: []string{SharePoint}})
	base := "subscriptions/content?contentType=Audit.SharePoint"
	tests := []struct {
		query  string
		status int
		code   string
	}{
		{"&startTime=2026-03-01T08:00:00", 400, "AF20030"},
		{"&endTime=2026-03-01T08:00", 400, "AF20030"},
		{"&startTime=2026-03-01T08:00:00Z&endTime=2026-03-01T09:00:00Z", 400, "AF20002"},
		{"&startTime=2026-02-27T08:00&endTime=2026-02-28T08:01", 400, "AF20055"},
		{"&startTime=2026-03-01T09:00&endTime=2026-03-01T08:00", 400, "AF20055"},
		{"&startTime=2026-02-21T08:00&endTime=2026-02-22T08:00", 400, "AF20055"},
		{"&startTime=2026-02-27&endTime=2026-02-28", 200, ""},
		{"&startTime=2026-02-28T09:00&endTime=2026-03-01T09:00", 200, ""},
		{"&startTime=2026-02-22T09:00:00&endTime=2026-02-23T09:00:00", 200, ""},
		{"", 200, ""},
	}
	for _, tt := range tests {
		r := h.do(t, http.MethodGet, base+tt.query)
		if r.status != tt.status || (tt.code != "" && r.code(t) != tt.code) {
			t.Errorf("%s: %d %s, want %d %s", tt.query, r.status, r.body, tt.status, tt.code)
		}
	}
}

// Content is listed by when it became available, only after the publish
// delay, only when it was made while subscribed, and a page at a time.
func TestContentListingAndPaging(t *testing.T) {
	t.Parallel()
	h := setup(t, Options{PageSize: 3, BlobSize: 2, PublishDelay: time.Minute, Seed: 5})
	h.emu.Publish(Exchange, json.RawMessage(`{"Id":"before-subscription"}`))
	h.emu.Subscribe(ContentTypes...)
	recs := h.emu.Generate(60)
	start, end := "2026-03-01T08:00", "2026-03-01T10:00"
	if got, _ := h.listAll(t, Exchange, start, end); len(got) != 0 {
		t.Fatalf("listed before the publish delay: %v", got)
	}
	h.clock.Advance(time.Minute)
	seen := map[string]int{}
	blobs := 0
	for _, ct := range ContentTypes {
		got, next := h.listAll(t, ct, start, end)
		blobs += len(got)
		if len(got) > 3 && len(next) == 0 {
			t.Errorf("%s: %d blobs without NextPageUri", ct, len(got))
		}
		for _, n := range next {
			if !strings.Contains(n, "/api/v1/"+DefaultTenantID+"/activity/feed/subscriptions/content?") || strings.Contains(n, "PublisherIdentifier") ||
				!strings.Contains(n, "startTime=2026-03-01T08%3A00") || !strings.Contains(n, "nextPage=") {
				t.Errorf("NextPageUri %s", n)
			}
		}
		for _, c := range got {
			if c.ContentType != ct || c.ContentCreated != "2026-03-01T09:00:00.000Z" || c.ContentExpiration != "2026-03-08T09:00:00.000Z" ||
				!strings.HasSuffix(c.ContentURI, "/api/v1.0/"+DefaultTenantID+"/activity/feed/audit/"+c.ContentID) {
				t.Errorf("content %+v", c)
			}
			for _, r := range h.records(t, c.ContentURI) {
				seen[r["Id"].(string)]++
			}
		}
	}
	if len(seen) != len(recs) || blobs < len(recs)/2 {
		t.Fatalf("read %d records in %d blobs, made %d", len(seen), blobs, len(recs))
	}
	for _, r := range recs {
		if seen[r.ID] != 1 {
			t.Errorf("record %s read %d times", r.ID, seen[r.ID])
		}
	}
	if got := len(h.emu.Available()); got != len(recs) {
		t.Errorf("Available has %d records, want %d", got, len(recs))
	}
	bad := h.do(t, http.MethodGet, "subscriptions/content?contentType=Audit.Exchange&startTime="+start+"&endTime="+end+"&nextPage=oops")
	if bad.status != 400 || bad.code(t) != "AF20031" {
		t.Errorf("bad nextPage: %d %s", bad.status, bad.body)
	}
}

func TestBlobRetrieval(t *testing.T) {
	t.Parallel()
	h := setup(t, Options{Subscribed: []string{General}, PublishDelay: -1})
	id := h.emu.Publish(General, json.RawMessage(`{"Id":"x"}`), json.RawMessage(`"not an object"`))
	uri := h.srv.URL + "/api/v1.0/" + DefaultTenantID + "/activity/feed/audit/" + id
	if r := h.do(t, http.MethodGet, uri); r.status != 200 || string(r.body) != "[{\"Id\":\"x\"},\"not an object\"]\n" {
		t.Errorf("blob: %d %s", r.status, r.body)
	}
	for ref, code := range map[string]string{"audit/1$2$audit_general$Audit_General": "AF20050", "audit/bad%20id": "AF20052"} {
		if r := h.do(t, http.MethodGet, ref); r.code(t) != code {
			t.Errorf("%s: %d %s", ref, r.status, r.body)
		}
	}
	h.clock.Advance(Retention)
	h.token = h.fetchToken(t)
	if r := h.do(t, http.MethodGet, uri); r.status != 400 || r.code(t) != "AF20051" {
		t.Errorf("expired: %d %s", r.status, r.body)
	}
}

func TestFaults(t *testing.T) {
	t.Parallel()
	h := setup(t, Options{})
	h.emu.Throttle(1, 7*time.Second)
	r := h.do(t, http.MethodGet, "subscriptions/list?PublisherIdentifier="+pid)
	if r.status != http.StatusForbidden || r.code(t) != "AF429" || r.header.Get("Retry-After") != "7" ||
		!strings.Contains(string(r.body), "Method=GET, PublisherId="+pid) {
		t.Errorf("throttled: %d %v %s", r.status, r.header, r.body)
	}
	h.emu.Throttle(1, 0)
	if r := h.do(t, http.MethodGet, "audit/1$1$audit_general$Audit_General"); !strings.Contains(string(r.body), "Method=GetBlob, PublisherId=00000000-0000-0000-0000-000000000000") || r.header.Get("Retry-After") != "" {
		t.Errorf("throttled blob: %v %s", r.header, r.body)
	}
	h.emu.Faults().SetErrorRate(1, 0)
	if r := h.do(t, http.MethodGet, "subscriptions/list"); r.status != 503 || r.code(t) != "AF50000" {
		t.Errorf("5xx: %d %s", r.status, r.body)
	}
	h.emu.Faults().Reset()
	h.emu.Limiter().SetLimits(emukit.Limit{Requests: 2, Window: time.Minute})
	codes := []int{h.do(t, "GET", "subscriptions/list?PublisherIdentifier="+pid).status, h.do(t, "GET", "subscriptions/list?PublisherIdentifier="+pid).status,
		h.do(t, "GET", "subscriptions/list?PublisherIdentifier="+pid).status, h.do(t, "GET", "subscriptions/list").status}
	if codes[0] != 200 || codes[1] != 200 || codes[2] != 403 || codes[3] != 200 {
		t.Errorf("budget per publisher pool: %v", codes)
	}
	found := false
	for _, r := range h.emu.Requests() {
		found = found || r.Query.Get("PublisherIdentifier") == pid
	}
	if !found {
		t.Error("PublisherIdentifier not recorded")
	}
}
