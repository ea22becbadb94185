package playbook_test

import (
	"strings"
	"testing"

	"github.com/alertsync/alertsync/internal/playbook"
)

const base = `id: p1
name: P
trigger: {type: alert_created}
steps:
  - type: http
    url: https://tool.example/alerts
    json: '{"id": "{{ node.0.alert_uuid }}"}'
`

// TestCompileRefuses: every definition that would fail is refused when
// it is compiled, naming what is wrong and where.
func TestCompileRefuses(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, from, to, want string }{
		{"id", "id: p1", "id: P 1", "id must be"},
		{"trigger", "alert_created", "alert_deleted", "trigger type"},
		{"fields on another trigger", "{type: alert_created}", "{type: alert_created, fields: [status]}", "alert_updated only"},
		{"schedule too often", "{type: alert_created}", "{type: schedule, every: 10s}", "at least 1m"},
		{"step type", "type: http", "type: ftp", `type "ftp"`},
		{"method", "    url:", "    method: brew\n    url:", "method"},
		{"json and body", "    json:", "    body: x\n    json:", "not both"},
		{"json template", "{{ node.0.alert_uuid }}", "{{ node.0.alert_uuid ", "step 1 (http): json"},
		{"written credential", "    url:", "    headers: {Authorization: Basic dXNlcjpwYXNz}\n    url:", "from a secret"},
		{"auth without a secret name", "    url:", "    auth: {type: bearer}\n    url:", "token_secret"},
		{"allowlist", "steps:", "allow: [not a host]\nsteps:", "allow"},
		{"condition", "steps:", "condition: alert.colour == 'red'\nsteps:", "condition"},
		{"verdict", "type: http", "type: set_verdict\n    verdict: maybe", "verdict"},
		{"timeout", "    url:", "    timeout: 1h\n    url:", "timeout"},
		{"concurrency", "steps:", "concurrency: 1000\nsteps:", "concurrency"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			src := strings.Replace(base, tc.from, tc.to, 1)
			d, err := playbook.Parse([]byte(src))
			if err == nil {
				_, err = playbook.Compile(d, nil)
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one saying %q", err, tc.want)
			}
		})
	}
	d, err := playbook.Parse([]byte(base))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := playbook.Compile(d, nil); err != nil {
		t.Errorf("the base definition: %v", err)
	}
}
