package api_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/alertsync/alertsync/internal/connector"
	"github.com/alertsync/alertsync/internal/engine"
	"github.com/alertsync/alertsync/internal/model"
	"github.com/alertsync/alertsync/internal/store"
)

// seedEvidence stores audit records of the fake integration: two about
// alice (a1's user), one about bob (a2's), one about nobody the alerts
// name, and one far outside any alert's window.
func (e *env) seedEvidence() {
	now := e.clock.Now()
	rec := func(id, user, ip string, at time.Time) connector.EvidenceItem {
		raw, _ := json.Marshal(map[string]any{"Id": id, "UserId": user, "ClientIP": ip})
		return connector.EvidenceItem{VendorID: id, Raw: raw, Evidence: &model.Evidence{
			Source: "Audit.AzureActiveDirectory", Operation: "UserLoggedIn", Result: "Succeeded",
			Summary: "sign-in by " + user, OccurredAt: at,
			Entities: model.Entities{Users: []string{user}, IPs: []string{ip}},
		}}
	}
	items := []connector.EvidenceItem{
		rec("ev-alice-1", "ALICE", "45.1.2.3", now.Add(-time.Hour)),
		rec("ev-alice-2", "alice", "45.1.2.3", now.Add(time.Minute)),
		rec("ev-bob", "bob", "10.0.0.9", now.Add(-2*time.Hour)),
		rec("ev-zed", "zed", "10.9.9.9", now),
		rec("ev-alice-old", "alice", "45.1.2.3", now.Add(-30*24*time.Hour)),
	}
	res, err := e.engine.IngestEvidence(e.ctx, "fake", items)
	if err != nil || res != (engine.EvidenceResult{Stored: 5}) {
		e.t.Fatalf("ingest evidence: %+v, %v", res, err)
	}
}

type timelineAnswer struct {
	Items []struct {
		Type     string          `json:"type"`
		Summary  string          `json:"summary"`
		AlertID  int64           `json:"alert_id"`
		At       time.Time       `json:"at"`
		Evidence *model.Evidence `json:"evidence"`
	} `json:"items"`
	Truncated bool `json:"truncated"`
}

func (t timelineAnswer) evidence() []string {
	var out []string
	for _, it := range t.Items {
		if it.Type == "evidence" {
			out = append(out, it.Evidence.VendorID)
		}
	}
	return out
}

func (t timelineAnswer) types() map[string]int {
	out := map[string]int{}
	for _, it := range t.Items {
		out[it.Type]++
	}
	return out
}

// TestAlertTimelineShowsLinkedEvidence: an alert's timeline holds its
// own history and, in time order beside it, the audit records naming its
// user within the window, and nothing else.
func TestAlertTimelineShowsLinkedEvidence(t *testing.T) {
	t.Parallel()
	e := setup(t)
	var got timelineAnswer
	e.do("GET", fmt.Sprintf("/api/v1/alerts/%d/timeline", e.ids["a1"]), viewerToken, nil).want(t, http.StatusOK).decode(t, &got)
	if ev := got.evidence(); !slices.Equal(ev, []string{"ev-alice-1", "ev-alice-2"}) {
		t.Errorf("evidence on a1's timeline = %v, want alice's two records in the window, oldest first", ev)
	}
	if n := got.types(); n["revision"] == 0 || n["validation"] != 1 {
		t.Errorf("entry types = %v, want a1's revisions and its validation", n)
	}
	for i := 1; i < len(got.Items); i++ {
		if got.Items[i].At.Before(got.Items[i-1].At) {
			t.Fatalf("entries out of time order at %d: %v before %v", i, got.Items[i].At, got.Items[i-1].At)
		}
	}
	for _, it := range got.Items {
		if it.Evidence != nil && len(it.Evidence.Raw) > 0 {
			t.Errorf("raw record shown without include_raw")
		}
	}
	from := e.clock.Now().Add(-60 * 24 * time.Hour).Format(time.RFC3339)
	e.do("GET", fmt.Sprintf("/api/v1/alerts/%d/timeline?evidence_from=%s&limit=2", e.ids["a1"], from), viewerToken, nil).
		want(t, http.StatusOK).decode(t, &got)
	if len(got.Items) != 2 || !got.Truncated {
		t.Errorf("limit 2: %d items, truncated %v; want 2 and truncated", len(got.Items), got.Truncated)
	}
	e.do("GET", fmt.Sprintf("/api/v1/alerts/%d/timeline?evidence_from=yesterday", e.ids["a1"]), viewerToken, nil).want(t, http.StatusBadRequest)
	e.do("GET", "/api/v1/alerts/999999/timeline", viewerToken, nil).want(t, http.StatusNotFound)
}

// TestIncidentTimelineJoinsMembers: an incident's timeline holds each
// member alert's own events and the evidence naming any member's users.
func TestIncidentTimelineJoinsMembers(t *testing.T) {
	t.Parallel()
	e := setup(t)
	var got timelineAnswer
	e.do("GET", fmt.Sprintf("/api/v1/incidents/%d/timeline", e.incident), viewerToken, nil).want(t, http.StatusOK).decode(t, &got)
	if ev := got.evidence(); !slices.Equal(ev, []string{"ev-bob", "ev-alice-1", "ev-alice-2"}) {
		t.Errorf("evidence on the incident = %v, want bob's and alice's records in time order", ev)
	}
	members := map[int64]bool{}
	for _, it := range got.Items {
		if it.Type == "alert" {
			members[it.AlertID] = true
		}
	}
	if !members[e.ids["a1"]] || !members[e.ids["a2"]] {
		t.Errorf("member alerts shown = %v, want a1 and a2", members)
	}
}

// TestEvidenceListAndFeeds: records list by integration and by entity,
// and the feed view answers "is it connected?" with the linked counts.
func TestEvidenceListAndFeeds(t *testing.T) {
	t.Parallel()
	e := setup(t)
	var recs struct {
		Items     []model.Evidence `json:"items"`
		NextAfter int64            `json:"next_after"`
	}
	e.do("GET", "/api/v1/evidence?integration=fake&limit=2", viewerToken, nil).want(t, http.StatusOK).decode(t, &recs)
	if len(recs.Items) != 2 || recs.NextAfter == 0 {
		t.Fatalf("page of 2: %+v", recs)
	}
	e.do("GET", "/api/v1/evidence?entity=Alice", viewerToken, nil).want(t, http.StatusOK).decode(t, &recs)
	if len(recs.Items) != 3 {
		t.Errorf("alice's records = %d, want 3 (any time)", len(recs.Items))
	}
	e.do("GET", "/api/v1/evidence?from=2025-01-01T00:00:00Z", viewerToken, nil).want(t, http.StatusBadRequest)
	var feeds struct {
		Items    []connector.Feed      `json:"items"`
		Evidence *store.EvidenceCounts `json:"evidence"`
	}
	e.do("GET", "/api/v1/integrations/fake/feeds", viewerToken, nil).want(t, http.StatusOK).decode(t, &feeds)
	if len(feeds.Items) != 2 || feeds.Evidence == nil || *feeds.Evidence != (store.EvidenceCounts{Stored: 5, Linked: 4}) {
		t.Errorf("feeds = %+v, evidence %+v; want 2 feeds, 5 stored, 4 linked (all but zed's)", feeds.Items, feeds.Evidence)
	}
	e.do("GET", "/api/v1/integrations/plain/feeds", viewerToken, nil).want(t, http.StatusNotFound)

	bad := []connector.EvidenceItem{
		{VendorID: "ev-bad", Raw: json.RawMessage(`[1]`), Err: fmt.Errorf("record is not an object")},
		{VendorID: "ev-alice-1", Evidence: &model.Evidence{Operation: "again", OccurredAt: e.clock.Now()}},
	}
	res, err := e.engine.IngestEvidence(e.ctx, "fake", bad)
	if err != nil || res != (engine.EvidenceResult{Duplicate: 1, Quarantined: 1}) {
		t.Fatalf("bad and repeated records: %+v, %v; want one quarantined, one duplicate", res, err)
	}
	q := decode[list[store.QuarantineEntry]](t, e.do("GET", "/api/v1/quarantine?integration=fake", viewerToken, nil).want(t, http.StatusOK))
	if last := q.Items[len(q.Items)-1]; last.VendorID != "ev-bad" || last.Reason != "record is not an object" || string(last.Payload) != "[1]" {
		t.Errorf("quarantined record = %+v", last)
	}
	e.do("GET", "/api/v1/integrations/nope/feeds", viewerToken, nil).want(t, http.StatusNotFound)
}

// TestPushQueuesOnce: pushing an alert queues one push_events action for
// the intake, the same push asked twice is one action, and an
// integration without an intake is refused.
func TestPushQueuesOnce(t *testing.T) {
	t.Parallel()
	e := setup(t)
	path := fmt.Sprintf("/api/v1/alerts/%d/push", e.ids["a2"])
	var first, second struct {
		Key string `json:"idempotency_key"`
	}
	e.do("POST", path, analystToken, map[string]any{"integration": "fake"}).want(t, http.StatusAccepted).decode(t, &first)
	e.do("POST", path, analystToken, map[string]any{"integration": "fake"}).want(t, http.StatusAccepted).decode(t, &second)
	if first.Key == "" || first.Key != second.Key {
		t.Errorf("keys %q, %q: want one push per object revision", first.Key, second.Key)
	}
	items, err := e.store.OutboxList(e.ctx, store.OutboxListParams{OriginKind: model.KindAlert, OriginID: e.ids["a2"], Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	pushes := 0
	for _, it := range items {
		if it.Action == engine.ActionPushEvents {
			pushes++
		}
	}
	if pushes != 1 {
		t.Errorf("push actions queued = %d, want 1", pushes)
	}
	e.do("POST", path, analystToken, map[string]any{"integration": "plain"}).want(t, http.StatusBadRequest)
	e.do("POST", path, viewerToken, map[string]any{"integration": "fake"}).want(t, http.StatusForbidden)
}
