package api_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// TestPlaybookDefinitionsAreChecked: a definition is refused with its
// reason when it would fail (bad trigger, a credential written in it, an
// id that is not the path's), only admins may define one, and a dry run
// shows each step's rendered request without sending it.
func TestPlaybookDefinitionsAreChecked(t *testing.T) {
	t.Parallel()
	e := setup(t)
	bad := []struct{ name, yaml, want string }{
		{"trigger", strings.Replace(playbookYAML, "type: manual", "type: sometimes", 1), "trigger type"},
		{"credential", strings.Replace(playbookYAML, "    url:", "    headers: {Authorization: Bearer abc123}\n    url:", 1), "must come from a secret"},
		{"id", strings.Replace(playbookYAML, "id: ticket", "id: other", 1), "not the path's"},
		{"template", strings.Replace(playbookYAML, "{{ node.1.title }}", "{% for x %}", 1), "json"},
		{"unknown key", playbookYAML + "colour: red\n", "colour"},
	}
	for _, tc := range bad {
		msg := e.do("PUT", "/api/v1/playbooks/ticket", adminToken, map[string]any{"definition": tc.yaml}).want(t, http.StatusBadRequest).errMessage(t)
		if !strings.Contains(msg, tc.want) {
			t.Errorf("%s: message %q does not say %q", tc.name, msg, tc.want)
		}
	}
	e.do("PUT", "/api/v1/playbooks/ticket", analystToken, map[string]any{"definition": playbookYAML}).want(t, http.StatusForbidden)
	e.do("PUT", "/api/v1/playbooks/ticket", adminToken, map[string]any{"definition": playbookYAML}).want(t, http.StatusOK)
	var dry struct {
		Steps []struct {
			Type  string          `json:"type"`
			Input json.RawMessage `json:"input"`
			Error string          `json:"error"`
		} `json:"steps"`
	}
	e.do("POST", "/api/v1/playbooks/ticket/dry-run", analystToken, map[string]any{"alert_id": e.ids["a1"]}).want(t, http.StatusOK).decode(t, &dry)
	if len(dry.Steps) != 2 || dry.Steps[1].Error != "" || !strings.Contains(string(dry.Steps[1].Input), `Suspicious PowerShell`) {
		t.Errorf("dry run = %+v", dry)
	}
	e.do("POST", "/api/v1/playbooks/ticket/runs", analystToken, map[string]any{"alert_id": e.ids["a1"], "incident_id": e.incident}).want(t, http.StatusBadRequest)
	e.do("POST", "/api/v1/playbooks/nope/runs", analystToken, map[string]any{"alert_id": e.ids["a1"]}).want(t, http.StatusBadRequest)
	e.do("GET", "/api/v1/playbooks/nope", viewerToken, nil).want(t, http.StatusNotFound)
	e.do("GET", fmt.Sprintf("/api/v1/playbook-runs/%d", 999), viewerToken, nil).want(t, http.StatusNotFound)
	e.do("DELETE", "/api/v1/playbooks/nope", adminToken, nil).want(t, http.StatusNotFound)
}
