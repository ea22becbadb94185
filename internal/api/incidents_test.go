package api_test

import (
	"fmt"
	"net/http"
	"slices"
	"testing"

	"github.com/alertsync/alertsync/internal/model"
	"github.com/alertsync/alertsync/internal/store"
)

func TestIncidents(t *testing.T) {
	t.Parallel()
	e := setup(t)
	path := fmt.Sprintf("/api/v1/incidents/%d", e.incident)
	all := decode[list[model.Incident]](t, e.do("GET", "/api/v1/incidents", viewerToken, nil).want(t, http.StatusOK))
	if len(all.Items) != 1 || all.Items[0].ID != e.incident {
		t.Fatalf("incidents = %+v", all.Items)
	}
	for q, n := range map[string]int{"?status=new": 1, "?status=resolved": 0, "?integration=fake": 0, "?limit=1": 1} {
		got := decode[list[model.Incident]](t, e.do("GET", "/api/v1/incidents"+q, viewerToken, nil).want(t, http.StatusOK))
		if len(got.Items) != n {
			t.Errorf("%s: %d incidents, want %d", q, len(got.Items), n)
		}
	}
	e.do("GET", "/api/v1/incidents?status=shut", viewerToken, nil).want(t, http.StatusBadRequest)
	in := decode[model.Incident](t, e.do("GET", path, viewerToken, nil).want(t, http.StatusOK))
	if want := []int64{e.ids["a1"], e.ids["a2"]}; !slices.Equal(in.AlertIDs, want) {
		t.Errorf("alert_ids %v, want %v", in.AlertIDs, want)
	}
	revs := decode[list[model.Revision]](t, e.do("GET", path+"/revisions", viewerToken, nil).want(t, http.StatusOK))
	if len(revs.Items) != 1 || revs.Items[0].Actor.Kind != model.ActorRule {
		t.Errorf("incident revisions = %+v", revs.Items)
	}
}

func TestIncidentOCSF(t *testing.T) {
	t.Parallel()
	e := setup(t)
	doc := decode[map[string]any](t, e.do("GET", fmt.Sprintf("/api/v1/incidents/%d/ocsf", e.incident), viewerToken, nil).want(t, http.StatusOK))
	if doc["class_uid"] != float64(model.OCSFClassIncident) {
		t.Errorf("class_uid %v, want 2005", doc["class_uid"])
	}
	infos, _ := doc["finding_info_list"].([]any)
	if len(infos) != 2 {
		t.Errorf("finding_info_list has %d members, want 2", len(infos))
	}
}

func TestIncidentVerdictAndDeliveries(t *testing.T) {
	t.Parallel()
	e := setup(t)
	path := fmt.Sprintf("/api/v1/incidents/%d", e.incident)
	e.do("POST", path+"/verdict", analystToken, map[string]any{"verdict": "bogus"}).want(t, http.StatusBadRequest)
	in := decode[model.Incident](t, e.do("POST", path+"/verdict", analystToken,
		map[string]any{"verdict": "not_a_threat", "reason": "lab hosts"}).want(t, http.StatusOK))
	if in.Verdict != model.VerdictNotAThreat || in.Status != model.StatusResolved {
		t.Errorf("incident after verdict: %q %q", in.Verdict, in.Status)
	}
	for _, id := range []int64{e.ids["a1"], e.ids["a2"]} {
		a := decode[model.Alert](t, e.do("GET", fmt.Sprintf("/api/v1/alerts/%d", id), viewerToken, nil).want(t, http.StatusOK))
		if a.Verdict != model.VerdictNotAThreat {
			t.Errorf("member %d verdict %q", id, a.Verdict)
		}
	}
	c := decode[model.Comment](t, e.do("POST", path+"/comments", analystToken, map[string]any{"body": "closing"}).want(t, http.StatusCreated))
	if c.Kind != model.KindIncident || c.ObjectID != e.incident {
		t.Errorf("comment = %+v", c)
	}
	cs := decode[list[model.Comment]](t, e.do("GET", path+"/comments", viewerToken, nil).want(t, http.StatusOK))
	if len(cs.Items) != 1 {
		t.Errorf("incident comments = %+v", cs.Items)
	}
	got := decode[list[store.OutboxItem]](t, e.do("GET", path+"/deliveries", viewerToken, nil).want(t, http.StatusOK))
	origins := map[int64]int{}
	for _, it := range got.Items {
		origins[it.OriginID]++
	}
	// Each member alert has its verdict's state write and comment (a1 also
	// its validation-pass comment); the incident itself has no source.
	if origins[e.ids["a1"]] != 3 || origins[e.ids["a2"]] != 2 {
		t.Errorf("deliveries by origin %v (%+v)", origins, got.Items)
	}
	if !slices.IsSortedFunc(got.Items, func(a, b store.OutboxItem) int { return int(a.ID - b.ID) }) {
		t.Error("deliveries are not in id order")
	}
	var seen []int64
	for after := int64(0); ; {
		pg := decode[list[store.OutboxItem]](t, e.do("GET", fmt.Sprintf("%s/deliveries?limit=2&after=%d", path, after), viewerToken, nil).want(t, http.StatusOK))
		for _, it := range pg.Items {
			seen = append(seen, it.ID)
		}
		if pg.NextAfter == nil {
			break
		}
		after = *pg.NextAfter
	}
	var want []int64
	for _, it := range got.Items {
		want = append(want, it.ID)
	}
	if !slices.Equal(seen, want) {
		t.Errorf("paged deliveries %v, want %v", seen, want)
	}
}
