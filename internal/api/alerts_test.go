package api_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"testing"

	"github.com/alertsync/alertsync/internal/model"
	"github.com/alertsync/alertsync/internal/store"
)

func alertIDs(as []model.Alert) []int64 {
	out := make([]int64, len(as))
	for i, a := range as {
		out[i] = a.ID
	}
	return out
}

func TestListAlertsFilters(t *testing.T) {
	t.Parallel()
	e := setup(t)
	a1, a2, a3, b1 := e.ids["a1"], e.ids["a2"], e.ids["a3"], e.ids["b1"]
	tests := []struct {
		query string
		want  []int64
	}{
		{"", []int64{a1, a2, a3, b1}},
		{"?integration=fake", []int64{a1, a2, a3}},
		{"?integration=plain", []int64{b1}},
		{"?integration=nobody", []int64{}},
		{"?status=resolved", []int64{a3}},
		{"?status=in_progress", []int64{b1}},
		{"?open=true", []int64{a1, a2, b1}},
		{"?entity=web-1", []int64{a1, a2}},
		{"?entity=carol", []int64{b1}},
		{fmt.Sprintf("?incident_id=%d", e.incident), []int64{a1, a2}},
		{"?integration=fake&open=true&entity=alice", []int64{a1}},
		{"?verdict=threat", []int64{}},
		{"?severity=high", []int64{a1}},
		{"?severity=critical", []int64{b1}},
		{"?severity=informational", []int64{}},
		// Every alert was first stored at 2025-03-04T05:06:07Z.
		{"?first_seen_from=2025-03-04T05:06:07Z", []int64{a1, a2, a3, b1}},
		{"?first_seen_from=2025-03-04T05:06:08Z", []int64{}},
		{"?first_seen_to=2025-03-04T05:06:07Z", []int64{}},
		{"?severity=medium&first_seen_from=2025-03-04T00:00:00Z&first_seen_to=2025-03-05T00:00:00Z", []int64{a2}},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			got := decode[list[model.Alert]](t, e.do("GET", "/api/v1/alerts"+tt.query, viewerToken, nil).want(t, http.StatusOK))
			if ids := alertIDs(got.Items); !slices.Equal(ids, tt.want) {
				t.Errorf("ids %v, want %v", ids, tt.want)
			}
			if got.NextAfter != nil {
				t.Errorf("next_after %d on a single page", *got.NextAfter)
			}
		})
	}
}

func TestListAlertsBadFilters(t *testing.T) {
	t.Parallel()
	e := setup(t)
	for _, q := range []string{"?severity=urgent", "?first_seen_from=yesterday", "?first_seen_to=2025-13-01T00:00:00Z"} {
		e.do("GET", "/api/v1/alerts"+q, viewerToken, nil).want(t, http.StatusBadRequest)
	}
}

func TestListAlertsVerdictFilter(t *testing.T) {
	t.Parallel()
	e := setup(t)
	e.do("POST", fmt.Sprintf("/api/v1/alerts/%d/verdict", e.ids["b1"]), analystToken,
		map[string]any{"verdict": "threat", "published": true}).want(t, http.StatusOK)
	got := decode[list[model.Alert]](t, e.do("GET", "/api/v1/alerts?verdict=threat", viewerToken, nil).want(t, http.StatusOK))
	if ids := alertIDs(got.Items); !slices.Equal(ids, []int64{e.ids["b1"]}) {
		t.Errorf("ids %v, want only b1", ids)
	}
}

func TestListAlertsPaging(t *testing.T) {
	t.Parallel()
	e := setup(t)
	var seen []int64
	path := "/api/v1/alerts?limit=3"
	for pages := 0; ; pages++ {
		if pages > 3 {
			t.Fatal("paging does not end")
		}
		got := decode[list[model.Alert]](t, e.do("GET", path, viewerToken, nil).want(t, http.StatusOK))
		seen = append(seen, alertIDs(got.Items)...)
		if got.NextAfter == nil {
			break
		}
		if *got.NextAfter != got.Items[len(got.Items)-1].ID {
			t.Errorf("next_after %d is not the last id on the page", *got.NextAfter)
		}
		path = fmt.Sprintf("/api/v1/alerts?limit=3&after=%d", *got.NextAfter)
	}
	want := []int64{e.ids["a1"], e.ids["a2"], e.ids["a3"], e.ids["b1"]}
	if !slices.Equal(seen, want) {
		t.Errorf("paged ids %v, want %v", seen, want)
	}
	exact := decode[list[model.Alert]](t, e.do("GET", "/api/v1/alerts?limit=4", viewerToken, nil).want(t, http.StatusOK))
	if exact.NextAfter != nil {
		t.Errorf("a page holding the last alert has next_after %d", *exact.NextAfter)
	}
}

func TestListAlertsBadQuery(t *testing.T) {
	t.Parallel()
	e := setup(t)
	for _, q := range []string{
		"limit=0", "limit=1001", "limit=x", "after=-1", "status=closed", "verdict=maybe",
		"open=perhaps", "incident_id=abc", "include_raw=2x",
	} {
		t.Run(q, func(t *testing.T) {
			r := e.do("GET", "/api/v1/alerts?"+q, viewerToken, nil).want(t, http.StatusBadRequest)
			if c := r.errCode(t); c != "invalid" {
				t.Errorf("code %q, want invalid", c)
			}
		})
	}
	e.do("GET", "/api/v1/alerts?limit=1000", viewerToken, nil).want(t, http.StatusOK)
}

func TestAlertRawOnlyWhenAsked(t *testing.T) {
	t.Parallel()
	e := setup(t)
	listed := e.do("GET", "/api/v1/alerts", viewerToken, nil).want(t, http.StatusOK)
	if contains(listed.body, `"raw"`) {
		t.Errorf("list carries raw payloads without include_raw: %s", listed.body)
	}
	withRaw := decode[list[model.Alert]](t, e.do("GET", "/api/v1/alerts?include_raw=true", viewerToken, nil).want(t, http.StatusOK))
	for _, a := range withRaw.Items {
		if len(a.Raw) == 0 {
			t.Errorf("alert %d has no raw with include_raw=true", a.ID)
		}
	}
	one := decode[model.Alert](t, e.do("GET", fmt.Sprintf("/api/v1/alerts/%d", e.ids["a1"]), viewerToken, nil).want(t, http.StatusOK))
	var raw map[string]any
	if err := json.Unmarshal(one.Raw, &raw); err != nil || raw["id"] != "a1" {
		t.Errorf("raw of a1 = %s (%v)", one.Raw, err)
	}
	if one.VendorID != "a1" || one.IncidentID != e.incident {
		t.Errorf("got %+v", one)
	}
}

func TestVerdictRecordsRevision(t *testing.T) {
	t.Parallel()
	e := setup(t)
	id := e.ids["a3"]
	path := fmt.Sprintf("/api/v1/alerts/%d", id)
	before := decode[list[model.Revision]](t, e.do("GET", path+"/revisions", viewerToken, nil).want(t, http.StatusOK))
	if len(before.Items) != 1 {
		t.Fatalf("revisions before verdict: %d, want 1", len(before.Items))
	}
	got := decode[model.Alert](t, e.do("POST", path+"/verdict", analystToken,
		map[string]any{"verdict": "not_a_threat", "reason": "test traffic"}).want(t, http.StatusOK))
	if got.Verdict != model.VerdictNotAThreat || got.Revision != 2 {
		t.Errorf("alert after verdict: verdict %q revision %d", got.Verdict, got.Revision)
	}
	after := decode[list[model.Revision]](t, e.do("GET", path+"/revisions", viewerToken, nil).want(t, http.StatusOK))
	if len(after.Items) != 2 {
		t.Fatalf("revisions after verdict: %d, want 2", len(after.Items))
	}
	last := after.Items[1]
	if last.Seq != 2 || last.Actor != (model.Actor{Kind: model.ActorAnalyst, Name: "ana"}) || last.Reason != "test traffic" ||
		!slices.Contains(last.Changes, "verdict") {
		t.Errorf("verdict revision = %+v", last)
	}
	if after.Items[0].Seq != 1 {
		t.Errorf("history is not oldest first: %+v", after.Items)
	}
	paged := decode[list[model.Revision]](t, e.do("GET", path+"/revisions?limit=1", viewerToken, nil).want(t, http.StatusOK))
	if paged.NextAfterSeq == nil || *paged.NextAfterSeq != 1 {
		t.Fatalf("next_after_seq = %v, want 1", paged.NextAfterSeq)
	}
	rest := decode[list[model.Revision]](t, e.do("GET", path+"/revisions?after_seq=1", viewerToken, nil).want(t, http.StatusOK))
	if len(rest.Items) != 1 || rest.Items[0].Seq != 2 || rest.NextAfterSeq != nil {
		t.Errorf("after_seq=1 page = %+v", rest)
	}
}

func TestVerdictInvalid(t *testing.T) {
	t.Parallel()
	e := setup(t)
	path := fmt.Sprintf("/api/v1/alerts/%d/verdict", e.ids["a1"])
	tests := []struct {
		name string
		body any
	}{
		{"unknown verdict", map[string]any{"verdict": "meh"}},
		{"missing verdict", map[string]any{"reason": "x"}},
		{"published non-threat", map[string]any{"verdict": "suspicious", "published": true}},
		{"unknown field", map[string]any{"verdict": "threat", "colour": "red"}},
		{"wrong type", map[string]any{"verdict": 3}},
		{"not json", "verdict=threat"},
		{"two objects", `{"verdict":"threat"}{"verdict":"threat"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.do("POST", path, analystToken, tt.body).want(t, http.StatusBadRequest)
			if c := r.errCode(t); c != "invalid" {
				t.Errorf("code %q, want invalid", c)
			}
		})
	}
	a := decode[model.Alert](t, e.do("GET", fmt.Sprintf("/api/v1/alerts/%d", e.ids["a1"]), viewerToken, nil))
	if a.Verdict != model.VerdictNone {
		t.Errorf("a rejected verdict changed the alert: %q", a.Verdict)
	}
}

func TestNotFound(t *testing.T) {
	t.Parallel()
	e := setup(t)
	verdict := map[string]any{"verdict": "suspicious"}
	comment := map[string]any{"body": "hello"}
	tests := []struct {
		method, path string
		body         any
		token        string
	}{
		{"GET", "/api/v1/alerts/999999", nil, viewerToken},
		{"GET", "/api/v1/alerts/abc", nil, viewerToken},
		{"GET", "/api/v1/alerts/0", nil, viewerToken},
		{"GET", "/api/v1/alerts/999999/revisions", nil, viewerToken},
		{"GET", "/api/v1/alerts/999999/ocsf", nil, viewerToken},
		{"GET", "/api/v1/alerts/999999/comments", nil, viewerToken},
		{"GET", "/api/v1/alerts/999999/deliveries", nil, viewerToken},
		{"POST", "/api/v1/alerts/999999/verdict", verdict, analystToken},
		{"POST", "/api/v1/alerts/999999/comments", comment, analystToken},
		{"POST", "/api/v1/alerts/999999/validation", nil, analystToken},
		{"GET", "/api/v1/incidents/999999", nil, viewerToken},
		{"GET", "/api/v1/incidents/999999/revisions", nil, viewerToken},
		{"GET", "/api/v1/incidents/999999/ocsf", nil, viewerToken},
		{"GET", "/api/v1/incidents/999999/comments", nil, viewerToken},
		{"GET", "/api/v1/incidents/999999/deliveries", nil, viewerToken},
		{"POST", "/api/v1/incidents/999999/verdict", verdict, analystToken},
		{"POST", "/api/v1/incidents/999999/comments", comment, analystToken},
		{"POST", "/api/v1/outbox/999999/retry", nil, adminToken},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			r := e.do(tt.method, tt.path, tt.token, tt.body).want(t, http.StatusNotFound)
			if c := r.errCode(t); c != "not_found" {
				t.Errorf("code %q, want not_found", c)
			}
		})
	}
}

func TestUnroutedPathIsJSON404(t *testing.T) {
	t.Parallel()
	e := setup(t)
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, e.srv.URL+"/api/v1/nothing-here", nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err := e.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = res.Body.Close() }()
	if res.StatusCode != http.StatusNotFound || res.Header.Get("Content-Type") != "application/json" {
		t.Errorf("status %d content type %q", res.StatusCode, res.Header.Get("Content-Type"))
	}
}

func TestAlertOCSF(t *testing.T) {
	t.Parallel()
	e := setup(t)
	doc := decode[map[string]any](t, e.do("GET", fmt.Sprintf("/api/v1/alerts/%d/ocsf", e.ids["a1"]), viewerToken, nil).want(t, http.StatusOK))
	if doc["class_uid"] != float64(model.OCSFClassDetection) || doc["severity_id"] != float64(4) {
		t.Errorf("class_uid %v severity_id %v", doc["class_uid"], doc["severity_id"])
	}
	if doc["raw_data"] == nil {
		t.Error("OCSF export has no raw_data")
	}
}

func TestAlertComments(t *testing.T) {
	t.Parallel()
	e := setup(t)
	path := fmt.Sprintf("/api/v1/alerts/%d/comments", e.ids["a2"])
	empty := decode[list[model.Comment]](t, e.do("GET", path, viewerToken, nil).want(t, http.StatusOK))
	if len(empty.Items) != 0 {
		t.Fatalf("comments before any: %+v", empty.Items)
	}
	c := decode[model.Comment](t, e.do("POST", path, analystToken, map[string]any{"body": "  checked the host  "}).want(t, http.StatusCreated))
	if c.Body != "checked the host" || c.Author.Name != "ana" || c.Author.Kind != model.ActorAnalyst {
		t.Errorf("comment = %+v", c)
	}
	got := decode[list[model.Comment]](t, e.do("GET", path, viewerToken, nil).want(t, http.StatusOK))
	if len(got.Items) != 1 || got.Items[0].ID != c.ID {
		t.Errorf("comments = %+v", got.Items)
	}
	for _, body := range []any{map[string]any{"body": "   "}, map[string]any{"text": "x"}} {
		e.do("POST", path, analystToken, body).want(t, http.StatusBadRequest)
	}
}

func TestAlertDeliveries(t *testing.T) {
	t.Parallel()
	e := setup(t)
	id := e.ids["a2"]
	e.do("POST", fmt.Sprintf("/api/v1/alerts/%d/verdict", id), analystToken, map[string]any{"verdict": "not_a_threat"}).want(t, http.StatusOK)
	e.do("POST", fmt.Sprintf("/api/v1/alerts/%d/comments", id), analystToken, map[string]any{"body": "done"}).want(t, http.StatusCreated)
	got := decode[list[store.OutboxItem]](t, e.do("GET", fmt.Sprintf("/api/v1/alerts/%d/deliveries", id), viewerToken, nil).want(t, http.StatusOK))
	var actions []string
	for _, it := range got.Items {
		if it.OriginKind != model.KindAlert || it.OriginID != id || it.State != store.OutboxPending {
			t.Errorf("delivery %+v", it)
		}
		actions = append(actions, it.Action)
	}
	// The verdict writes state and a comment; the analyst's comment is a third.
	if want := []string{"set_state", "add_comment", "add_comment"}; !slices.Equal(actions, want) {
		t.Errorf("actions %v, want %v", actions, want)
	}
	first := decode[list[store.OutboxItem]](t, e.do("GET", fmt.Sprintf("/api/v1/alerts/%d/deliveries?limit=2", id), viewerToken, nil).want(t, http.StatusOK))
	if len(first.Items) != 2 || first.NextAfter == nil {
		t.Fatalf("first page %+v", first)
	}
	rest := decode[list[store.OutboxItem]](t, e.do("GET", fmt.Sprintf("/api/v1/alerts/%d/deliveries?after=%d", id, *first.NextAfter), viewerToken, nil))
	if len(rest.Items) != 1 || rest.Items[0].ID != got.Items[2].ID {
		t.Errorf("second page %+v", rest.Items)
	}
}

func TestStartValidation(t *testing.T) {
	t.Parallel()
	e := setup(t)
	id := e.ids["b1"]
	v := decode[store.Validation](t, e.do("POST", fmt.Sprintf("/api/v1/alerts/%d/validation", id), analystToken, nil).want(t, http.StatusAccepted))
	if v.AlertID != id || !v.StartedAt.Equal(e.clock.Now()) || v.Done {
		t.Errorf("validation = %+v", v)
	}
}

// TestCommentIdempotencyKey: a client that lost the answer sends its
// comment again with the same Idempotency-Key and gets the first comment
// back; neither alertsync nor the vendor gets a second one, even when the
// repeats race each other.
func TestCommentIdempotencyKey(t *testing.T) {
	t.Parallel()
	e := setup(t)
	id := e.ids["a2"]
	path := fmt.Sprintf("/api/v1/alerts/%d/comments", id)
	post := func(key, body string) response {
		return e.send("POST", path, map[string]any{"body": body}, func(h http.Header) {
			h.Set("Authorization", "Bearer "+analystToken)
			h.Set("Idempotency-Key", key)
		})
	}
	first := decode[model.Comment](t, post("k-1", "checked the host").want(t, http.StatusCreated))
	again := post("k-1", "checked the host").want(t, http.StatusOK)
	if got := decode[model.Comment](t, again); got.ID != first.ID || got.Body != first.Body {
		t.Errorf("replay = %+v, want the first comment %+v", got, first)
	}
	if again.header.Get("Idempotent-Replayed") != "true" {
		t.Errorf("replay headers %v, want Idempotent-Replayed: true", again.header)
	}
	if code := post("k-1", "something else").want(t, http.StatusBadRequest).errCode(t); code != "invalid" {
		t.Errorf("key reused for another body: code %q", code)
	}
	post("k-2", "checked the host").want(t, http.StatusCreated) // a new key is a new comment

	const racers = 8
	statuses := make(chan int, racers)
	var wg sync.WaitGroup
	for range racers {
		wg.Go(func() { statuses <- post("k-race", "raced").status })
	}
	wg.Wait()
	close(statuses)
	var created, replayed int
	for s := range statuses {
		switch s {
		case http.StatusCreated:
			created++
		case http.StatusOK:
			replayed++
		default:
			t.Errorf("racing repeat answered %d", s)
		}
	}
	if created != 1 || replayed != racers-1 {
		t.Errorf("racing repeats: %d created, %d replayed; want 1 and %d", created, replayed, racers-1)
	}
	got := decode[list[model.Comment]](t, e.do("GET", path, viewerToken, nil).want(t, http.StatusOK))
	if len(got.Items) != 3 {
		t.Errorf("comments = %+v, want 3 (k-1, k-2, k-race once each)", got.Items)
	}
	deliveries := decode[list[store.OutboxItem]](t, e.do("GET", fmt.Sprintf("/api/v1/alerts/%d/deliveries", id), viewerToken, nil).want(t, http.StatusOK))
	if len(deliveries.Items) != 3 {
		t.Errorf("deliveries = %d, want one per stored comment (3)", len(deliveries.Items))
	}
}
