package template

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestCompileSyntaxErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, src string
		line, col int
		msg       string
	}{
		{"unclosed output", `{"a":"{{ x }`, 1, 13, "Unexpected delimiter"},
		{"missing end", `{"a":"{{ x "}`, 1, 14, "unterminated string"},
		{"unterminated string", "{\n\"a\":\"{{ x \"}", 2, 13, "unterminated string"},
		{"bad operator on line 3", "{\n\"a\": 1,\n\"b\": \"{{ 1 +* 2 }}\"}", 3, 13, "expected either a number"},
		{"include refused", `{% include "/etc/passwd" %}`, 1, 4, "{% include %} is not allowed"},
		{"extends refused", "x\n  {% extends 'base' %}", 2, 6, "{% extends %} is not allowed"},
		{"macro refused", `{% macro f() %}{{ f() }}{% endmacro %}`, 1, 4, "{% macro %} is not allowed"},
		{"filter block refused", `{% filter upper %}x{% endfilter %}`, 1, 4, "{% filter %} is not allowed"},
		{"recursive loop refused", `{% for x in y recursive %}{% endfor %}`, 1, 15, "recursive loops"},
		{"attribute set refused", `{% set node.x = 1 %}`, 1, 12, "only {% set name = value %}"},
		{"block set refused", `{% set x %}y{% endset %}`, 1, 8, "only {% set name = value %}"},
		{"unclosed for", `{% for x in y %}`, 0, 0, "endfor"},
		{"deep brackets", "{{ " + strings.Repeat("(", 33) + "1" + strings.Repeat(")", 33) + " }}", 1, 36, "brackets nest more than 32"},
		{"long tag", "{{ x" + strings.Repeat("|upper", 600) + " }}", 1, 1, "more than 1000 tokens"},
		{"deep expression", "{{ 1" + strings.Repeat(" ~ 1", 100) + " }}", 0, 0, "nests more than 64 levels"},
		{"deep attribute chain", "{{ x" + strings.Repeat(".x", 80) + " }}", 0, 0, "nests more than 64 levels"},
		{"unknown filter", "{\n {{ x | nofilter }}", 2, 9, `unknown filter "nofilter"`},
		{"removed filter", "{{ x | format(1) }}", 1, 8, `unknown filter "format"`},
		{"unknown test", "{{ x is nothing }}", 1, 9, `unknown test "nothing"`},
		{"deep blocks", strings.Repeat("{% if x %}", 33) + strings.Repeat("{% endif %}", 33), 1, 324, "nest more than 32 deep"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := Compile("seed", tc.src, Options{JSON: true})
			var se *SyntaxError
			if !errors.As(err, &se) || !errors.Is(err, ErrSyntax) {
				t.Fatalf("err = %v, want a *SyntaxError", err)
			}
			if (tc.line != 0 && (se.Line != tc.line || se.Col != tc.col)) || !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("err = %v (line %d col %d), want line %d col %d containing %q", err, se.Line, se.Col, tc.line, tc.col, tc.msg)
			}
			if strings.Contains(err.Error(), "failed to parse template") {
				t.Errorf("error quotes the source: %v", err)
			}
		})
	}
}

func TestCompileRefusesHugeSource(t *testing.T) {
	t.Parallel()
	_, err := Compile("big", strings.Repeat("x", MaxSourceBytes+1), Options{})
	if !errors.Is(err, ErrSyntax) {
		t.Fatalf("err = %v", err)
	}
}

func TestRenderLimits(t *testing.T) {
	t.Parallel()
	small := Options{JSON: true, MaxBytes: 1000}
	tests := []struct {
		name, src string
		o         Options
		want      error
	}{
		{"string format panic", `{"a":"{{ "%s" % node }}"}`, Options{JSON: true}, ErrEngine},
		{"modulo by zero panic", `{{ 1 % 0 }}`, Options{}, ErrEngine},
		{"repeat over cap", `{"a":"{{ "ab" * 100000000000 }}"}`, small, ErrTooLarge},
		{"output over cap", `{% for i in range(10000) %}xxxxxxxxxx{% endfor %}`, small, ErrTooLarge},
		{"doubling by set", doubling(40), Options{JSON: true}, ErrTooLarge},
		{"many large sets", `{% set a = "x" * 500000 %}` + strings.Repeat(`{% set b = a ~ a %}`, 40), Options{Timeout: time.Minute}, ErrBudget},
		{"replace amplifier", `{{ ("x" * 900) | replace("", "y" * 900) }}`, small, ErrTooLarge},
		{"join amplifier", `{{ range(100) | join("z" * 900) }}`, small, ErrTooLarge},
		{"center amplifier", `{{ "x" | center(1000000000) }}`, small, ErrTooLarge},
		{"indent amplifier", `{{ ("a\n" * 400) | indent(1000) }}`, small, ErrTooLarge},
		{"huge range", `{% for i in range(1000000000000) %}{% endfor %}`, Options{}, ErrBudget},
		{"nested loops", `{% for i in range(1000) %}{% for j in range(1000) %}{% endfor %}{% endfor %}`, Options{Timeout: time.Minute}, ErrBudget},
		{"loops over data", `{% for a in node %}{% for b in node %}{% endfor %}{% endfor %}`, Options{MaxIterations: 3}, ErrBudget},
		{"timeout", `{% for i in range(3000) %}{% for j in range(3000) %}{% endfor %}{% endfor %}`,
			Options{Timeout: 5 * time.Millisecond, MaxIterations: 100_000_000}, ErrTimeout},
		{"invalid JSON out", `{"a": {{ node.0 | safe }}`, Options{JSON: true}, ErrInvalidJSON},
		{"unknown secret", `{{ secret("nope") }}`, Options{Secret: func(string) (string, bool) { return "", false }}, ErrSecret},
		{"no secret resolver", `{{ secret("api_key") }}`, Options{}, ErrSecret},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tpl := mustCompile(t, tc.src, tc.o)
			// Each case must end in its own error: the caps stop it, so
			// the test needs no clock of its own.
			out, err := render(t, tpl, seedData("r"))
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v (output %d bytes)", err, tc.want, len(out))
			}
		})
	}
}

// doubling builds a template whose string doubles n times.
func doubling(n int) string {
	var b strings.Builder
	b.WriteString(`{% set s0 = "xxxxxxxxxxxxxxxx" %}`)
	for i := 1; i <= n; i++ {
		b.WriteString("{% set s" + itoa(i) + " = s" + itoa(i-1) + " ~ s" + itoa(i-1) + " %}")
	}
	return b.String()
}

func itoa(i int) string { return strconv.Itoa(i) }

func TestRenderHonoursCancelledContext(t *testing.T) {
	t.Parallel()
	tpl := mustCompile(t, seedBody(t), Options{JSON: true})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := tpl.Render(ctx, seedData("r")); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
}

func TestRenderCannotTouchCallerData(t *testing.T) {
	t.Parallel()
	data := seedData("r")
	for _, src := range []string{
		`{{ node.append(1) }}`, `{{ node.0.update({"x": 1}) }}`, `{{ node.0.pop("alert_uuid") }}`,
		`{{ node.0.clear() }}`, `{{ node.reverse() }}`, `{% set node = [] %}{{ node }}`,
	} {
		tpl := mustCompile(t, src, Options{})
		_, _ = render(t, tpl, data)
	}
	nodes := data["node"].([]any)
	if len(nodes) != 2 || nodes[0].(map[string]any)["alert_uuid"] == nil {
		t.Fatalf("data changed: %#v", data)
	}
}

func TestRenderRefusesNonJSONData(t *testing.T) {
	t.Parallel()
	tpl := mustCompile(t, `{{ x }}`, Options{})
	for _, v := range []any{struct{ A int }{1}, &struct{}{}, func() {}, time.Second, make(chan int), map[int]any{1: 2}} {
		if _, err := render(t, tpl, map[string]any{"x": v}); !errors.Is(err, ErrData) {
			t.Errorf("%T: err = %v, want ErrData", v, err)
		}
	}
	if _, err := render(t, tpl, map[string]any{"x": []string{"a"}, "y": map[string]int{"a": 1}}); err != nil {
		t.Errorf("typed containers refused: %v", err)
	}
}

func TestSecrets(t *testing.T) {
	t.Parallel()
	vault := map[string]string{"api_key": `k"ey\1`, "other": "o"}
	src := `{"Authorization":"Bearer {{ secret("api_key") }}","title":"{{ alert.title }}"}`
	tpl := mustCompile(t, src, Options{JSON: true, Secret: func(n string) (string, bool) { v, ok := vault[n]; return v, ok }})
	if got := tpl.SecretNames(); len(got) != 1 || got[0] != "api_key" {
		t.Errorf("SecretNames = %v", got)
	}
	out, err := tpl.Render(context.Background(), seedData("r"))
	if err != nil {
		t.Fatal(err)
	}
	if decodeJSON(t, out.Text)["Authorization"] != `Bearer k"ey\1` {
		t.Errorf("rendered %s", out.Text)
	}
	masked := out.Redact(out.Text)
	if strings.Contains(masked, "ey") || !strings.Contains(masked, "Bearer [secret]") {
		t.Errorf("Redact left the secret: %s (forms %q)", masked, out.Secrets)
	}
	// A secret in an error message is masked too.
	bad := mustCompile(t, `{{ secret("api_key") * "x" }}{{ secret("api_key").nope() }}`,
		Options{Secret: func(n string) (string, bool) { v, ok := vault[n]; return v, ok }})
	if _, err := render(t, bad, nil); err == nil || strings.Contains(err.Error(), `k"ey`) {
		t.Errorf("err = %v", err)
	}
}

func TestRenderConcurrently(t *testing.T) {
	t.Parallel()
	tpl := mustCompile(t, seedBody(t), Options{JSON: true})
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 50; j++ {
				v := hostile[(i+j)%len(hostile)]
				text, err := tpl.Render(context.Background(), seedData(v))
				if err != nil || decodeJSON(t, text.Text)["rule_name"] != v {
					t.Errorf("%q: %v %s", v, err, text.Text)
				}
			}
		}()
	}
	wg.Wait()
}
