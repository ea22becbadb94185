package mde

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/alertsync/alertsync/internal/emulators/emukit"
)

var t0 = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

type harness struct {
	emu   *Emulator
	clock *emukit.FakeClock
	srv   *httptest.Server
	token string
}

func setup(t *testing.T) *harness {
	t.Helper()
	clock := emukit.NewFakeClock(t0)
	emu := New(Options{Clock: clock, Alerts: 200, Seed: 3})
	srv := httptest.NewServer(emu.Handler())
	t.Cleanup(srv.Close)
	h := &harness{emu: emu, clock: clock, srv: srv}
	h.token = h.fetchToken(t, Audience+"/.default")
	return h
}

func (h *harness) fetchToken(t *testing.T, scope string) string {
	t.Helper()
	form := url.Values{
		"client_id": {DefaultClientID}, "client_secret": {DefaultClientSecret}, "scope": {scope}, "grant_type": {"client_credentials"},
	}
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
	if resp.StatusCode != 200 || json.NewDecoder(resp.Body).Decode(&tok) != nil {
		t.Fatalf("token for %s: %d", scope, resp.StatusCode)
	}
	return tok.AccessToken
}

type result struct {
	status int
	header http.Header
	body   []byte
}

func (r result) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("decode %q: %v", r.body, err)
	}
	return m
}

// errCode returns error.code, checking the MDE envelope has message and target.
func (r result) errCode(t *testing.T) string {
	t.Helper()
	e, _ := r.json(t)["error"].(map[string]any)
	if e == nil || e["message"] == "" || len(e["target"].(string)) != 36 {
		t.Fatalf("not an MDE error: %s", r.body)
	}
	return e["code"].(string)
}

func (h *harness) do(t *testing.T, method, path string, body any) result {
	t.Helper()
	var rd io.Reader
	if s, ok := body.(string); ok {
		rd = strings.NewReader(s)
	} else if body != nil {
		raw, _ := json.Marshal(body)
		rd = bytes.NewReader(raw)
	}
	req, _ := http.NewRequestWithContext(t.Context(), method, h.srv.URL+path, rd)
	if h.token != "" {
		req.Header.Set("Authorization", "Bearer "+h.token)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	b, _ := io.ReadAll(resp.Body)
	return result{resp.StatusCode, resp.Header, b}
}

func (h *harness) alertWhere(t *testing.T, pred func(Alert) bool) Alert {
	t.Helper()
	for _, a := range h.emu.Alerts() {
		if pred(a) {
			return a
		}
	}
	t.Fatal("no alert matches")
	return Alert{}
}

func TestAuth(t *testing.T) {
	t.Parallel()
	h := setup(t)
	if r := h.do(t, "GET", "/api/alerts?$top=1", nil); r.status != 200 {
		t.Fatalf("valid: %d %s", r.status, r.body)
	}
	h.token = h.fetchToken(t, AudienceAlias+"/.default")
	if r := h.do(t, "GET", "/api/alerts?$top=1", nil); r.status != 200 {
		t.Fatalf("windowsatpservice scope: %d", r.status)
	}
	h.emu.Issuer().ExpireAll()
	if r := h.do(t, "GET", "/api/alerts?$top=1", nil); r.status != 401 || r.errCode(t) != "Unauthorized" {
		t.Fatalf("expired: %d %s", r.status, r.body)
	}
	h.token = ""
	if r := h.do(t, "GET", "/api/alerts?$top=1", nil); r.status != 401 {
		t.Fatalf("missing: %d", r.status)
	}
}

func TestListAlerts(t *testing.T) {
	t.Parallel()
	h := setup(t)
	r := h.do(t, "GET", "/api/alerts", nil)
	m := r.json(t)
	if r.status != 200 || len(m["value"].([]any)) != 200 || !strings.HasSuffix(m["@odata.context"].(string), "/api/$metadata#Alerts") {
		t.Fatalf("list: %d", r.status)
	}
	if _, ok := m["@odata.nextLink"]; ok {
		t.Fatal("MDE sends no nextLink")
	}
	var ids []string
	for skip := 0; ; skip += 60 {
		vals := h.do(t, "GET", "/api/alerts?$top=60&$skip="+strconv.Itoa(skip), nil).json(t)["value"].([]any)
		if len(vals) == 0 {
			break
		}
		for _, v := range vals {
			a := v.(map[string]any)
			ids = append(ids, a["id"].(string))
			if len(a["evidence"].([]any)) != 0 {
				t.Fatal("evidence without $expand")
			}
		}
	}
	slices.Sort(ids)
	if len(slices.Compact(ids)) != 200 {
		t.Fatalf("paged %d distinct alerts", len(ids))
	}
	vals := h.do(t, "GET", "/api/alerts?$top=1&$expand=evidence", nil).json(t)["value"].([]any)
	if ev := vals[0].(map[string]any)["evidence"].([]any); len(ev) < 2 {
		t.Fatalf("$expand=evidence gave %d", len(ev))
	}
	if r := h.do(t, "GET", "/api/alerts?$top=10001", nil); r.status != 400 || r.errCode(t) != "ODataError" {
		t.Fatalf("top over max: %d %s", r.status, r.body)
	}
}

// TestOrderByIgnored checks that $orderby, which the docs do not list for
// the alerts list, changes nothing: every request gets the emulator's own
// stable order (newest created first), not one by lastUpdateTime.
func TestOrderByIgnored(t *testing.T) {
	t.Parallel()
	h := setup(t)
	listIDs := func(t *testing.T, query string) []string {
		t.Helper()
		r := h.do(t, "GET", "/api/alerts?$top=500"+query, nil)
		if r.status != 200 {
			t.Fatalf("%s: %d %s", query, r.status, r.body)
		}
		var ids []string
		for _, v := range r.json(t)["value"].([]any) {
			ids = append(ids, v.(map[string]any)["id"].(string))
		}
		return ids
	}
	want := listIDs(t, "")
	var created []string
	for _, a := range slices.Backward(h.emu.Alerts()) {
		created = append(created, a.ID)
	}
	if !slices.Equal(want, created) {
		t.Fatal("default order is not newest created first")
	}
	tests := []struct{ name, query string }{
		{"lastUpdateTime asc", "&$orderby=lastUpdateTime%20asc"},
		{"lastUpdateTime desc", "&$orderby=lastUpdateTime%20desc"},
		{"alertCreationTime asc", "&$orderby=alertCreationTime"},
		{"undocumented property", "&$orderby=title%20asc"},
	}
	for _, tt := range tests {
		if got := listIDs(t, tt.query); !slices.Equal(got, want) {
			t.Errorf("%s: order changed", tt.name)
		}
	}
}

func TestFilter(t *testing.T) {
	t.Parallel()
	h := setup(t)
	all := h.emu.Alerts()
	mid := all[100].LastUpdateTime
	count := func(pred func(Alert) bool) int {
		n := 0
		for _, a := range all {
			if pred(a) {
				n++
			}
		}
		return n
	}
	tests := []struct {
		filter string
		want   int
	}{
		{"lastUpdateTime gt " + mid.Format(time.RFC3339Nano), count(func(a Alert) bool { return a.LastUpdateTime.After(mid) })},
		{"lastUpdateTime ge " + mid.Format(time.RFC3339Nano) + " and status eq 'New'", count(func(a Alert) bool { return !a.LastUpdateTime.Before(mid) && a.Status == "New" })},
		{"severity eq 'High'", count(func(a Alert) bool { return a.Severity == "High" })},
		{"incidentId eq " + strconv.FormatInt(all[0].IncidentID, 10), count(func(a Alert) bool { return a.IncidentID == all[0].IncidentID })},
		{"title eq 'x'", -1},
	}
	for _, tt := range tests {
		r := h.do(t, "GET", "/api/alerts?$filter="+url.QueryEscape(tt.filter), nil)
		if tt.want < 0 {
			if r.status != 400 || r.errCode(t) != "ODataError" {
				t.Errorf("%s: %d %s", tt.filter, r.status, r.body)
			}
			continue
		}
		if got := len(r.json(t)["value"].([]any)); r.status != 200 || got != tt.want || got == 0 {
			t.Errorf("%s: %d alerts, want %d (non-zero)", tt.filter, got, tt.want)
		}
	}
}

func TestGetAlert(t *testing.T) {
	t.Parallel()
	h := setup(t)
	a := h.emu.Alerts()[0]
	m := h.do(t, "GET", "/api/alerts/"+a.ID, nil).json(t)
	for _, k := range []string{"id", "incidentId", "investigationId", "assignedTo", "severity", "status", "classification", "determination", "investigationState", "detectionSource", "detectorId", "category", "threatFamilyName", "title", "description", "alertCreationTime", "firstEventTime", "lastEventTime", "lastUpdateTime", "resolvedTime", "machineId", "computerDnsName", "rbacGroupName", "aadTenantId", "threatName", "mitreTechniques", "relatedUser", "comments", "evidence"} {
		if _, ok := m[k]; !ok {
			t.Errorf("alert lacks %s", k)
		}
	}
	r := h.do(t, "GET", "/api/alerts/da000_1", nil)
	if r.status != 404 || r.errCode(t) != "ResourceNotFound" {
		t.Fatalf("missing: %d %s", r.status, r.body)
	}
}

func TestPatchAlert(t *testing.T) {
	t.Parallel()
	h := setup(t)
	a := h.alertWhere(t, func(a Alert) bool { return a.Status == "New" && a.Classification == nil })
	path := "/api/alerts/" + a.ID
	bad := []struct {
		name string
		body any
		code string
	}{
		{"miscased property", map[string]any{"Status": "Resolved"}, "InvalidRequestBody"},
		{"unknown property", map[string]any{"comments": "x"}, "InvalidRequestBody"},
		{"bad status", map[string]any{"status": "Closed"}, "InvalidRequestBody"},
		{"camelCase status", map[string]any{"status": "inProgress"}, "InvalidRequestBody"},
		{"determination outside classification", map[string]any{"classification": "FalsePositive", "determination": "Malware"}, "InvalidRequestBody"},
		{"deprecated determination", map[string]any{"classification": "TruePositive", "determination": "Apt"}, "InvalidRequestBody"},
		{"determination without classification", map[string]any{"determination": "Malware"}, "InvalidRequestBody"},
		{"array body", `[{"status":"Resolved"}]`, "InvalidRequestBody"},
	}
	for _, tt := range bad {
		if r := h.do(t, "PATCH", path, tt.body); r.status != 400 || r.errCode(t) != tt.code {
			t.Errorf("%s: %d %s", tt.name, r.status, r.body)
		}
	}
	if got, _ := h.emu.Alert(a.ID); !got.LastUpdateTime.Equal(a.LastUpdateTime) {
		t.Fatal("refused patch changed the alert")
	}

	r := h.do(t, "PATCH", path, map[string]any{"status": "Resolved", "assignedTo": "secop2@contoso.com", "classification": "FalsePositive", "determination": "NotMalicious", "comment": "Resolve my alert and assign to secop2"})
	m := r.json(t)
	if r.status != 200 || m["status"] != "Resolved" || m["determination"] != "NotMalicious" || m["resolvedTime"] == nil {
		t.Fatalf("patch: %d %s", r.status, r.body)
	}
	cs := m["comments"].([]any)
	c := cs[len(cs)-1].(map[string]any)
	if c["comment"] != "Resolve my alert and assign to secop2" || c["createdBy"] != DefaultAppName || c["createdTime"] == nil {
		t.Fatalf("comment %v", c)
	}
	got, _ := h.emu.Alert(a.ID)
	if !got.LastUpdateTime.After(a.LastUpdateTime) {
		t.Fatal("lastUpdateTime did not advance")
	}
	before, _ := h.emu.Alert(a.ID)
	if r := h.do(t, "PATCH", path, map[string]any{"comment": "only a comment"}); r.status != 200 {
		t.Fatalf("comment only: %d", r.status)
	}
	after, _ := h.emu.Alert(a.ID)
	if len(after.Comments) != len(before.Comments)+1 || after.Status != "Resolved" || !after.LastUpdateTime.After(before.LastUpdateTime) {
		t.Fatal("comment-only patch")
	}
	if r := h.do(t, "PATCH", "/api/alerts/nope", map[string]any{"status": "New"}); r.status != 404 || r.errCode(t) != "ResourceNotFound" {
		t.Fatalf("unknown: %d", r.status)
	}
}

// TestDeterminationSpellings pins each operation to the determinations its
// own page documents: update-alert.md for PATCH (NotMalicious,
// ConfirmedActivity), batch-update-alerts.md for batchUpdate (Clean,
// ConfirmedUserActivity). The other page's spelling is refused with MDE's
// InvalidRequestBody error.
func TestDeterminationSpellings(t *testing.T) {
	t.Parallel()
	h := setup(t)
	id := h.emu.Alerts()[0].ID
	tests := []struct {
		classification, determination string
		patch, batch                  int
	}{
		{"FalsePositive", "NotMalicious", 200, 400},
		{"FalsePositive", "Clean", 400, 200},
		{"InformationalExpectedActivity", "ConfirmedActivity", 200, 400},
		{"InformationalExpectedActivity", "ConfirmedUserActivity", 400, 200},
		{"FalsePositive", "InsufficientData", 200, 200},
		{"TruePositive", "CompromisedUser", 200, 200},
		{"TruePositive", "SecurityPersonnel", 400, 400},
	}
	for _, tt := range tests {
		body := map[string]any{"classification": tt.classification, "determination": tt.determination}
		r := h.do(t, "PATCH", "/api/alerts/"+id, body)
		if r.status != tt.patch || (r.status == 400 && r.errCode(t) != "InvalidRequestBody") {
			t.Errorf("PATCH %s/%s: %d %s, want %d", tt.classification, tt.determination, r.status, r.body, tt.patch)
		}
		body["alertIds"] = []string{id}
		r = h.do(t, "POST", "/api/alerts/batchUpdate", body)
		if r.status != tt.batch || (r.status == 400 && r.errCode(t) != "InvalidRequestBody") {
			t.Errorf("batchUpdate %s/%s: %d %s, want %d", tt.classification, tt.determination, r.status, r.body, tt.batch)
		}
		h.clock.Advance(time.Minute) // batchUpdate allows 10 calls a minute
	}
}

func TestBatchUpdate(t *testing.T) {
	t.Parallel()
	h := setup(t)
	all := h.emu.Alerts()
	ids := []string{all[0].ID, all[1].ID}
	if r := h.do(t, "POST", "/api/alerts/batchUpdate", map[string]any{"status": "Resolved"}); r.status != 400 || r.errCode(t) != "MissingRequiredParameter" {
		t.Fatalf("no ids: %d %s", r.status, r.body)
	}
	if r := h.do(t, "POST", "/api/alerts/batchUpdate", map[string]any{"alertIds": ids, "Status": "Resolved"}); r.status != 400 {
		t.Fatalf("miscased: %d", r.status)
	}
	r := h.do(t, "POST", "/api/alerts/batchUpdate", map[string]any{"alertIds": ids, "status": "InProgress", "comment": "batch"})
	if r.status != 200 || len(r.body) != 0 {
		t.Fatalf("batch: %d %q", r.status, r.body)
	}
	for _, id := range ids {
		a, _ := h.emu.Alert(id)
		if a.Status != "InProgress" || a.Comments[len(a.Comments)-1].Comment != "batch" {
			t.Fatalf("%s not updated", id)
		}
	}
	for i := 3; i <= 10; i++ { // three calls above, seven more fit in the minute
		h.do(t, "POST", "/api/alerts/batchUpdate", map[string]any{"alertIds": ids, "comment": "x"})
	}
	r = h.do(t, "POST", "/api/alerts/batchUpdate", map[string]any{"alertIds": ids, "comment": "x"})
	if r.status != 429 || r.errCode(t) != "TooManyRequests" || r.header.Get("Retry-After") == "" {
		t.Fatalf("11th batch call: %d %s", r.status, r.body)
	}
}

// TestRefuseWrites checks that a refused alert answers writes as an
// unknown one does, fails a batch holding it as a whole, and is written
// again once the refusal is lifted.
func TestRefuseWrites(t *testing.T) {
	t.Parallel()
	h := setup(t)
	all := h.emu.Alerts()
	ok, refused := all[0], all[1]
	h.emu.RefuseWrites(refused.ID)
	unknown := h.do(t, "PATCH", "/api/alerts/no-such-alert", map[string]any{"status": "InProgress"})
	r := h.do(t, "PATCH", "/api/alerts/"+refused.ID, map[string]any{"status": "InProgress"})
	if r.status != unknown.status || r.status != 404 || r.errCode(t) != unknown.errCode(t) {
		t.Fatalf("PATCH refused alert: %d %s; an unknown one answers %d %s", r.status, r.body, unknown.status, unknown.body)
	}
	r = h.do(t, "POST", "/api/alerts/batchUpdate", map[string]any{"alertIds": []string{ok.ID, refused.ID}, "status": "InProgress"})
	if r.status != 404 || r.errCode(t) != "ResourceNotFound" {
		t.Fatalf("batch with a refused alert: %d %s", r.status, r.body)
	}
	for _, a := range []Alert{ok, refused} {
		if got, _ := h.emu.Alert(a.ID); got.Status != a.Status || !got.LastUpdateTime.Equal(a.LastUpdateTime) {
			t.Errorf("alert %s changed by a refused batch: %s -> %s", a.ID, a.Status, got.Status)
		}
	}
	if r := h.do(t, "GET", "/api/alerts/"+refused.ID, nil); r.status != 200 {
		t.Errorf("read of a refused alert: %d", r.status)
	}
	if r := h.do(t, "PATCH", "/api/alerts/"+ok.ID, map[string]any{"status": "InProgress"}); r.status != 200 {
		t.Errorf("PATCH of another alert: %d %s", r.status, r.body)
	}
	h.emu.RefuseWrites()
	if r := h.do(t, "PATCH", "/api/alerts/"+refused.ID, map[string]any{"status": "InProgress"}); r.status != 200 {
		t.Errorf("PATCH once accepted again: %d %s", r.status, r.body)
	}
}

func TestRateLimits(t *testing.T) {
	t.Parallel()
	h := setup(t)
	for i := range 100 {
		if r := h.do(t, "GET", "/api/alerts?$top=1", nil); r.status != 200 {
			t.Fatalf("call %d: %d", i, r.status)
		}
	}
	r := h.do(t, "GET", "/api/alerts?$top=1", nil)
	if r.status != 429 || r.errCode(t) != "TooManyRequests" || r.header.Get("Retry-After") != "60" {
		t.Fatalf("101st: %d %v %s", r.status, r.header, r.body)
	}
	// 1,500 an hour: fifteen full minutes spend it.
	for m := 1; m < 15; m++ {
		h.clock.Advance(time.Minute)
		for range 100 {
			h.do(t, "GET", "/api/alerts?$top=1", nil)
		}
	}
	h.clock.Advance(time.Minute)
	r = h.do(t, "GET", "/api/alerts?$top=1", nil)
	if r.status != 429 || r.header.Get("Retry-After") != "2700" {
		t.Fatalf("hourly budget: %d Retry-After %q", r.status, r.header.Get("Retry-After"))
	}
}

func TestFaultsAndRecorder(t *testing.T) {
	t.Parallel()
	h := setup(t)
	h.emu.Faults().FailFirst(1, 403, []byte(`{"error":{"code":"Forbidden","message":"The application does not have any of the required application permissions (Alert.ReadWrite.All) to access the resource.","target":"00000000-0000-0000-0000-000000000000"}}`))
	if r := h.do(t, "GET", "/api/alerts?$top=1", nil); r.status != 403 || r.errCode(t) != "Forbidden" {
		t.Fatalf("fail first: %d", r.status)
	}
	h.emu.Faults().ThrottleNext(1, 5*time.Second)
	if r := h.do(t, "GET", "/api/alerts?$top=1", nil); r.status != 429 || r.header.Get("Retry-After") != "5" {
		t.Fatalf("forced 429: %d", r.status)
	}
	a := h.emu.Alerts()[0]
	h.do(t, "PATCH", "/api/alerts/"+a.ID, map[string]any{"comment": "hello"})
	reqs := h.emu.Recorder().Filter("PATCH", "/api/alerts/")
	if len(reqs) != 1 || string(reqs[0].Body) != `{"comment":"hello"}` || reqs[0].Status != 200 {
		t.Fatalf("recorded %+v", reqs)
	}
	h.emu.Reset()
	if len(h.emu.Requests()) != 0 || len(h.emu.Comments(a.ID)) != len(a.Comments) {
		t.Fatal("Reset did not replay")
	}
}

func TestSeedDeterministic(t *testing.T) {
	t.Parallel()
	clock := emukit.NewFakeClock(t0)
	a, b := New(Options{Clock: clock, Alerts: 50, Seed: 5}), New(Options{Clock: clock, Alerts: 50, Seed: 5})
	x, y := a.Alerts(), b.Alerts()
	if len(x) != 50 || !slices.EqualFunc(x, y, func(p, q Alert) bool { return p.ID == q.ID && p.ComputerDNSName == q.ComputerDNSName }) {
		t.Fatal("same seed, different alerts")
	}
	for _, al := range x {
		if !al.LastUpdateTime.Before(t0) {
			t.Fatalf("alert %s updated in the future", al.ID)
		}
	}
	if err := a.SetAlertStatus(x[0].ID, "InProgress"); err != nil {
		t.Fatal(err)
	}
	if got, _ := a.Alert(x[0].ID); got.Status != "InProgress" || !got.LastUpdateTime.After(x[len(x)-1].LastUpdateTime) {
		t.Fatal("portal change not visible to a lastUpdateTime poller")
	}
}
