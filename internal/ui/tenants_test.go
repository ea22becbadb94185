package ui_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/alertsync/alertsync/internal/config"
	"github.com/alertsync/alertsync/internal/connector"
	"github.com/alertsync/alertsync/internal/model"
)

// TestConsoleTenants: a tenant's users see their own tenant only, its
// alerts and not the default tenant's, with no switcher; an operator
// switches between tenants, and sees each one's alone.
func TestConsoleTenants(t *testing.T) {
	t.Parallel()
	const acmeViewer = "acme-console-viewer-tok-6b1d"
	cfg := baseConfig(t)
	cfg.Integrations = []config.Integration{{ID: "push", Kind: "httpintake", Settings: map[string]any{"intake_key": intakeKey}}}
	cfg.Tenants = []config.Tenant{{ID: "acme", Name: "Acme", Integrations: []config.Integration{{ID: "push", Kind: "httpintake",
		Settings: map[string]any{"intake_key": "acme-console-intake-key-7"}}}}}
	cfg.API.Tokens = append(cfg.API.Tokens, config.APIToken{Name: "acme-vic", Token: config.NewSecret(acmeViewer), Role: "viewer", Tenant: "acme"})
	h := run(t, cfg)
	h.seed("push", 2)
	_, acme, ok := h.app.Tenant("acme")
	if !ok {
		t.Fatal("acme does not run")
	}
	item := connector.Item{VendorID: "acme-1", Raw: []byte(`{"id":"acme-1"}`), Alert: &model.Alert{
		VendorID: "acme-1", Title: "Only Acme sees this", Severity: model.SeverityLow}}
	if _, err := acme.Ingest(context.Background(), "push", []connector.Item{item}); err != nil {
		t.Fatal(err)
	}
	b := h.browser().login(acmeViewer)
	p := b.get("/alerts")
	if p.status != http.StatusOK || !strings.Contains(p.body, "Only Acme sees this") || strings.Contains(p.body, "Console test alert") {
		t.Errorf("acme's viewer's alerts page: %d, acme's alert shown %v, default's shown %v", p.status,
			strings.Contains(p.body, "Only Acme sees this"), strings.Contains(p.body, "Console test alert"))
	}
	if strings.Contains(p.body, `action="/tenant"`) {
		t.Error("a tenant's viewer is offered the tenant switcher")
	}
	if p := b.get(fmt.Sprintf("/alerts/%d", h.alerts[0])); p.status != http.StatusNotFound {
		t.Errorf("acme's viewer on the default tenant's alert page = %d, want 404", p.status)
	}
	if p := b.post("/tenant", url.Values{"tenant": {"default"}}); p.status != http.StatusNotFound {
		t.Errorf("acme's viewer switching to the default tenant = %d, want 404", p.status)
	}
	op := h.browser().login(adminToken)
	p = op.get("/alerts")
	if !strings.Contains(p.body, `action="/tenant"`) || !strings.Contains(p.body, "Console test alert") || strings.Contains(p.body, "Only Acme sees this") {
		t.Errorf("the operator's first tenant should be the default one, with the switcher")
	}
	op.post("/tenant", url.Values{"tenant": {"acme"}})
	p = op.get("/alerts")
	if !strings.Contains(p.body, "Only Acme sees this") || strings.Contains(p.body, "Console test alert") {
		t.Errorf("after switching to acme the operator's alerts page shows the wrong tenant")
	}
}
