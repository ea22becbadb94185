package entra

import (
	"bytes"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/alertsync/alertsync/internal/config"
	"github.com/alertsync/alertsync/internal/connector"
	"github.com/alertsync/alertsync/internal/connector/httpkit"
)

var testAPI = API{
	BaseField: "api_base", BaseDefault: "https://api.example.test/v1", BaseDescription: "API base.",
	ScopeDefault: "https://api.example.test/.default",
}

func fieldOf(err error) string {
	var fe *connector.FieldError
	if !errors.As(err, &fe) {
		return ""
	}
	return fe.Field
}

func TestEntraCheck(t *testing.T) {
	t.Parallel()
	ok := App{TenantID: "contoso.example", ClientID: "c", ClientSecret: config.NewSecret("s")}
	with := func(f func(*App)) App {
		a := ok
		f(&a)
		return a
	}
	tests := []struct {
		name      string
		app       App
		base      string
		wantField string
	}{
		{"defaults", ok, "", ""},
		{"missing tenant", with(func(a *App) { a.TenantID = "" }), "", "tenant_id"},
		{"blank client", with(func(a *App) { a.ClientID = "  " }), "", "client_id"},
		{"missing secret", with(func(a *App) { a.ClientSecret = config.Secret{} }), "", "client_secret"},
		{"blank secret", with(func(a *App) { a.ClientSecret = config.NewSecret(" ") }), "", "client_secret"},
		{"relative token url", with(func(a *App) { a.TokenURL = "login.example.test/token" }), "", "token_url"},
		{"blank token url", with(func(a *App) { a.TokenURL = " " }), "", "token_url"},
		{"relative base", ok, "api.example.test", "api_base"},
		{"blank base", ok, " ", "api_base"},
		{"blank scope", with(func(a *App) { a.Scope = " " }), "", "scope"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e, err := testAPI.Check(tt.app, tt.base)
			if got := fieldOf(err); got != tt.wantField || (tt.wantField == "") != (err == nil) {
				t.Fatalf("err %v, want a field error on %q", err, tt.wantField)
			}
			if err != nil {
				return
			}
			want := Checked{TokenURL: "https://login.microsoftonline.com/contoso.example/oauth2/v2.0/token", ClientID: "c",
				ClientSecret: ok.ClientSecret, Scope: testAPI.ScopeDefault, Base: testAPI.BaseDefault, baseField: "api_base"}
			if e != want {
				t.Errorf("got %+v, want %+v", e, want)
			}
		})
	}
	if _, err := ARMAPI.Check(ok, "management.azure.com"); fieldOf(err) != "arm_base" {
		t.Errorf("relative arm_base: %v", err)
	}
}

func TestAppSpec(t *testing.T) {
	t.Parallel()
	var names []string
	for _, f := range AppSpec(ARMAPI, "who") {
		names = append(names, f.Name)
	}
	if got := strings.Join(names, ","); got != "tenant_id,client_id,client_secret,token_url,arm_base,scope" {
		t.Errorf("spec fields %s", got)
	}
	spec := AppSpec(testAPI, "who")
	if f := spec[4]; f.Name != "api_base" || f.Default != testAPI.BaseDefault || f.Description != "API base." {
		t.Errorf("base field %+v", f)
	}
	if f := spec[5]; f.Default != testAPI.ScopeDefault {
		t.Errorf("scope default %v", f.Default)
	}
}

// TestEntraNewClient checks that the secret goes in the token request's
// form body on the first try, that token and API requests share
// deps.HTTP, and that logs carry the connector id.
func TestEntraNewClient(t *testing.T) {
	t.Parallel()
	const secret = "entra-secret-value-42"
	var tokenCalls int
	var apiHeader http.Header
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/token") {
			tokenCalls++
			if _, _, basic := r.BasicAuth(); basic || r.FormValue("client_secret") != secret || r.FormValue("scope") != "s1" {
				w.WriteHeader(http.StatusUnauthorized)
				return
			}
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`{"access_token":"tok","token_type":"Bearer","expires_in":3600}`))
			return
		}
		apiHeader = r.Header.Clone()
		_, _ = w.Write([]byte(`{}`))
	}))
	t.Cleanup(srv.Close)
	e, err := testAPI.Check(App{TenantID: "t1", ClientID: "c", ClientSecret: config.NewSecret(secret),
		TokenURL: srv.URL + "/{tenant}/token", Scope: "s1"}, srv.URL+"/api")
	if err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c, err := e.NewClient(connector.Deps{ID: "conn-7", HTTP: srv.Client(), Logger: log},
		httpkit.Options{Header: http.Header{"Prefer": {"p=1"}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.GetJSON(t.Context(), "things", &struct{}{}); err != nil {
		t.Fatal(err)
	}
	if tokenCalls != 1 || apiHeader.Get("Authorization") != "Bearer tok" || apiHeader.Get("Prefer") != "p=1" {
		t.Errorf("token calls %d, api headers %v", tokenCalls, apiHeader)
	}
	c.Logger().Info("hello")
	if !strings.Contains(logs.String(), "connector=conn-7") {
		t.Errorf("log not scoped: %s", logs.String())
	}
	if got := c.Redactor().String("x " + secret); strings.Contains(got, secret) {
		t.Errorf("secret not redacted: %s", got)
	}
}

// Two integrations of one app on one Entra tenant and API, in one hub
// tenant, share the vendor's per-app budget; another API, app, Entra
// tenant or hub tenant has its own.
func TestEntraBudgetIsSharedPerAppTenantAndAPI(t *testing.T) {
	t.Parallel()
	graphApp := Checked{TokenURL: "https://login.example/tenant-a/oauth2/v2.0/token", ClientID: "app-1", Scope: "https://graph.example/.default"}
	same := graphApp
	otherTenant := graphApp
	otherTenant.TokenURL = "https://login.example/tenant-b/oauth2/v2.0/token"
	otherAPI := graphApp
	otherAPI.Scope = "https://arm.example/.default"
	tests := []struct {
		name       string
		a, b       Checked
		hubA, hubB string
		share      bool
	}{
		{"same app, tenant and API", graphApp, same, "default", "default", true},
		{"another tenant", graphApp, otherTenant, "default", "default", false},
		{"another API", graphApp, otherAPI, "default", "default", false},
		{"same app, tenant and API in another hub tenant", graphApp, same, "default", "acme", false},
	}
	for _, tt := range tests {
		if got := tt.a.Budget(tt.hubA, 150) == tt.b.Budget(tt.hubB, 150); got != tt.share {
			t.Errorf("%s: shared = %v, want %v", tt.name, got, tt.share)
		}
	}
	if graphApp.Budget("default", 150) == graphApp.Budget("default", 30) {
		t.Error("integrations configured with different budgets share a limiter")
	}
}
