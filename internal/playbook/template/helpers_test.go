package template

import (
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"
)

// seedBody and seedIntake are the two Request URL bodies of the Sekoia.io
// "Synchronize Alerts with an external tool" playbook, verbatim.
func seedBody(t testing.TB) string   { return readSeed(t, "testdata/seed_body.json.j2") }
func seedIntake(t testing.TB) string { return readSeed(t, "testdata/seed_intake.json.j2") }

func readSeed(t testing.TB, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSuffix(string(b), "\n")
}

// seedData is what the trigger (node 0) and Get Alert (node 1) return.
func seedData(ruleName string) map[string]any {
	return map[string]any{
		"node": []any{
			map[string]any{"alert_uuid": "0f4a6c2e-6c1b-4c43-9d43-2b7f2b0a1e11"},
			map[string]any{
				"short_id": "ALi9Dn7H8Y2B",
				"rule":     map[string]any{"name": ruleName, "severity": 70, "uuid": "r-1"},
			},
		},
		"alert": map[string]any{"title": ruleName, "severity": 70, "hosts": []any{"web-1", ruleName}},
	}
}

func mustCompile(t testing.TB, src string, o Options) *Template {
	t.Helper()
	tpl, err := Compile("test", src, o)
	if err != nil {
		t.Fatalf("Compile(%q): %v", src, err)
	}
	return tpl
}

func render(t testing.TB, tpl *Template, data map[string]any) (string, error) {
	t.Helper()
	out, err := tpl.Render(context.Background(), data)
	return out.Text, err
}

func decodeJSON(t testing.TB, text string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(text), &m); err != nil {
		t.Fatalf("rendered body is not JSON: %v\n%s", err, text)
	}
	return m
}
