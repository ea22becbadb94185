package elastic

import (
	"encoding/base64"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/alertsync/alertsync/internal/connector"
	elasticemu "github.com/alertsync/alertsync/internal/emulators/elastic"
)

func TestConfigDefaults(t *testing.T) {
	t.Parallel()
	c, err := connector.Build(Kind, connector.Deps{ID: "x"}, map[string]any{"kibana_url": "https://kibana.example.com:5601/", "api_key": "id1:secret1"})
	if err != nil {
		t.Fatal(err)
	}
	cc := c.(*Connector)
	if cc.s.base != "https://kibana.example.com:5601" || cc.cfg.PageSize != 500 || cc.cfg.RequestsPerMinute != defaultPerMinute ||
		cc.s.overlap.Minutes() != 5 || cc.MaxBatch() != 1000 || cc.s.key.Reveal() != base64.StdEncoding.EncodeToString([]byte("id1:secret1")) {
		t.Errorf("defaults: %+v %+v", cc.cfg, cc.s)
	}
	reg, _ := connector.Lookup(Kind)
	if got := reg.Spec.SecretFields(); len(got) != 1 || got[0] != "api_key" {
		t.Errorf("secret fields %v", got)
	}
}

func TestConfigChecks(t *testing.T) {
	t.Parallel()
	encoded := base64.StdEncoding.EncodeToString([]byte("id1:secret1"))
	tests := []struct {
		name     string
		settings map[string]any
		field    string // "" when the settings are good
		base     string
	}{
		{"encoded key", map[string]any{"api_key": encoded}, "", "https://k.example"},
		{"pasted header value", map[string]any{"api_key": "ApiKey " + encoded}, "", "https://k.example"},
		{"space prefix", map[string]any{"api_key": encoded, "space_id": "soc-team"}, "", "https://k.example/s/soc-team"},
		{"bad space", map[string]any{"api_key": encoded, "space_id": "SOC Team"}, "space_id", ""},
		{"empty key", map[string]any{"api_key": "  "}, "api_key", ""},
		{"id only", map[string]any{"api_key": "id1:"}, "api_key", ""},
		{"not a url", map[string]any{"api_key": encoded, "kibana_url": "kibana:5601"}, "kibana_url", ""},
		{"page too big", map[string]any{"api_key": encoded, "page_size": 10001}, "page_size", ""},
		{"negative budget", map[string]any{"api_key": encoded, "requests_per_minute": -1}, "requests_per_minute", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := map[string]any{"kibana_url": "https://k.example"}
			for k, v := range tt.settings {
				s[k] = v
			}
			c, err := connector.Build(Kind, connector.Deps{ID: "x"}, s)
			if tt.field != "" {
				if err == nil || !strings.Contains(err.Error(), tt.field) || strings.Contains(err.Error(), "secret1") {
					t.Errorf("err %v, want one naming %s and no key", err, tt.field)
				}
				return
			}
			if err != nil || c.(*Connector).s.base != tt.base {
				t.Fatalf("err %v", err)
			}
			if c.(*Connector).s.key.Reveal() != encoded {
				t.Errorf("key %q", c.(*Connector).s.key.Reveal())
			}
		})
	}
}

// TestOddKey: a key in neither form is used as given, with a warning.
func TestOddKey(t *testing.T) {
	t.Parallel()
	for _, k := range []string{"not base64!", base64.StdEncoding.EncodeToString([]byte("justakey"))} {
		var logs strings.Builder
		log := slog.New(slog.NewTextHandler(&logs, nil))
		c, err := connector.Build(Kind, connector.Deps{ID: "x", Logger: log}, map[string]any{"kibana_url": "https://k.example", "api_key": k})
		if err != nil || c.(*Connector).s.key.Reveal() != k {
			t.Fatalf("key %q: %v", k, err)
		}
		if !strings.Contains(logs.String(), "neither") || strings.Contains(logs.String(), k) {
			t.Errorf("warning %q", logs.String())
		}
	}
}

// TestSpace: a connector for another space sends every request under
// /s/{space} and sees that space's alerts only.
func TestSpace(t *testing.T) {
	t.Parallel()
	e := setup(t, 5, nil)
	soc := e.build(t, nil, map[string]any{"space_id": "soc", "api_key": elasticemu.DefaultAPIKeyID + ":" + elasticemu.DefaultAPIKey})
	id := e.emu.AddAlert("soc", map[string]any{"@timestamp": "2026-03-31T08:00:00.000Z", "kibana.alert.uuid": "soc-1",
		"kibana.alert.workflow_status": "open", "kibana.alert.rule.name": "Whoami Process Activity", "kibana.alert.severity": "low"})
	got, _ := drain(t, soc, "")
	checkOnce(t, "soc space", got, []string{id})
	if _, err := soc.SetState(t.Context(), changesFor([]string{id}, "resolved", "not_a_threat", false)[0]); err != nil {
		t.Fatal(err)
	}
	if a, _ := e.emu.Alert(id); a.Status != "closed" {
		t.Errorf("soc alert %s", a.Status)
	}
	for _, r := range e.emu.Recorder().Requests() {
		if r.Status != http.StatusOK {
			t.Errorf("%s %s: %d", r.Method, r.Path, r.Status)
		}
	}
}
