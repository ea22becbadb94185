package template

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// FuzzRender compiles any source and renders it with any value: it must
// never panic, crash, hang, exceed its output cap, touch the caller's data,
// or (in JSON mode) return invalid JSON.
func FuzzRender(f *testing.F) {
	for _, src := range []string{
		seedBody(f), seedIntake(f),
		`{"a": {{ node.1.rule }}, "b": [{% for h in alert.hosts %}"{{ h }}",{% endfor %}""]}`,
		`{% set s = alert.title ~ "x" %}{% for i in range(3) %}{{ s * i }}{% endfor %}`,
		`{{ alert.title | replace("a", "bb") | join(",") | center(30) | indent(2) | tojson }}`,
		`{{ "%s" % x }}{{ node.0.nope.deeper }}{{ alert.hosts[1:] }}{{ secret("k") }}`,
		`{% if alert.severity > 50 and alert.title is string %}{{ alert.title.upper().split(" ") }}{% endif %}`,
		`{% for k, v in node.1.rule.items() %}{{ k }}={{ v }}{% else %}none{% endfor %}`,
		`{{ (alert.title ~ alert.title) * 3 }}{{ [1, 2] + [3] }}{{ dict(a=1) }}{{ 7 // 2 ** 3 }}`,
	} {
		f.Add(src, `Suspicious "PowerShell" <x> & \ y`, true)
		f.Add(src, "\xff\x00\n", false)
	}
	opts := func(json bool, missing Missing) Options {
		return Options{JSON: json, Missing: missing, Timeout: 50 * time.Millisecond, MaxBytes: 64 << 10,
			MaxIterations: 10_000, Secret: func(string) (string, bool) { return "s3cr3t", true }}
	}
	f.Fuzz(func(t *testing.T, src, value string, asJSON bool) {
		missing := MissingError
		if len(value)%2 == 1 {
			missing = MissingEmpty
		}
		o := opts(asJSON, missing)
		tpl, err := Compile("fuzz", src, o)
		if err != nil {
			return
		}
		data := seedData(value)
		// The render's own timeout (checked at every write and loop
		// step) bounds it; a hang past that fails the fuzz run itself.
		out, err := tpl.Render(context.Background(), data)
		if len(out.Text) > o.MaxBytes {
			t.Errorf("output of %d bytes exceeds the cap", len(out.Text))
		}
		if err == nil && asJSON && !json.Valid([]byte(out.Text)) {
			t.Errorf("invalid JSON without error: %s", out.Text)
		}
		if err != nil && strings.Contains(err.Error(), "s3cr3t") {
			t.Errorf("secret in error: %v", err)
		}
		node1, _ := data["node"].([]any)[1].(map[string]any)
		if rule, _ := node1["rule"].(map[string]any); rule["name"] != value || len(node1) != 2 {
			t.Errorf("data changed: %#v", node1)
		}
	})
}

// FuzzJSONRoundTrip renders both seed bodies with any rule name: the body
// must parse and carry the name byte for byte (invalid UTF-8 bytes become
// U+FFFD, as encoding/json does).
func FuzzJSONRoundTrip(f *testing.F) {
	for _, v := range hostile {
		f.Add(v)
	}
	body := mustCompile(f, seedBody(f), Options{JSON: true})
	intake := mustCompile(f, seedIntake(f), Options{JSON: true})
	f.Fuzz(func(t *testing.T, value string) {
		want := validUTF8(value)
		text, err := render(t, body, seedData(value))
		if err != nil {
			t.Fatal(err)
		}
		if got := decodeJSON(t, text)["rule_name"]; got != want {
			t.Fatalf("rule_name = %q, want %q (body %s)", got, want, text)
		}
		text, err = render(t, intake, seedData(value))
		if err != nil {
			t.Fatal(err)
		}
		inner, _ := decodeJSON(t, text)["json"].(string)
		if got := decodeJSON(t, strings.Trim(inner, "'"))["rule_name"]; got != want {
			t.Fatalf("intake rule_name = %q, want %q (body %s)", got, want, text)
		}
	})
}

func validUTF8(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b.WriteRune(utf8.RuneError)
		} else {
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}
