package app_test

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/alertsync/alertsync/internal/config"
	"github.com/alertsync/alertsync/internal/connector"
	"github.com/alertsync/alertsync/internal/connectors/httpintake"
	"github.com/alertsync/alertsync/internal/model"
)

var update = flag.Bool("update", false, "rewrite the generated part of docs/configuration.md")

const (
	configDocPath = "../../docs/configuration.md"
	genBegin      = "<!-- BEGIN GENERATED connector settings: from each connector's config spec; regenerate with go test ./internal/app -run TestConfigurationDoc -update -->\n"
	genEnd        = "<!-- END GENERATED connector settings -->\n"
)

// cliEnvVars are read by the command line rather than config.Load.
var cliEnvVars = []string{"ALERTSYNC_CONFIG", "ALERTSYNC_LOG_FORMAT", "ALERTSYNC_BENCH_POSTGRES_DSN", "ALERTSYNC_GC_FLOOR_MB"}

// TestConfigurationDoc keeps docs/configuration.md true to the code: its
// connector settings are generated from the same specs that decode and
// validate them; every config key, environment variable, write-back
// header and body field is documented; and no row documents a config key
// or ALERTSYNC_ variable that does not exist.
func TestConfigurationDoc(t *testing.T) {
	b, err := os.ReadFile(configDocPath)
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	before, rest, ok1 := strings.Cut(doc, genBegin)
	generated, after, ok2 := strings.Cut(rest, genEnd)
	if !ok1 || !ok2 {
		t.Fatalf("%s lacks the generated block markers", configDocPath)
	}
	if want := connectorSettingsDoc(); generated != want {
		if *update {
			if err := os.WriteFile(configDocPath, []byte(before+genBegin+want+genEnd+after), 0o644); err != nil {
				t.Fatal(err)
			}
		} else {
			t.Errorf("the connector settings in %s differ from the specs; run go test ./internal/app -run TestConfigurationDoc -update", configDocPath)
		}
	}
	written := before + after
	for _, key := range config.Keys() {
		// A tenant's integrations and playbooks take the same keys as the
		// default tenant's top-level ones: their rows document both, and
		// the tenants table has one row pointing at them.
		for _, same := range []string{"integrations", "playbooks"} {
			if rest, ok := strings.CutPrefix(key, "tenants[]."+same); ok {
				if !strings.Contains(written, "\n| `tenants[]."+same+"` |") {
					t.Errorf("config key tenants[].%s has no row in the tenants table", same)
				}
				key = same + rest
			}
		}
		if !strings.Contains(written, "\n| `"+key+"` |") {
			t.Errorf("config key %s has no row in the documentation's key tables", key)
		}
	}
	checkNoStaleKeys(t, written)
	checkEnvVarsDocumented(t, doc)
	for _, w := range writebackWire(t) {
		if !strings.Contains(written, "`"+w+"`") {
			t.Errorf("write-back sends %s, which is not documented (as `%s`)", w, w)
		}
	}
	for _, w := range []string{"`" + httpintake.KeyHeader + ":", "`Authorization: Bearer", `{"alerts": [`, "request_id", "X-Request-Id"} {
		if !strings.Contains(written, w) {
			t.Errorf("the intake and API sections do not mention %s", w)
		}
	}
}

// checkNoStaleKeys fails on a table row whose first cell is a config key
// path (its first segment is a top-level key) that Config neither has nor
// holds fields under.
func checkNoStaleKeys(t *testing.T, doc string) {
	t.Helper()
	keys := config.Keys()
	top := map[string]bool{}
	for _, k := range keys {
		top[regexp.MustCompile(`^[a-z_]+`).FindString(k)] = true
	}
	row := regexp.MustCompile("(?m)^\\| `([^`]+)`")
	for _, m := range row.FindAllStringSubmatch(doc, -1) {
		first := regexp.MustCompile(`^[a-z_]+`).FindString(m[1])
		parent := slices.ContainsFunc(keys, func(k string) bool { return strings.HasPrefix(k, m[1]+".") || strings.HasPrefix(k, m[1]+"[].") })
		if top[first] && !parent && !slices.Contains(keys, m[1]) {
			t.Errorf("the documentation has a row for %s, which is not a config key", m[1])
		}
	}
}

// checkEnvVarsDocumented checks every ALERTSYNC_ variable both ways.
func checkEnvVarsDocumented(t *testing.T, doc string) {
	t.Helper()
	known := slices.Clone(cliEnvVars)
	for _, v := range config.EnvVars {
		known = append(known, v.Name)
	}
	for _, name := range known {
		if !strings.Contains(doc, "`"+name+"`") {
			t.Errorf("environment variable %s is not documented", name)
		}
	}
	for _, name := range regexp.MustCompile(`ALERTSYNC_[A-Z_]+`).FindAllString(doc, -1) {
		if !slices.Contains(known, name) {
			t.Errorf("the documentation names %s, which alertsync does not read", name)
		}
	}
}

// writebackWire makes one state write and one comment through a real
// httpintake write-back and returns the request headers and JSON body
// fields a receiver gets, so the documentation is checked against what is
// sent rather than against a list kept by hand.
func writebackWire(t *testing.T) []string {
	t.Helper()
	var (
		mu   sync.Mutex
		seen = map[string]bool{}
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body map[string]any
		b, _ := io.ReadAll(r.Body)
		_ = json.Unmarshal(b, &body)
		mu.Lock()
		defer mu.Unlock()
		for h := range r.Header {
			if h != "Accept-Encoding" && h != "Content-Length" {
				seen[h] = true
			}
		}
		for k := range body {
			seen[k] = true
		}
	}))
	defer srv.Close()
	c, err := connector.Build(httpintake.Kind, connector.Deps{ID: "doc"}, map[string]any{
		"intake_key": "doc-intake-key-0123456789", "writeback_url": srv.URL, "writeback_token": "doc-writeback-token",
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := c.(connector.StateSyncer).SetState(ctx, connector.StateChange{Kind: model.KindAlert, VendorID: "v-1",
		Status: model.StatusResolved, Verdict: model.VerdictNotAThreat, Reason: "r", IdempotencyKey: "k-1"}); err != nil {
		t.Fatal(err)
	}
	if err := c.(connector.Commenter).AddComment(ctx, connector.CommentAction{Kind: model.KindAlert, VendorID: "v-1", Body: "b", IdempotencyKey: "k-2"}); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	out := make([]string, 0, len(seen))
	for k := range seen {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// connectorSettingsDoc renders every compiled-in connector's registration
// as Markdown: its description, its settings table and, where it has them,
// the products it covers and its default reconcile mapping.
func connectorSettingsDoc() string {
	var b strings.Builder
	for _, kind := range connector.Kinds() {
		reg, _ := connector.Lookup(kind)
		fmt.Fprintf(&b, "\n### `%s`: %s\n\n%s\n\n", kind, reg.Title, mdText(reg.Description))
		b.WriteString("| setting | type | default | required | secret | description |\n|---|---|---|---|---|---|\n")
		for _, f := range reg.Spec {
			typ, secret := string(f.Type), ""
			if f.Secret() {
				typ, secret = "string", "yes"
			}
			if len(f.Enum) > 0 {
				typ += ": " + strings.Join(f.Enum, ", ")
			}
			required := ""
			if f.Required {
				required = "yes"
			}
			fmt.Fprintf(&b, "| `%s` | %s | %s | %s | %s | %s |\n", f.Name, typ, mdDefault(f.Default), required, secret, mdText(f.Description))
		}
		if len(reg.Family) > 0 {
			b.WriteString("\nOne integration of this kind also covers, each shown as a row of its own in `GET /api/v1/integrations`:\n\n")
			for _, m := range reg.Family {
				fmt.Fprintf(&b, "- %s (`%s`)\n", m.Name, m.Filter)
			}
		}
		if d := reg.Reconcile; d != nil {
			writeReconcileDefaults(&b, d)
		}
	}
	b.WriteString("\n")
	return b.String()
}

func writeReconcileDefaults(b *strings.Builder, d *connector.ReconcileDefaults) {
	b.WriteString("\nDefault reconcile mapping (`reconcile.on_alert` overrides it entry by entry): a member alert that becomes\n\n")
	b.WriteString("| alert status | incident status | classification | classification reason |\n|---|---|---|---|\n")
	statuses := make([]string, 0, len(d.OnAlert))
	for s := range d.OnAlert {
		statuses = append(statuses, s)
	}
	sort.Strings(statuses)
	for _, s := range statuses {
		t := d.OnAlert[s]
		fmt.Fprintf(b, "| %s | %s | %s | %s |\n", s, t.Status, orDash(t.Classification), orDash(t.ClassificationReason))
	}
	fmt.Fprintf(b, "\nClosing an incident resolves its open member alerts (`reconcile.rules.incident_closed`): %v by default.\n", d.ResolveAlertsOnClose)
}

func mdDefault(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return "`" + x + "`"
	}
	return fmt.Sprintf("`%v`", v)
}

// mdText keeps a description intact in a table cell: a pipe would end the
// cell and <key> would be read as an HTML tag.
func mdText(s string) string {
	return strings.NewReplacer("|", `\|`, "<", "&lt;", ">", "&gt;", "\n", " ").Replace(s)
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}
