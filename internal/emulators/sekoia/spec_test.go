package sekoia

import (
	"net/http"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/alertsync/alertsync/internal/vendorspec"
)

// specFile is the Sekoia.io spec of shared/vendor-specs (patches S1, S2).
const specFile = "sekoia_sic_alerts.json"

// relaxed corrects, in memory and in this Spec only, two things the
// published file gets wrong: GET /alerts `sort` has no type (Swagger 2.0
// requires one; kin-openapi then refuses every value), and
// kill_chain_short_id is not nullable although real alerts carry null
// (vendor-specs README, known limits). nil stays nil.
func relaxed(t *testing.T, s *vendorspec.Spec) *vendorspec.Spec {
	t.Helper()
	if s == nil {
		return nil
	}
	sort := s.Doc.Paths.Find("/alerts").Get.Parameters.GetByInAndName("query", "sort").Schema.Value
	if sort.Type != nil && len(*sort.Type) > 0 {
		t.Fatal("spec: sort has a type now; drop this relaxation")
	}
	sort.Type = &openapi3.Types{openapi3.TypeString}
	items := s.Doc.Components.Schemas["AlertsSchema"].Value.Properties["items"].Value.Items.Value
	items.Properties["kill_chain_short_id"].Value.Nullable = true
	s.Doc.Components.Schemas["AlertDetailSchema"].Value.Properties["kill_chain_short_id"].Value.Nullable = true
	return s
}

// TestSpecConformance sends requests to the emulator and checks its
// answers, and when the vendor's spec is there, the request and the
// answer against it. Refusals are checked too (the spec declares 400,
// 401, 403, 404 and 409 without bodies); 429 is not declared by any
// operation, so it is checked by the behaviour tests only.
func TestSpecConformance(t *testing.T) {
	h := setup(t, Options{Alerts: 12})
	spec := relaxed(t, vendorspec.Optional(t, specFile))
	id := h.emu.SeedAlerts(1)[0]
	other := h.emu.SeedAlerts(2)
	h.call(t, http.MethodPost, "/v1/sic/alerts/"+id+"/comments", `{"content":"seed comment"}`, nil)
	noKey := map[string]string{"Authorization": ""}
	list := "/v1/sic/alerts?limit=5&offset=0&sort=updated_at&direction=asc&match%5Bcommunity_uuid%5D=" + DefaultCommunity +
		"&date%5Bupdated_at%5D=2026-02-01T00:00:00Z,2026-03-01T09:00:00Z"
	tests := []struct {
		name, method, path, body string
		status                   int
		hdr                      map[string]string
	}{
		{"list", "GET", list, "", 200, nil},
		{"list by uuid", "GET", "/v1/sic/alerts?match%5Buuid%5D=" + id + "," + other[0] + "&limit=100", "", 200, nil},
		{"list bad limit", "GET", "/v1/sic/alerts?limit=0", "", 400, nil},
		{"list unauthenticated", "GET", "/v1/sic/alerts", "", 401, noKey},
		{"get", "GET", "/v1/sic/alerts/" + id + "?comments=true&history=true", "", 200, nil},
		{"get light", "GET", "/v1/sic/alerts/" + id + "?comments=false&history=false&countermeasures=false", "", 200, nil},
		{"get unknown", "GET", "/v1/sic/alerts/ALnothingHere", "", 404, nil},
		{"workflow", "GET", "/v1/sic/alerts/" + id + "/workflow", "", 200, nil},
		{"acknowledge", "PATCH", "/v1/sic/alerts/" + id + "/workflow", `{"action_uuid":"` + Acknowledge.ID + `","comment":null}`, 200, nil},
		{"invalid action", "PATCH", "/v1/sic/alerts/" + id + "/workflow", `{"action_uuid":"` + Close.ID + `","comment":"x"}`, 409, nil},
		{"validate by status", "PATCH", "/v1/sic/alerts/" + id + "/workflow", `{"action_uuid":"` + Ongoing.UUID + `"}`, 200, nil},
		{"bulk", "PATCH", "/v1/sic/alerts/bulk/workflow?match%5Buuid%5D=" + strings.Join(other, ","), `{"action_uuid":"` + Reject.ID + `","comment":"fp"}`, 204, nil},
		{"bulk none could", "PATCH", "/v1/sic/alerts/bulk/workflow?match%5Buuid%5D=" + other[0], `{"action_uuid":"` + Reject.ID + `"}`, 409, nil},
		{"comments", "GET", "/v1/sic/alerts/" + id + "/comments?limit=100&offset=0", "", 200, nil},
		{"comment", "POST", "/v1/sic/alerts/" + id + "/comments", `{"content":"checked [alertsync:0123456789ab]","author":"alertsync"}`, 200, nil},
		{"comment long author", "POST", "/v1/sic/alerts/" + id + "/comments", `{"content":"x","author":"` + strings.Repeat("a", 33) + `"}`, 400, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := h.call(t, tt.method, tt.path, tt.body, tt.hdr)
			if r.status != tt.status {
				t.Fatalf("status %d, want %d: %s", r.status, tt.status, r.body)
			}
			if spec == nil {
				return
			}
			req, _ := http.NewRequestWithContext(t.Context(), tt.method, h.srv.URL+tt.path, nil)
			if tt.body != "" {
				req.Header.Set("Content-Type", "application/json")
			}
			if tt.status < 300 {
				if err := spec.ValidateRequest(req, []byte(tt.body)); err != nil {
					t.Errorf("request: %v", err)
				}
			}
			if err := spec.ValidateResponse(req, r.status, r.header, r.body); err != nil {
				t.Errorf("%v\n%.600s", err, r.body)
			}
		})
	}
}

// TestSpecCatchesDrift proves the answer checks are live: a list item
// with a uuid that is not one, and a comment without its author, fail.
func TestSpecCatchesDrift(t *testing.T) {
	spec := relaxed(t, vendorspec.LoadOrSkip(t, specFile))
	hdr := http.Header{"Content-Type": {"application/json"}}
	list, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, "https://api.sekoia.io/v1/sic/alerts", nil)
	if err := spec.ValidateResponse(list, 200, hdr, []byte(`{"items":[{"uuid":"ALTqhwoRAyqk"}],"total":1,"has_more":false}`)); err == nil {
		t.Error("a list item whose uuid is a short id passed")
	}
	post, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, "https://api.sekoia.io/v1/sic/alerts/af0a370f-2e44-433c-99b2-2d0e4b348d0c/comments", nil)
	if err := spec.ValidateResponse(post, 200, hdr, []byte(`{"uuid":"af0a370f-2e44-433c-99b2-2d0e4b348d0c","content":"x","date":1,"created_by":"a","created_by_type":"apikey"}`)); err == nil {
		t.Error("a comment without author passed")
	}
}
