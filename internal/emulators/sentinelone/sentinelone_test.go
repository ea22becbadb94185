package sentinelone

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestAuth(t *testing.T) {
	t.Parallel()
	h := setup(t, 3, 0)
	tests := []struct{ name, auth string }{
		{"missing", "-"},
		{"bearer scheme", "Bearer " + h.emu.Token()},
		{"wrong token", "ApiToken nope"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := h.do(t, http.MethodGet, "/threats", nil, tt.auth)
			if r.status != http.StatusUnauthorized || r.apiErr(t).Title != "Authentication Failed" {
				t.Errorf("status %d body %s, want 401 Authentication Failed", r.status, r.body)
			}
		})
	}
	if r := h.do(t, http.MethodGet, "/threats", nil, "apitoken "+h.emu.Token()); r.status != http.StatusOK {
		t.Errorf("scheme is case-insensitive: status %d", r.status)
	}
	h.emu.ExpireTokens()
	if r := h.do(t, http.MethodGet, "/threats", nil, ""); r.status != http.StatusUnauthorized {
		t.Errorf("revoked token: status %d, want 401", r.status)
	}
}

func TestListValidation(t *testing.T) {
	t.Parallel()
	h := setup(t, 3, 3)
	tests := []struct{ path, detail string }{
		{"/threats?limit=0", "limit"},
		{"/threats?limit=1001", "limit"},
		{"/threats?skip=1001", "skip"},
		{"/threats?sortOrder=up", "sortOrder"},
		{"/threats?sortBy=nope", "sortBy"},
		{"/threats?updatedAt__gte=yesterday", "updatedAt__gte"},
		{"/threats?incidentStatuses=RESOLVED", "incidentStatuses"},
		{"/threats?cursor=garbage", "cursor"},
		{"/threats?colour=red", "colour"},
		{"/cloud-detection/alerts?updatedAt__gte=2026-01-01T00:00:00Z", "updatedAt__gte"},
		{"/cloud-detection/alerts?incidentStatus=resolved", "incidentStatus"},
	}
	for _, tt := range tests {
		r := h.do(t, http.MethodGet, tt.path, nil, "")
		if r.status != http.StatusBadRequest {
			t.Errorf("%s: status %d, want 400", tt.path, r.status)
			continue
		}
		if e := r.apiErr(t); e.Code != codeValidation || e.Title != "Validation Error" || !strings.HasPrefix(e.detail(), tt.detail) {
			t.Errorf("%s: error %+v (%s)", tt.path, e, e.detail())
		}
	}
}

// TestCursorPaging pages the threats changed since a time, oldest change
// first, and checks every page stays in the window and nothing repeats.
func TestCursorPaging(t *testing.T) {
	t.Parallel()
	h := setup(t, 40, 0)
	all := h.emu.Threats()
	times := make([]time.Time, len(all))
	for i, th := range all {
		times[i] = th.ThreatInfo.UpdatedAt.Time
	}
	slices.SortFunc(times, func(a, b time.Time) int { return a.Compare(b) })
	from := times[10]
	q := url.Values{"updatedAt__gte": {from.Format(time.RFC3339Nano)}, "sortBy": {"updatedAt"}, "sortOrder": {"asc"}, "limit": {"7"}}
	var got []string
	var last time.Time
	for pages := 0; ; pages++ {
		if pages > 10 {
			t.Fatal("paging does not end")
		}
		var p threatPage
		h.do(t, http.MethodGet, "/threats?"+q.Encode(), nil, "").decode(t, &p)
		if p.Pagination.TotalItems != 30 {
			t.Errorf("totalItems %d, want 30", p.Pagination.TotalItems)
		}
		for _, th := range p.Data {
			if ts := th.ThreatInfo.UpdatedAt.Time; ts.Before(from) || ts.Before(last) {
				t.Errorf("threat %s updated %v out of order or window", th.ID, ts)
			}
			last = th.ThreatInfo.UpdatedAt.Time
			got = append(got, th.ID)
		}
		if p.Pagination.NextCursor == nil {
			break
		}
		q.Set("cursor", *p.Pagination.NextCursor)
	}
	if len(got) != 30 || len(slices.Compact(slices.Sorted(slices.Values(got)))) != 30 {
		t.Errorf("paged %d threats (%d distinct), want 30", len(got), len(slices.Compact(slices.Sorted(slices.Values(got)))))
	}
}

func TestThrottleAndLatency(t *testing.T) {
	t.Parallel()
	h := setup(t, 1, 0)
	h.emu.ThrottleNext(7 * time.Second)
	r := h.do(t, http.MethodGet, "/threats", nil, "")
	if r.status != http.StatusTooManyRequests || r.header.Get("Retry-After") != "7" || r.apiErr(t).Code != codeThrottled {
		t.Errorf("throttled: %d %q %s", r.status, r.header.Get("Retry-After"), r.body)
	}
	if r := h.do(t, http.MethodGet, "/threats", nil, ""); r.status != http.StatusOK {
		t.Errorf("after the throttle: %d", r.status)
	}
	h.emu.Faults().SetErrorRate(1, http.StatusBadGateway)
	if r := h.do(t, http.MethodGet, "/threats", nil, ""); r.status != http.StatusBadGateway || r.apiErr(t).Code != codeServer {
		t.Errorf("5xx fault: %d %s", r.status, r.body)
	}
}

func TestWriteValidation(t *testing.T) {
	t.Parallel()
	h := setup(t, 3, 2)
	id := h.emu.Threats()[0].ID
	before := h.emu.Threats()
	tests := []struct {
		name, path string
		body       any
		detail     string
	}{
		{"empty filter", "/threats/incident", map[string]any{"filter": map[string]any{}, "data": map[string]any{"incidentStatus": "resolved"}}, "filter: At least one"},
		{"no filter", "/threats/incident", map[string]any{"data": map[string]any{"incidentStatus": "resolved"}}, "filter: Missing"},
		{"bad status", "/threats/incident", bulkBodyOf([]string{id}, map[string]any{"incidentStatus": "closed"}), "data.incidentStatus: Must be one of"},
		{"upper-case status on threats", "/threats/incident", bulkBodyOf([]string{id}, map[string]any{"incidentStatus": "RESOLVED"}), "data.incidentStatus"},
		{"bad verdict", "/threats/analyst-verdict", bulkBodyOf([]string{id}, map[string]any{"analystVerdict": "benign"}), "data.analystVerdict: Must be one of"},
		{"unknown data", "/threats/analyst-verdict", bulkBodyOf([]string{id}, map[string]any{"analystVerdict": "suspicious", "comment": "x"}), "data.comment: Unknown field"},
		{"unknown filter", "/threats/incident", map[string]any{"filter": map[string]any{"name": "x"}, "data": map[string]any{"incidentStatus": "resolved"}}, "filter.name: Unknown field"},
		{"ids not strings", "/threats/incident", map[string]any{"filter": map[string]any{"ids": []int{1}}, "data": map[string]any{"incidentStatus": "resolved"}}, "filter.ids"},
		{"empty note", "/threats/notes", bulkBodyOf([]string{id}, map[string]any{"text": " "}), "data.text"},
		{"cloud empty filter", "/cloud-detection/alerts/incident", map[string]any{"filter": map[string]any{}, "data": map[string]any{"incidentStatus": "RESOLVED"}}, "filter: At least one"},
		{"cloud bad verdict", "/cloud-detection/alerts/analyst-verdict", bulkBodyOf([]string{"1"}, map[string]any{"analystVerdict": "True_Positive"}), "data.analystVerdict"},
		{"not json", "/threats/incident", []byte("{"), "body"},
	}
	for _, tt := range tests {
		r := h.do(t, http.MethodPost, tt.path, tt.body, "")
		if r.status != http.StatusBadRequest {
			t.Errorf("%s: status %d, want 400", tt.name, r.status)
			continue
		}
		if e := r.apiErr(t); e.Code != codeValidation || !strings.HasPrefix(e.detail(), tt.detail) {
			t.Errorf("%s: detail %q, want prefix %q", tt.name, e.detail(), tt.detail)
		}
	}
	if after := h.emu.Threats(); !slices.EqualFunc(before, after, func(a, b Threat) bool {
		return a.ThreatInfo.IncidentStatus == b.ThreatInfo.IncidentStatus && a.ThreatInfo.AnalystVerdict == b.ThreatInfo.AnalystVerdict &&
			a.ThreatInfo.UpdatedAt.Equal(b.ThreatInfo.UpdatedAt.Time)
	}) {
		t.Error("a refused write changed a threat")
	}
}
