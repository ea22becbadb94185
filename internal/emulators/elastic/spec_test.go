package elastic

import (
	"net/http"
	"strings"
	"testing"

	"github.com/alertsync/alertsync/internal/vendorspec"
)

// The Kibana spec files of shared/vendor-specs (see its README: patch K1).
const (
	detectionsSpec = "kibana_detections_2023-10-31.yaml"
	noteSpec       = "kibana_timeline_note_2023-10-31.yaml"
)

// withoutStatusDiscriminator drops the discriminator of the two
// SetAlertsStatus unions, in memory and in this Spec only. Its mapping
// names only "closed", so kin-openapi refuses every other status (by
// OpenAPI's implicit mapping "acknowledged" would name a schema
// "acknowledged", which the file does not have), although Kibana's zod
// union routes them to SetAlertsStatusBy*Base. Without it the plain oneOf
// still tells the branches apart by their status enums ([closed] and
// every other status), so nothing the vendor refuses passes. nil (the
// spec absent) stays nil.
func withoutStatusDiscriminator(t *testing.T, s *vendorspec.Spec) *vendorspec.Spec {
	t.Helper()
	if s == nil {
		return nil
	}
	for _, name := range []string{"SetAlertsStatusByIds", "SetAlertsStatusByQuery"} {
		ref := s.Doc.Components.Schemas[name]
		if ref == nil || ref.Value == nil || ref.Value.Discriminator == nil {
			t.Fatalf("%s: schema %s has no discriminator any more; drop this relaxation", s.Name, name)
		}
		ref.Value.Discriminator = nil
	}
	return s
}

// TestSpecConformance sends requests to the emulator and checks its
// answers, and when the vendor's specs are there, both the request and
// the answer against them. Refusals are checked too: the spec declares
// the 400 and 401 bodies.
func TestSpecConformance(t *testing.T) {
	h := setup(t, 6)
	det := withoutStatusDiscriminator(t, vendorspec.Optional(t, detectionsSpec))
	notes := vendorspec.Optional(t, noteSpec)
	id := h.emu.Alerts()[0].ID
	search := `{"query":{"bool":{"filter":[{"range":{"@timestamp":{"gte":"2026-03-01T00:00:00.000Z"}}}],"must_not":[{"exists":{"field":"kibana.alert.building_block_type"}}]}},` +
		`"sort":[{"@timestamp":{"order":"asc"}},{"kibana.alert.uuid":{"order":"asc"}}],"size":5}`
	tests := []struct {
		name, method, path, body string
		spec                     *vendorspec.Spec
		status                   int
		hdr                      map[string]string
	}{
		{"search", "POST", searchPath, search, det, 200, nil},
		{"search ids", "POST", searchPath, `{"query":{"ids":{"values":["` + id + `"]}},"size":1,"_source":["kibana.alert.workflow_status"]}`, det, 200, nil},
		{"search bad size", "POST", searchPath, `{"size":"ten"}`, det, 400, nil},
		{"search bad query", "POST", searchPath, `{"query":{"nope":{}}}`, det, 400, nil},
		{"search unauthenticated", "POST", searchPath, `{"size":1}`, det, 401, map[string]string{"Authorization": ""}},
		{"close with reason", "POST", statusPath, statusBody([]string{id}, "closed", "false_positive"), det, 200, nil},
		{"acknowledge", "POST", statusPath, statusBody([]string{id}, "acknowledged", ""), det, 200, nil},
		{"status by query", "POST", statusPath, `{"query":{"bool":{"filter":[{"term":{"kibana.alert.workflow_status":"open"}}]}},"status":"acknowledged","conflicts":"proceed"}`, det, 200, nil},
		{"status bad enum", "POST", statusPath, statusBody([]string{id}, "resolved", ""), det, 400, nil},
		{"tags", "POST", tagsPath, `{"ids":["` + id + `"],"tags":{"tags_to_add":["Duplicate"],"tags_to_remove":[]}}`, det, 200, nil},
		{"note", "PATCH", notePath, `{"note":{"eventId":"` + id + `","note":"checked by alertsync","timelineId":""}}`, notes, 200, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := h.call(t, tt.method, tt.path, tt.body, tt.hdr)
			if r.status != tt.status {
				t.Fatalf("status %d, want %d: %s", r.status, tt.status, r.body)
			}
			if tt.spec == nil {
				return
			}
			req, _ := http.NewRequestWithContext(t.Context(), tt.method, h.srv.URL+tt.path, nil)
			req.Header.Set("Content-Type", "application/json")
			if tt.status == 200 {
				if err := tt.spec.ValidateRequest(req, []byte(tt.body)); err != nil {
					t.Errorf("request: %v", err)
				}
			}
			if err := tt.spec.ValidateResponse(req, r.status, r.header, r.body); err != nil {
				t.Errorf("%v\n%.600s", err, r.body)
			}
		})
	}
}

// TestSpecCatchesDrift proves the validators are live: a platform error
// without statusCode, a PATCH note without timelineId, and a status body
// by ids with a status outside the enum all fail.
func TestSpecCatchesDrift(t *testing.T) {
	det := withoutStatusDiscriminator(t, vendorspec.LoadOrSkip(t, detectionsSpec))
	notes := vendorspec.LoadOrSkip(t, noteSpec)
	hdr := http.Header{"Content-Type": {"application/json"}}
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, "http://kibana"+statusPath, nil)
	req.Header = hdr
	if err := det.ValidateResponse(req, 401, hdr, []byte(`{"error":"Unauthorized","message":"x"}`)); err == nil {
		t.Error("401 body without statusCode passed")
	}
	for _, bad := range []string{`{"signal_ids":["a"],"status":"resolved"}`, `{"signal_ids":[],"status":"open"}`, `{"status":"closed"}`,
		`{"signal_ids":["a"],"status":"closed","reason":""}`} {
		if err := det.ValidateRequest(req, []byte(bad)); err == nil {
			t.Errorf("status body %s passed", bad)
		}
	}
	np, _ := http.NewRequestWithContext(t.Context(), http.MethodPatch, "http://kibana"+notePath, nil)
	np.Header = hdr
	if err := notes.ValidateRequest(np, []byte(`{"note":{"eventId":"a","note":"x"}}`)); err == nil || !strings.Contains(err.Error(), "timelineId") {
		t.Errorf("note without timelineId: %v", err)
	}
}
