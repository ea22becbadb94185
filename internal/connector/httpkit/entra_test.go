package httpkit

import (
	"errors"
	"testing"

	"github.com/alertsync/alertsync/internal/config"
	"github.com/alertsync/alertsync/internal/connector"
)

func TestEntraApp(t *testing.T) {
	t.Parallel()
	field := func(err error) string {
		var fe *connector.FieldError
		if !errors.As(err, &fe) {
			return ""
		}
		return fe.Field
	}
	a, err := EntraApp{TenantID: "contoso.example", ClientID: "c"}.CheckEntra()
	if field(err) != "client_secret" {
		t.Errorf("missing secret: %v", err)
	}
	if a.TokenURL != EntraTokenURL || a.ARMBase != ARMBase || a.Scope != ARMScope {
		t.Errorf("defaults not filled: %+v", a)
	}
	a.ClientSecret = config.NewSecret("s")
	if a, err = a.CheckEntra(); err != nil {
		t.Fatal(err)
	}
	if a, err = a.ResolveEntra(); err != nil || a.TokenURL != "https://login.microsoftonline.com/contoso.example/oauth2/v2.0/token" {
		t.Errorf("resolve: %q, %v", a.TokenURL, err)
	}
	a.ARMBase = "management.azure.com"
	if _, err := a.ResolveEntra(); field(err) != "arm_base" {
		t.Errorf("relative arm_base: %v", err)
	}
	var names []string
	for _, f := range EntraAppSpec("who") {
		names = append(names, f.Name)
	}
	if got := names; len(got) != 6 || got[0] != "tenant_id" || got[5] != "scope" {
		t.Errorf("spec fields %v", got)
	}
}
