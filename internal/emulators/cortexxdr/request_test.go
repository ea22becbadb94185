package cortexxdr

import (
	"net/http"
	"strings"
	"testing"
)

func TestBadRequestsUseTheVendorEnvelope(t *testing.T) {
	t.Parallel()
	e := setup(t, 5)
	incident := e.emu.Incidents()[0].IncidentID
	hundredOne := make([]string, 101)
	for i := range hundredOne {
		hundredOne[i] = "1"
	}
	tests := []struct {
		name, path string
		body       any
		extra      string // part of err_extra
	}{
		{"not JSON", pathAlertsV2, "{", "JSON object"},
		{"no request_data", pathAlertsV2, map[string]any{"filters": []any{}}, "request_data"},
		{"unknown parameter", pathAlertsV2, rd(map[string]any{"limit": 5}), "unknown field"},
		{"page over 100", pathAlertsV2, rd(map[string]any{"search_from": 0, "search_to": 101}), "may not exceed 100"},
		{"page backwards", pathIncidents, rd(map[string]any{"search_from": 10, "search_to": 5}), "search_to"},
		{"unknown filter field", pathAlertsV2, rd(filters("modified", "gte", 1)), "not supported"},
		{"v1 cannot filter changes", pathAlertsV1, rd(filters("last_modified_ts", "gte", 1)), "not supported"},
		{"operator the field does not take", pathAlertsV2, rd(filters("last_modified_ts", "in", []int{1})), "operator"},
		{"time as a string", pathIncidents, rd(filters("modification_time", "gte", "1700000000000")), "integer timestamp"},
		{"time with a fraction", pathAlertsV2, rd(filters("last_modified_ts", "gte", 1.5)), "integer timestamp"},
		{"ids that are not ids", pathAlertsV2, rd(filters("alert_id_list", "in", []string{"abc"})), "not an id"},
		{"unknown sort field", pathIncidents, rd(map[string]any{"sort": map[string]any{"field": "severity", "keyword": "asc"}}), "sort field"},
		{"bad sort keyword", pathAlertsV2, rd(map[string]any{"sort": map[string]any{"field": "creation_time", "keyword": "up"}}), "sort keyword"},
		{"101 alerts updated", pathUpdateAlerts, rd(map[string]any{"alert_id_list": hundredOne, "update_data": map[string]any{"status": "new"}}), "at most 100"},
		{"no alerts updated", pathUpdateAlerts, rd(map[string]any{"alert_id_list": []string{}, "update_data": map[string]any{"status": "new"}}), "required"},
		{"read vocabulary written", pathUpdateAlerts, rd(map[string]any{"alert_id_list": []string{"1"}, "update_data": map[string]any{"status": "STATUS_010_NEW"}}), "invalid status"},
		{"bad severity", pathUpdateAlerts, rd(map[string]any{"alert_id_list": []string{"1"}, "update_data": map[string]any{"severity": "urgent"}}), "invalid severity"},
		{"unknown update field", pathUpdateAlerts, rd(map[string]any{"alert_id_list": []string{"1"}, "update_data": map[string]any{"resolve_comment": "x"}}), "not supported"},
		{"bad incident status", pathUpdateIncident, rd(map[string]any{"incident_id": incident, "update_data": map[string]any{"status": "closed"}}), "invalid status"},
		{"resolve comment on an open incident", pathUpdateIncident, rd(map[string]any{"incident_id": incident, "update_data": map[string]any{"status": "under_investigation", "resolve_comment": "x"}}), "resolved incident"},
		{"comment not added", pathUpdateIncident, rd(map[string]any{"incident_id": incident, "update_data": map[string]any{"comment": map[string]any{"comment_action": "remove", "value": "x"}}}), "comment_action"},
		{"assignee not in the tenant", pathUpdateIncident, rd(map[string]any{"incident_id": incident, "update_data": map[string]any{"assigned_user_mail": "mallory@evil.test"}}), "not a user"},
		{"unknown incident", pathUpdateIncident, rd(map[string]any{"incident_id": "1", "update_data": map[string]any{"status": "new"}}), "not found"},
		{"extra data of an unknown incident", pathExtra, rd(map[string]any{"incident_id": "1"}), "not found"},
	}
	for _, tt := range tests {
		a := e.post(t, tt.path, advanced(DefaultAdvancedKeyID, DefaultAdvancedKey, nonce(), e.clock.Now()), tt.body)
		msg, extra := a.errMsg()
		if a.status != http.StatusBadRequest || msg != msgBadRequest || !strings.Contains(extra, tt.extra) {
			t.Errorf("%s: %d %q / %q, want 400 with %q", tt.name, a.status, msg, extra, tt.extra)
		}
	}
}

func rd(data map[string]any) map[string]any { return map[string]any{"request_data": data} }

func filters(field, op string, value any) map[string]any {
	return map[string]any{"filters": []any{map[string]any{"field": field, "operator": op, "value": value}}}
}
