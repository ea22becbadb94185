package template

import (
	"errors"
	"strings"
	"testing"
)

func TestRenderSeedBodyAsWritten(t *testing.T) {
	t.Parallel()
	want := `{"alert_short_id":"0f4a6c2e-6c1b-4c43-9d43-2b7f2b0a1e11", "rule_name":"Suspicious PowerShell","rule_severity":"70","description":"This is a description"}`
	for _, json := range []bool{true, false} {
		tpl := mustCompile(t, seedBody(t), Options{JSON: json})
		got, err := render(t, tpl, seedData("Suspicious PowerShell"))
		if err != nil {
			t.Fatalf("JSON=%v: %v", json, err)
		}
		if got != want {
			t.Errorf("JSON=%v:\n got %s\nwant %s", json, got, want)
		}
	}
}

// hostile are alert values a vendor can send; each must reach the receiver
// byte for byte.
var hostile = []string{
	`He said "hi"`,
	`C:\Windows\System32\cmd.exe`,
	`<script>alert("x")</script> & <b>`,
	"line one\nline two\r\n\ttabbed",
	"unicode é ✓ 😀 \u2028 \u2029",
	"control \x00\x01\x1f\x7f",
	`\u0022 is a quote and \" is too`,
	`{{ not a template }} {% neither %}`,
	`'{"nested": "json"}'`,
	`", "injected": "yes`,
	``,
}

func TestRenderHostileValuesRoundTrip(t *testing.T) {
	t.Parallel()
	body := mustCompile(t, seedBody(t), Options{JSON: true})
	intake := mustCompile(t, seedIntake(t), Options{JSON: true})
	for _, v := range hostile {
		text, err := render(t, body, seedData(v))
		if err != nil {
			t.Fatalf("%q: %v", v, err)
		}
		m := decodeJSON(t, text)
		if m["rule_name"] != v || m["rule_severity"] != "70" || len(m) != 4 {
			t.Errorf("%q: decoded %#v from %s", v, m, text)
		}
		if strings.Contains(v, "<") && (strings.Contains(text, `\u003c`) || strings.Contains(text, "&lt;")) {
			t.Errorf("%q: HTML-escaped: %s", v, text)
		}

		text, err = render(t, intake, seedData(v))
		if err != nil {
			t.Fatalf("intake %q: %v", v, err)
		}
		outer := decodeJSON(t, text)
		inner, _ := outer["json"].(string)
		m = decodeJSON(t, strings.TrimSuffix(strings.TrimPrefix(inner, "'"), "'"))
		if m["rule_name"] != v || outer["intake_key"] != "MYINTAKEKEY" {
			t.Errorf("intake %q: decoded %#v from %s", v, m, text)
		}
	}
}

func TestRenderInvalidUTF8BecomesReplacementChar(t *testing.T) {
	t.Parallel()
	tpl := mustCompile(t, seedBody(t), Options{JSON: true})
	text, err := render(t, tpl, seedData("bad \xff byte"))
	if err != nil {
		t.Fatal(err)
	}
	if got := decodeJSON(t, text)["rule_name"]; got != "bad \uFFFD byte" {
		t.Errorf("rule_name = %q", got)
	}
}

func TestRenderJSONValuesOutsideStrings(t *testing.T) {
	t.Parallel()
	src := `{"sev": {{ node.1.rule.severity }}, "rule": {{ node.1.rule }}, "title": {{ alert.title }}, ` +
		`"hosts": {{ alert.hosts }}, "raw": {{ alert.hosts | tojson }}, "n": {{ 1.5 }}, "t": {{ true }}}`
	tpl := mustCompile(t, src, Options{JSON: true})
	for _, v := range hostile {
		text, err := render(t, tpl, seedData(v))
		if err != nil {
			t.Fatalf("%q: %v", v, err)
		}
		m := decodeJSON(t, text)
		rule, _ := m["rule"].(map[string]any)
		hosts, _ := m["hosts"].([]any)
		if m["sev"] != 70.0 || m["title"] != v || rule["name"] != v || len(hosts) != 2 || hosts[1] != v ||
			m["n"] != 1.5 || m["t"] != true {
			t.Errorf("%q: decoded %#v from %s", v, m, text)
		}
	}
}

func TestRenderPlainTextIsNotEscaped(t *testing.T) {
	t.Parallel()
	tpl := mustCompile(t, `https://edr.example/alerts/{{ node.0.alert_uuid }}?q={{ alert.title }}`, Options{})
	got, err := render(t, tpl, seedData(`a"b<c>`))
	if err != nil {
		t.Fatal(err)
	}
	if want := `https://edr.example/alerts/0f4a6c2e-6c1b-4c43-9d43-2b7f2b0a1e11?q=a"b<c>`; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

func TestRenderMissing(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, src string
		missing   Missing
		want      string // rendered text, when no error
		wantPath  string // missing path, when an error is expected
	}{
		{"typo fails", `{"r":"{{ node.1.rule.nmae }}"}`, MissingError, "", "node.1.rule.nmae"},
		{"absent step fails", `{"r":"{{ node.5.rule }}"}`, MissingError, "", "node.5"},
		{"absent variable fails", `{"r":"{{ incident.title }}"}`, MissingError, "", "incident"},
		{"subscript typo fails", `{"r":"{{ node.1['rule']['nmae'] }}"}`, MissingError, "", "node.1['rule']['nmae']"},
		{"in a condition fails", `{% if node.1.rule.nmae == 1 %}{% endif %}{}`, MissingError, "", "node.1.rule.nmae"},
		{"default allowed", `{"r":"{{ node.1.rule.nmae | default("x") }}"}`, MissingError, `{"r":"x"}`, ""},
		{"is defined allowed", `{"r":"{{ 'y' if node.1.rule.nmae is defined else 'n' }}"}`, MissingError, `{"r":"n"}`, ""},
		{"empty in string", `{"r":"{{ node.1.rule.nmae }}"}`, MissingEmpty, `{"r":""}`, ""},
		{"null outside string", `{"r":{{ node.1.rule.nmae }}}`, MissingEmpty, `{"r":null}`, ""},
		{"empty through a chain", `{"r":"{{ node.7.rule.name }}{{ incident.x.y }}"}`, MissingEmpty, `{"r":""}`, ""},
		{"default under empty", `{"r":"{{ incident.title | default("none") }}"}`, MissingEmpty, `{"r":"none"}`, ""},
		{"falsy in a condition", `{"r":"{% if incident.title %}y{% else %}n{% endif %}"}`, MissingEmpty, `{"r":"n"}`, ""},
		{"present still renders", `{"r":"{{ node.1.rule.name.upper() }}"}`, MissingEmpty, `{"r":"R"}`, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tpl := mustCompile(t, tc.src, Options{JSON: true, Missing: tc.missing})
			got, err := render(t, tpl, seedData("r"))
			if tc.wantPath == "" {
				if err != nil || got != tc.want {
					t.Fatalf("got %s, %v; want %s", got, err, tc.want)
				}
				return
			}
			var re *RenderError
			if !errors.Is(err, ErrMissing) || !errors.As(err, &re) || re.Path != tc.wantPath ||
				!strings.Contains(err.Error(), tc.wantPath) {
				t.Fatalf("err = %v (path %q), want missing %s", err, pathOf(re), tc.wantPath)
			}
		})
	}
}

func pathOf(re *RenderError) string {
	if re == nil {
		return ""
	}
	return re.Path
}

func TestRenderLoopsBuildValidJSON(t *testing.T) {
	t.Parallel()
	src := `{"hosts":[{% for h in alert.hosts %}"{{ h }}"{% if not loop.last %},{% endif %}{% endfor %}],` +
		`"n":{{ alert.hosts | length }},"up":"{{ alert.hosts | join(", ") | upper }}"` +
		`{% set sev = node.1.rule.severity %},"high":{{ sev >= 70 }},"band":"{{ "high" if sev >= 70 else "low" }}"}`
	tpl := mustCompile(t, src, Options{JSON: true})
	for _, v := range hostile {
		text, err := render(t, tpl, seedData(v))
		if err != nil {
			t.Fatalf("%q: %v", v, err)
		}
		m := decodeJSON(t, text)
		hosts, _ := m["hosts"].([]any)
		if len(hosts) != 2 || hosts[1] != v || m["n"] != 2.0 || m["high"] != true || m["band"] != "high" ||
			m["up"] != strings.ToUpper("web-1, "+v) {
			t.Errorf("%q: decoded %#v from %s", v, m, text)
		}
	}
}
