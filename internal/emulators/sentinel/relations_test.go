package sentinel

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/alertsync/alertsync/internal/emulators/defendercloud"
)

// relationBodyFor is the documented body relating an alert.
func relationBodyFor(f *fixture, systemAlertID string) map[string]any {
	return map[string]any{"properties": map[string]any{"relatedResourceId": f.sen.AlertResourceID(systemAlertID)}}
}

// memberIDs reads an incident's members the way the hub's connector does:
// POST .../incidents/{id}/alerts, SystemAlertId of each entity.
func memberIDs(t *testing.T, f *fixture, incident string) []string {
	t.Helper()
	res := f.do(http.MethodPost, f.incPath(incident, "/alerts"), nil)
	if res.status != http.StatusOK {
		t.Fatalf("list alerts of %s: %d %s", incident, res.status, res.body)
	}
	var l alertList
	res.decode(t, &l)
	ids := []string{}
	for _, a := range l.Value {
		ids = append(ids, a.Properties.SystemAlertID)
	}
	return ids
}

// TestRelateAlertToSecondIncident relates an alert to a second incident
// through the API: it is a member of both (alerts call, alertsCount,
// AlertIds), the change is an incident change a poller sees, and deleting
// the relation takes it out of the second incident only.
func TestRelateAlertToSecondIncident(t *testing.T) {
	t.Parallel()
	f := setup(t, Options{})
	f.newDfCAlert("r1", "vm-a")
	f.newDfCAlert("r2", "vm-b")
	inc1, inc2 := f.onlyIncident("r1"), f.onlyIncident("r2")
	rows := len(f.sen.SecurityIncidentRows())
	path := f.incPath(inc1.Name, "/relations/relate-r2")

	res := f.do(http.MethodPut, path, relationBodyFor(f, "r2"))
	var rel Relation
	res.decode(t, &rel)
	if res.status != http.StatusCreated || rel.Name != "relate-r2" || rel.Properties.RelatedResourceName != "r2" ||
		rel.Properties.RelatedResourceKind != "SecurityAlert" || rel.Properties.RelatedResourceType != "Microsoft.SecurityInsights/entities" ||
		rel.ID != inc1.ID+"/relations/relate-r2" || rel.Etag == "" {
		t.Fatalf("create relation: %d %s", res.status, res.body)
	}
	if res := f.do(http.MethodPut, path, relationBodyFor(f, "r2")); res.status != http.StatusOK {
		t.Fatalf("repeat PUT: %d %s", res.status, res.body)
	}
	if got := memberIDs(t, f, inc1.Name); !slices.Equal(got, []string{"r1", "r2"}) {
		t.Fatalf("incident 1 alerts %v", got)
	}
	if got := memberIDs(t, f, inc2.Name); !slices.Equal(got, []string{"r2"}) {
		t.Fatalf("incident 2 alerts %v", got)
	}
	after, _ := f.sen.Incident(inc1.Name)
	if after.Properties.AdditionalData.AlertsCount != 2 || after.Etag == inc1.Etag ||
		!after.Properties.LastModifiedTimeUtc.After(inc1.Properties.LastModifiedTimeUtc) {
		t.Fatalf("related incident: count %d etag %s modified %s", after.Properties.AdditionalData.AlertsCount, after.Etag, after.Properties.LastModifiedTimeUtc)
	}
	if n := len(f.sen.IncidentsForAlert("r2")); n != 2 {
		t.Fatalf("r2 is in %d incidents, want 2", n)
	}
	incRows := f.sen.SecurityIncidentRows()
	if len(incRows) != rows+1 || !slices.Equal(incRows[len(incRows)-1].AlertIDs, []string{"r1", "r2"}) {
		t.Fatalf("SecurityIncident rows %d (was %d), last %+v", len(incRows), rows, incRows[len(incRows)-1].AlertIDs)
	}

	if res := f.do(http.MethodDelete, path, nil); res.status != http.StatusOK {
		t.Fatalf("delete: %d %s", res.status, res.body)
	}
	if got := memberIDs(t, f, inc1.Name); !slices.Equal(got, []string{"r1"}) {
		t.Fatalf("incident 1 alerts after delete %v", got)
	}
	if got := memberIDs(t, f, inc2.Name); !slices.Equal(got, []string{"r2"}) {
		t.Fatalf("incident 2 alerts after delete %v", got)
	}
	if in, _ := f.sen.Incident(inc1.Name); in.Properties.AdditionalData.AlertsCount != 1 {
		t.Fatalf("alertsCount after delete %d", in.Properties.AdditionalData.AlertsCount)
	}
	if res := f.do(http.MethodDelete, path, nil); res.status != http.StatusNoContent {
		t.Fatalf("delete again: %d", res.status)
	}
	if res := f.do(http.MethodGet, path, nil); res.status != http.StatusNotFound || !strings.Contains(res.errorBody(t).Message, "relate-r2") {
		t.Fatalf("get deleted: %d %s", res.status, res.body)
	}
}

// TestRuleMembershipIsARelation: the creation rule's alert is listed among
// the incident's relations, in the shape Sentinel lists it, and deleting
// that relation removes the alert from the incident.
func TestRuleMembershipIsARelation(t *testing.T) {
	t.Parallel()
	f := setup(t, Options{})
	f.newDfCAlert("own", "vm-own")
	inc := f.onlyIncident("own")
	res := f.do(http.MethodGet, f.incPath(inc.Name, "/relations"), nil)
	var l relationList
	res.decode(t, &l)
	if res.status != http.StatusOK || len(l.Value) != 1 {
		t.Fatalf("relations: %d %s", res.status, res.body)
	}
	rel := l.Value[0]
	if !strings.HasSuffix(rel.Name, "_own") || rel.Properties.RelatedResourceName != "own" ||
		!strings.EqualFold(rel.Properties.RelatedResourceID, f.sen.AlertResourceID("own")) || rel.Type != "Microsoft.SecurityInsights/Incidents/relations" {
		t.Fatalf("rule relation %+v", rel)
	}
	if err := f.sen.DeleteRelation(inc.Name, rel.Name, "analyst"); err != nil {
		t.Fatal(err)
	}
	if got := memberIDs(t, f, inc.Name); len(got) != 0 {
		t.Fatalf("alerts after removing the rule's relation: %v", got)
	}
	if _, ok := f.sen.Alert("own"); !ok {
		t.Fatal("the alert left the workspace with its relation")
	}
}

func TestRelationRefusals(t *testing.T) {
	t.Parallel()
	f := setup(t, Options{})
	f.newDfCAlert("x1", "vm-x")
	f.newDfCAlert("x2", "vm-y")
	inc, inc2 := f.onlyIncident("x1"), f.onlyIncident("x2")
	if res := f.do(http.MethodPut, f.incPath(inc.Name, "/relations/cur"), relationBodyFor(f, "x2")); res.status != http.StatusCreated {
		t.Fatalf("setup relation: %d", res.status)
	}
	other := strings.Replace(f.sen.AlertResourceID("x2"), "/workspaces/"+DefaultWorkspace+"/", "/workspaces/elsewhere/", 1)
	bookmark := f.sen.BasePath() + "/bookmarks/2216d0e1-91e3-4902-89fd-d2df8c535096"
	tests := []struct {
		name, incident, rel string
		body                any
		status              int
		code                string
	}{
		{"name too short", inc.Name, "ab", relationBodyFor(f, "x2"), 400, "BadRequest"},
		{"name with underscore", inc.Name, "a_b_c", relationBodyFor(f, "x2"), 400, "BadRequest"},
		{"no properties", inc.Name, "rel-1", map[string]any{}, 400, "BadRequest"},
		{"bookmark", inc.Name, "rel-1", map[string]any{"properties": map[string]any{"relatedResourceId": bookmark}}, 400, "BadRequest"},
		{"unknown alert", inc.Name, "rel-1", relationBodyFor(f, "nope"), 400, "BadRequest"},
		{"other workspace", inc.Name, "rel-1", map[string]any{"properties": map[string]any{"relatedResourceId": other}}, 400, "BadRequest"},
		{"missing incident", "missing", "rel-1", relationBodyFor(f, "x2"), 404, "NotFound"},
		{"stale etag", inc.Name, "cur", map[string]any{"etag": `"stale"`, "properties": relationBodyFor(f, "x2")["properties"]}, 409, "Conflict"},
		{"not JSON", inc.Name, "rel-1", []byte(`relatedResourceId=x`), 400, "InvalidRequestContent"},
	}
	for _, tt := range tests {
		res := f.do(http.MethodPut, f.incPath(tt.incident, "/relations/"+tt.rel), tt.body)
		if res.status != tt.status || res.errorBody(t).Code != tt.code {
			t.Errorf("%s: %d %s, want %d %s", tt.name, res.status, res.body, tt.status, tt.code)
		}
	}
	if got := memberIDs(t, f, inc.Name); !slices.Equal(got, []string{"x1", "x2"}) {
		t.Fatalf("refused PUTs changed the members: %v", got)
	}
	// The alert entity id as Incidents_ListAlerts spells it ("Entities") is
	// the same ARM id.
	entities := strings.Replace(f.sen.AlertResourceID("x1"), "/entities/", "/Entities/", 1)
	body := map[string]any{"properties": map[string]any{"relatedResourceId": entities}}
	if res := f.do(http.MethodPut, f.incPath(inc2.Name, "/relations/cased"), body); res.status != http.StatusCreated {
		t.Fatalf("Entities casing: %d %s", res.status, res.body)
	}
}

func TestRelationListQuery(t *testing.T) {
	t.Parallel()
	f := setup(t, Options{})
	for _, id := range []string{"q1", "q2", "q3"} {
		f.newDfCAlert(id, "vm-q")
	}
	inc := f.onlyIncident("q1")
	for _, id := range []string{"q3", "q2"} {
		if res := f.do(http.MethodPut, f.incPath(inc.Name, "/relations/rel-"+id), relationBodyFor(f, id)); res.status != http.StatusCreated {
			t.Fatalf("relate %s: %d", id, res.status)
		}
	}
	base := f.incPath(inc.Name, "/relations")
	tests := []struct {
		name, query string
		want        []string // relatedResourceName of each, in order
		status      int
	}{
		{"all, in creation order", "", []string{"q1", "q3", "q2"}, 200},
		{"order by related name", "&$orderby=properties/relatedResourceName%20desc", []string{"q3", "q2", "q1"}, 200},
		{"filter", "&$filter=name%20eq%20'rel-q2'", []string{"q2"}, 200},
		{"unknown property", "&$filter=properties/owner%20eq%20'x'", nil, 400},
	}
	for _, tt := range tests {
		res := f.do(http.MethodGet, base+tt.query, nil)
		if res.status != tt.status {
			t.Errorf("%s: %d %s", tt.name, res.status, res.body)
			continue
		}
		if tt.status != 200 {
			continue
		}
		var l relationList
		res.decode(t, &l)
		var got []string
		for _, r := range l.Value {
			got = append(got, r.Properties.RelatedResourceName)
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("%s: %v, want %v", tt.name, got, tt.want)
		}
	}
	res := f.do(http.MethodGet, base+"&$top=2", nil)
	var p1 relationList
	res.decode(t, &p1)
	if len(p1.Value) != 2 || p1.NextLink == "" {
		t.Fatalf("page 1: %s", res.body)
	}
	var p2 relationList
	f.do(http.MethodGet, p1.NextLink, nil).decode(t, &p2)
	if len(p2.Value) != 1 || p2.Value[0].Properties.RelatedResourceName != "q2" {
		t.Fatalf("page 2: %+v", p2)
	}
}

// TestSimulatedAlertsBecomeIncidents: Defender for Cloud's sample alerts
// reach the workspace like any other alert, one incident each, titled
// like the sample alert.
func TestSimulatedAlertsBecomeIncidents(t *testing.T) {
	t.Parallel()
	f := setup(t, Options{})
	alerts, err := f.dfc.Simulate("20ff7fc3-e762-44dd-bd96-b71116dcdc23", "westeurope", []string{"VirtualMachines", "KeyVaults"})
	if err != nil {
		t.Fatal(err)
	}
	if len(alerts) != 2 {
		t.Fatalf("%d sample alerts", len(alerts))
	}
	for _, a := range alerts {
		inc := f.onlyIncident(a.Properties.SystemAlertID)
		p := inc.Properties
		if p.Title != a.Properties.AlertDisplayName || !strings.HasPrefix(p.Title, defendercloud.SampleTitlePrefix) ||
			p.Status != StatusNew || p.AdditionalData.AlertsCount != 1 {
			t.Errorf("incident for %s: %+v", a.Name, p)
		}
		if m, _ := f.sen.Alert(a.Properties.SystemAlertID); m.Properties.Status != AlertNew {
			t.Errorf("mirrored alert %s is %s", a.Name, m.Properties.Status)
		}
	}
}
