package sentinelone

import (
	"net/http"
	"net/url"
	"testing"
)

// openThreats returns the ids of n unresolved threats with no verdict.
func openThreats(t *testing.T, h *harness, n int) []string {
	t.Helper()
	ids, _ := h.emu.SeedOpen(n, 0, 99)
	return ids
}

// TestMixedBatchDetails writes one status to four threats: one refused
// for its conditions, one refused for permissions, one already resolved,
// one changed; the answer reports each, and only the last changes.
func TestMixedBatchDetails(t *testing.T) {
	t.Parallel()
	h := setup(t, 0, 0)
	ids := openThreats(t, h, 4)
	if err := h.emu.SetThreatStatus(ids[2], "resolved"); err != nil {
		t.Fatal(err)
	}
	h.emu.FailItems(ids[:1], "")
	h.emu.FailItems(ids[1:2], ResultMissingPermissions)
	before, _ := h.emu.Threat(ids[3])
	var a writeAnswer
	r := h.do(t, http.MethodPost, "/threats/incident", bulkBodyOf(append(ids, "1234"), map[string]any{"incidentStatus": "resolved"}), "")
	r.decode(t, &a)
	want := map[string]string{ids[0]: ResultConditionsNotMet, ids[1]: ResultMissingPermissions, ids[2]: "already_set", ids[3]: "updated"}
	if r.status != http.StatusOK || a.Data.Affected != 1 || len(a.Data.Details) != 4 {
		t.Fatalf("answer %d %s", r.status, r.body)
	}
	for _, d := range a.Data.Details {
		if want[d.ThreatID] != d.Result {
			t.Errorf("threat %s: result %q, want %q", d.ThreatID, d.Result, want[d.ThreatID])
		}
	}
	for i, id := range ids[:2] {
		if th, _ := h.emu.Threat(id); th.ThreatInfo.IncidentStatus != "unresolved" {
			t.Errorf("refused threat %d changed to %s", i, th.ThreatInfo.IncidentStatus)
		}
	}
	after, _ := h.emu.Threat(ids[3])
	if after.ThreatInfo.IncidentStatus != "resolved" || after.ThreatInfo.IncidentStatusDescription != "Resolved" || !after.ThreatInfo.UpdatedAt.After(before.ThreatInfo.UpdatedAt.Time) {
		t.Errorf("updated threat: %+v", after.ThreatInfo)
	}
}

func TestVerdictAndScope(t *testing.T) {
	t.Parallel()
	h := setup(t, 0, 0)
	ids := openThreats(t, h, 3)
	var a writeAnswer
	h.do(t, http.MethodPost, "/threats/analyst-verdict", map[string]any{
		"filter": map[string]any{"ids": ids[:2], "tenant": "true"}, "data": map[string]any{"analystVerdict": "true_positive"}}, "").decode(t, &a)
	if a.Data.Affected != 2 || len(a.Data.Details) != 2 || a.Data.Details[0].Result != "updated" {
		t.Fatalf("verdict answer %+v", a)
	}
	if th, _ := h.emu.Threat(ids[0]); th.ThreatInfo.AnalystVerdict != "true_positive" || th.ThreatInfo.AnalystVerdictDescription != "True positive" {
		t.Errorf("verdict not stored: %+v", th.ThreatInfo)
	}
	// A site scope alone is a valid filter: it reaches every threat there.
	site := map[string]int{}
	for _, th := range h.emu.Threats() {
		site[th.AgentRealtimeInfo.SiteID]++
	}
	a = writeAnswer{}
	h.do(t, http.MethodPost, "/threats/incident", map[string]any{
		"filter": map[string]any{"siteIds": []string{DefaultSiteID}}, "data": map[string]any{"incidentStatus": "in_progress"}}, "").decode(t, &a)
	if len(a.Data.Details) != site[DefaultSiteID] {
		t.Errorf("site scope matched %d threats, the site has %d", len(a.Data.Details), site[DefaultSiteID])
	}
}

func TestNotes(t *testing.T) {
	t.Parallel()
	h := setup(t, 0, 0)
	ids := openThreats(t, h, 2)
	before, _ := h.emu.Threat(ids[0])
	for _, text := range []string{"first", "second"} {
		var a writeAnswer
		h.do(t, http.MethodPost, "/threats/notes", bulkBodyOf(ids, map[string]any{"text": text}), "").decode(t, &a)
		if a.Data.Affected != 2 {
			t.Fatalf("note affected %d, want 2", a.Data.Affected)
		}
	}
	var p struct {
		Data       []Note     `json:"data"`
		Pagination pagination `json:"pagination"`
	}
	h.do(t, http.MethodGet, "/threats/"+ids[0]+"/notes?limit=1", nil, "").decode(t, &p)
	if len(p.Data) != 1 || p.Data[0].Text != "first" || p.Data[0].Creator != DefaultTokenUser || p.Pagination.NextCursor == nil {
		t.Fatalf("first notes page %+v", p)
	}
	q := url.Values{"limit": {"1"}, "cursor": {*p.Pagination.NextCursor}}
	h.do(t, http.MethodGet, "/threats/"+ids[0]+"/notes?"+q.Encode(), nil, "").decode(t, &p)
	if len(p.Data) != 1 || p.Data[0].Text != "second" || p.Pagination.NextCursor != nil {
		t.Fatalf("second notes page %+v", p)
	}
	if after, _ := h.emu.Threat(ids[0]); !after.ThreatInfo.UpdatedAt.Equal(before.ThreatInfo.UpdatedAt.Time) {
		t.Error("a note changed the threat's updatedAt")
	}
	if r := h.do(t, http.MethodGet, "/threats/42/notes", nil, ""); r.status != http.StatusNotFound || r.apiErr(t).Code != codeNotFound {
		t.Errorf("notes of an unknown threat: %d %s", r.status, r.body)
	}
}

func TestCloudWrites(t *testing.T) {
	t.Parallel()
	h := setup(t, 0, 0)
	_, ids := h.emu.SeedOpen(0, 3, 7)
	h.emu.FailItems(ids[2:], "")
	var a writeAnswer
	r := h.do(t, http.MethodPost, "/cloud-detection/alerts/incident", bulkBodyOf(ids, map[string]any{"incidentStatus": "IN_PROGRESS"}), "")
	r.decode(t, &a)
	if a.Data.Affected != 2 || a.Data.Details != nil {
		t.Errorf("cloud incident answer %s, want affected 2 and no details", r.body)
	}
	h.do(t, http.MethodPost, "/cloud-detection/alerts/analyst-verdict", bulkBodyOf(ids[:1], map[string]any{"analystVerdict": "false_positive"}), "")
	c, _ := h.emu.CloudAlert(ids[0])
	if c.AlertInfo.IncidentStatus != "In progress" || c.AlertInfo.AnalystVerdict != "False positive" || !c.AlertInfo.UpdatedAt.After(c.AlertInfo.CreatedAt.Time) {
		t.Errorf("cloud alert %+v", c.AlertInfo)
	}
	if c, _ := h.emu.CloudAlert(ids[2]); c.AlertInfo.IncidentStatus != "Unresolved" {
		t.Errorf("refused cloud alert changed to %s", c.AlertInfo.IncidentStatus)
	}
	var p struct {
		Data []CloudAlert `json:"data"`
	}
	h.do(t, http.MethodGet, "/cloud-detection/alerts?incidentStatus=IN_PROGRESS&limit=10", nil, "").decode(t, &p)
	if len(p.Data) != 2 {
		t.Errorf("IN_PROGRESS filter returned %d alerts, want 2", len(p.Data))
	}
}
