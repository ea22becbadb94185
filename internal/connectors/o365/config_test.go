package o365

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/alertsync/alertsync/internal/connector"
)

func TestConfigCheck(t *testing.T) {
	t.Parallel()
	base := map[string]any{"tenant_id": "41463f53-8812-40f4-890f-865bf6e35190", "client_id": "c", "client_secret": "s"}
	with := func(kv ...any) map[string]any {
		m := map[string]any{}
		for k, v := range base {
			m[k] = v
		}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i].(string)] = kv[i+1]
		}
		return m
	}
	tests := []struct {
		name      string
		settings  map[string]any
		wantField string
	}{
		{"defaults", base, ""},
		{"tenant domain", with("tenant_id", "contoso.onmicrosoft.com"), "tenant_id"},
		{"bad publisher", with("publisher_identifier", "acme"), "publisher_identifier"},
		{"unknown content type", with("content_types", []any{"Audit.Exchange", "Audit.Teams"}), "content_types"},
		{"window over a day", with("window", "25h"), "window"},
		{"zero window", with("window", "0s"), "window"},
		{"overlap beyond window", with("window", "1h", "overlap", "2h"), "overlap"},
		{"negative budget", with("requests_per_minute", -1), "requests_per_minute"},
		{"relative base", with("base_url", "manage.office.com"), "base_url"},
	}
	for _, tt := range tests {
		var cfg Config
		if err := Spec.Decode(tt.settings, &cfg); err != nil {
			t.Fatalf("%s: decode: %v", tt.name, err)
		}
		_, err := cfg.check()
		got := ""
		var fe *connector.FieldError
		if errors.As(err, &fe) {
			got = fe.Field
		}
		if got != tt.wantField || (err == nil) != (tt.wantField == "") {
			t.Errorf("%s: err %v, want a field error on %q", tt.name, err, tt.wantField)
		}
	}
}

func TestConfigDefaults(t *testing.T) {
	t.Parallel()
	var cfg Config
	err := Spec.Decode(map[string]any{"tenant_id": "41463F53-8812-40f4-890f-865bf6e35190", "client_id": "c", "client_secret": "s",
		"content_types": []any{"audit.exchange", "Audit.Exchange", "DLP.All"}}, &cfg)
	if err != nil {
		t.Fatal(err)
	}
	s, err := cfg.check()
	if err != nil {
		t.Fatal(err)
	}
	if s.publisher != cfg.TenantID || !slices.Equal(s.contentTypes, []string{"Audit.Exchange", "DLP.All"}) ||
		s.window != time.Hour || s.overlap != time.Hour || s.entra.Scope != DefaultScope || s.entra.Base != DefaultBase || cfg.RequestsPerMinute != 2000 {
		t.Errorf("settings %+v", s)
	}
	for _, f := range Spec {
		if f.Name == "client_secret" && !f.Secret() {
			t.Error("client_secret is not declared secret")
		}
	}
}

// A government plan's host gets tokens for itself unless scope says
// otherwise.
func TestSovereignScope(t *testing.T) {
	t.Parallel()
	tests := []struct{ base, scope, want string }{
		{"https://manage-gcc.office.com", "", "https://manage-gcc.office.com/.default"},
		{"https://manage.office365.us", "", "https://manage.office365.us/.default"},
		{"https://manage.protection.apps.mil", "", "https://manage.protection.apps.mil/.default"},
		{"https://manage.office365.us", "https://custom.example/.default", "https://custom.example/.default"},
		{"http://127.0.0.1:8080/o365", "", DefaultScope},
	}
	for _, tt := range tests {
		settings := map[string]any{"tenant_id": "41463f53-8812-40f4-890f-865bf6e35190", "client_id": "c", "client_secret": "s", "base_url": tt.base}
		if tt.scope != "" {
			settings["scope"] = tt.scope
		}
		var cfg Config
		if err := Spec.Decode(settings, &cfg); err != nil {
			t.Fatal(err)
		}
		s, err := cfg.check()
		if err != nil || s.entra.Scope != tt.want {
			t.Errorf("%s scope %q: got %q (%v), want %q", tt.base, tt.scope, s.entra.Scope, err, tt.want)
		}
	}
}

func TestHealthRefreshesFeeds(t *testing.T) {
	t.Parallel()
	e := setup(t, testOptions(), map[string]any{"content_types": []any{"Audit.Exchange", "Audit.SharePoint"}})
	e.emu.Subscribe("Audit.Exchange")
	if err := e.conn.Health(t.Context()); err != nil {
		t.Fatal(err)
	}
	feeds, _ := e.conn.Feeds(t.Context())
	if len(feeds) != 2 || feeds[0].Status != "enabled" || feeds[1].Status != "disabled" {
		t.Errorf("feeds %+v", feeds)
	}
}
