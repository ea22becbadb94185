package httpkit

import (
	"net/url"
	"strings"

	"github.com/alertsync/alertsync/internal/config"
	"github.com/alertsync/alertsync/internal/connector"
)

// Defaults of an EntraApp for the Azure public cloud; sovereign clouds
// override them.
const (
	EntraTokenURL = "https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token"
	ARMBase       = "https://management.azure.com"
	ARMScope      = "https://management.azure.com/.default"
)

// EntraApp is the settings of a Microsoft Entra ID app registration that
// calls Azure Resource Manager with the client-credentials grant. Azure
// connectors (defendercloud, sentinel) embed it in their Config, so its
// JSON names are theirs, and list EntraAppSpec first in their ConfigSpec.
type EntraApp struct {
	TenantID     string        `json:"tenant_id"`
	ClientID     string        `json:"client_id"`
	ClientSecret config.Secret `json:"client_secret"`
	TokenURL     string        `json:"token_url"`
	ARMBase      string        `json:"arm_base"`
	Scope        string        `json:"scope"`
}

// EntraAppSpec declares the EntraApp settings. clientID describes the
// client_id field: each connector says which role the app needs.
func EntraAppSpec(clientID string) connector.ConfigSpec {
	return connector.ConfigSpec{
		{Name: "tenant_id", Type: connector.TypeString, Required: true,
			Description: "Microsoft Entra ID tenant (directory) ID or domain of the app registration."},
		{Name: "client_id", Type: connector.TypeString, Required: true, Description: clientID},
		{Name: "client_secret", Type: connector.TypeSecret, Required: true,
			Description: "Client secret of the app registration."},
		{Name: "token_url", Type: connector.TypeString, Default: EntraTokenURL,
			Description: "Entra ID v2 token endpoint; {tenant} is replaced with tenant_id."},
		{Name: "arm_base", Type: connector.TypeString, Default: ARMBase,
			Description: "Azure Resource Manager endpoint."},
		{Name: "scope", Type: connector.TypeString, Default: ARMScope,
			Description: "OAuth2 scope requested for ARM tokens."},
	}
}

// CheckEntra fills the defaults of an EntraApp built without the spec and
// reports the first missing credential. It returns the filled copy even
// with an error.
func (a EntraApp) CheckEntra() (EntraApp, error) {
	a.TokenURL = orDefault(a.TokenURL, EntraTokenURL)
	a.ARMBase = orDefault(a.ARMBase, ARMBase)
	a.Scope = orDefault(a.Scope, ARMScope)
	required := []struct{ name, v string }{
		{"tenant_id", a.TenantID}, {"client_id", a.ClientID}, {"client_secret", a.ClientSecret.Reveal()},
	}
	for _, r := range required {
		if strings.TrimSpace(r.v) == "" {
			return a, &connector.FieldError{Field: r.name, Problem: "required"}
		}
	}
	return a, nil
}

// ResolveEntra puts the tenant into the token URL and checks that both
// endpoints are absolute http(s) URLs. Connectors call it after checking
// their own required fields, so a missing one is reported first.
func (a EntraApp) ResolveEntra() (EntraApp, error) {
	a.TokenURL = strings.ReplaceAll(a.TokenURL, "{tenant}", url.PathEscape(a.TenantID))
	for _, f := range []struct{ name, v string }{{"token_url", a.TokenURL}, {"arm_base", a.ARMBase}} {
		if u, err := url.Parse(f.v); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return a, &connector.FieldError{Field: f.name, Problem: "want an absolute http(s) URL"}
		}
	}
	return a, nil
}

// NewARMClient builds the ARM client of a checked and resolved EntraApp:
// Entra ID client credentials, a budget of perMinute requests (0: none)
// and redaction of the client secret.
func (a EntraApp) NewARMClient(deps connector.Deps, perMinute int) (*Client, error) {
	auth := NewOAuth2(OAuth2Config{
		TokenURL:     a.TokenURL,
		ClientID:     a.ClientID,
		ClientSecret: a.ClientSecret,
		Scopes:       []string{a.Scope},
		HTTP:         deps.HTTP,
	})
	c, err := New(Options{
		BaseURL: a.ARMBase,
		HTTP:    deps.HTTP,
		Auth:    auth,
		Limiter: PerMinute(perMinute),
		Secrets: []config.Secret{a.ClientSecret},
		Logger:  deps.Logger,
		Now:     deps.Now,
	})
	if err != nil {
		return nil, &connector.FieldError{Field: "arm_base", Problem: err.Error()}
	}
	return c, nil
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
