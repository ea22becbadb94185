package condition

import (
	"errors"
	"strings"
	"testing"
)

func setup(t *testing.T) Vars {
	t.Helper()
	v, err := VarsFromMaps(map[string]any{
		"id": 42.0, "integration": "crowdstrike", "vendor_id": "ldt:1", "title": `Mimikatz "sekurlsa"`,
		"severity": "high", "status": "new", "verdict": "", "published": true, "source": "edr",
		"created_at": "2026-11-20T10:00:00Z",
		"entities":   map[string]any{"hosts": []any{"web-1", "db-2"}, "users": []any{"alice"}, "ips": []any{"10.1.2.3"}},
	}, map[string]any{
		"id": 7.0, "title": "Credential theft", "severity": 85.0, "status": "in_progress",
		"alert_ids": []any{1.0, 2.0, 3.0}, "classification": "true_positive",
	})
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestEval(t *testing.T) {
	t.Parallel()
	vars := setup(t)
	tests := []struct {
		src  string
		want bool
	}{
		{`alert.severity >= 70 and alert.integration == "crowdstrike"`, true},
		{`alert.severity >= 90 or alert.integration == "sentinelone"`, false},
		{`alert.severity_name == "high" and incident.severity_name == "high"`, true},
		{`incident.severity > alert.severity and incident.alert_count == 3`, true},
		{`"db-2" in alert.hosts and any(alert.users, {# == "alice"})`, true},
		{`all(alert.hosts, {hasPrefix(#, "web")})`, false},
		{`alert.title contains "sekurlsa" and lower(alert.title) matches "^mimikatz"`, true},
		{`alert.published and alert.verdict == "" and alert.status in ["new", "in_progress"]`, true},
		{`len(alert.ips) == 1 && alert.ips[0] startsWith "10."`, true},
		{`alert.created_at < now() - duration("1h")`, true},
		{`alert.created_at > date("2026-11-21")`, false},
		{`incident.classification == "true_positive" && incident.kind == "incident"`, true},
		{`alert.severity >= 70.5`, false},
		{`count(alert.hosts, {any(alert.users, {len(#) > 0})}) == 2`, true},
	}
	for _, tc := range tests {
		c, err := Compile(tc.src)
		if err != nil {
			t.Fatalf("Compile(%q): %v", tc.src, err)
		}
		got, err := c.Eval(vars)
		if err != nil || got != tc.want {
			t.Errorf("%s = %v, %v; want %v", tc.src, got, err, tc.want)
		}
	}
}

func TestCompileRefuses(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, src, msg string }{
		{"type mismatch", `alert.severity >= "high"`, "mismatched types"},
		{"unknown field", `alert.sevrity >= 70`, "sevrity"},
		{"unknown variable", `event.severity > 1`, "unknown name event"},
		{"not boolean", `alert.severity + 1`, "expected bool"},
		{"string result", `alert.title`, "expected bool"},
		{"method call", `alert.created_at.Unix() > 0`, "calls are not allowed"},
		{"disabled builtin", `len(repeat(alert.title, 100000000)) > 0`, "repeat"},
		{"disabled reduce", `reduce(1..10, #acc + #) > 0`, "reduce"},
		{"let doubling", `let a = alert.title + alert.title; let b = a + a; len(b) > 0`, "let bindings"},
		{"deep predicates", `any(alert.hosts, {any(alert.hosts, {any(alert.hosts, {true})})})`, "nest 3 deep"},
		{"too many nodes", strings.Repeat("1>0 and ", 200) + "true", "nodes"},
		{"too long", strings.Repeat(" ", MaxSourceBytes+1) + "true", "bytes"},
		{"syntax", `alert.severity >=`, "unexpected token"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := Compile(tc.src)
			if !errors.Is(err, ErrCompile) || !strings.Contains(err.Error(), tc.msg) {
				t.Fatalf("err = %v, want ErrCompile containing %q", err, tc.msg)
			}
		})
	}
}

func TestPathologicalConditionsTerminate(t *testing.T) {
	t.Parallel()
	vars := setup(t)
	vars.Alert.Hosts = make([]string, 300)
	for _, src := range []string{
		`len(1..100000000) > 0`,
		`any(1..50000, {any(1..50000, {# < 0})})`,
		`len(map(alert.hosts, {map(alert.hosts, {#})})) > 0`,
		`all(alert.hosts, {all(alert.hosts, {# == ""})})`,
	} {
		c, err := Compile(src)
		if err != nil {
			t.Fatalf("Compile(%q): %v", src, err)
		}
		// Eval returning at all is the point: expr's memory budget ends
		// what its grammar cannot (the test binary's timeout catches a
		// hang), so no clock is needed here.
		_, err = c.Eval(vars)
		t.Logf("%s: %v", src, err)
	}
}

func TestVarsFromMaps(t *testing.T) {
	t.Parallel()
	v := setup(t)
	a, in := v.Alert, v.Incident
	if a.Severity != 70 || a.SeverityName != "high" || a.ID != 42 || len(a.Hosts) != 2 || a.Kind != "alert" ||
		a.CreatedAt.IsZero() || in.Severity != 85 || in.SeverityName != "high" || in.AlertCount != 3 {
		t.Fatalf("vars = %+v", v)
	}
	flat, err := AlertFromMap(map[string]any{"severity": 95, "hosts": []string{"h"}})
	if err != nil || flat.SeverityName != "critical" || flat.Hosts[0] != "h" {
		t.Fatalf("flat = %+v, %v", flat, err)
	}
	for _, bad := range []map[string]any{
		{"severity": "extreme"}, {"title": 3.0}, {"hosts": []any{1.0}}, {"created_at": "yesterday"}, {"published": "yes"},
	} {
		if _, err := AlertFromMap(bad); err == nil {
			t.Errorf("%v: no error", bad)
		}
	}
	for name, want := range map[string]int{"informational": 10, "low": 30, "medium": 50, "high": 70, "critical": 90, "unknown": 0} {
		if got, ok := SeverityScore(name); !ok || got != want || SeverityName(got) != name {
			t.Errorf("%s: %d %v %s", name, got, ok, SeverityName(got))
		}
	}
}

func TestEvalConcurrently(t *testing.T) {
	t.Parallel()
	c := MustCompile(`alert.severity >= 70 and alert.integration == "crowdstrike"`)
	vars := setup(t)
	done := make(chan bool)
	for i := 0; i < 4; i++ {
		go func() {
			for j := 0; j < 200; j++ {
				if ok, err := c.Eval(vars); !ok || err != nil {
					t.Errorf("%v %v", ok, err)
				}
			}
			done <- true
		}()
	}
	for i := 0; i < 4; i++ {
		<-done
	}
}

func BenchmarkEval(b *testing.B) {
	c := MustCompile(`alert.severity >= 70 and alert.integration == "crowdstrike"`)
	vars := Vars{Alert: Alert{Severity: 70, Integration: "crowdstrike"}}
	b.ReportAllocs()
	for b.Loop() {
		if ok, err := c.Eval(vars); !ok || err != nil {
			b.Fatal(ok, err)
		}
	}
}
