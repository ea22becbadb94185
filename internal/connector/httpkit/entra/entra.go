package entra

import (
	"log/slog"
	"net/url"
	"slices"
	"strings"

	"golang.org/x/oauth2"
	"golang.org/x/time/rate"

	"github.com/alertsync/alertsync/internal/config"
	"github.com/alertsync/alertsync/internal/connector"
	"github.com/alertsync/alertsync/internal/connector/httpkit"
)

// TokenURL is the Entra ID v2 token endpoint of the Azure public cloud;
// sovereign clouds override it.
const TokenURL = "https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token"

// API describes the API an Entra ID app calls: the setting that holds
// its base URL (Graph and Defender for Endpoint say api_base, the Azure
// Resource Manager connectors arm_base), that URL's default and
// description, and the scope its tokens are requested for.
type API struct {
	BaseField       string
	BaseDefault     string
	BaseDescription string
	ScopeDefault    string
}

// App is the credentials of a Microsoft Entra ID app registration
// using the client-credentials grant. Microsoft connectors embed it in
// their Config next to their base URL field (named by their API), so
// its JSON names are theirs, and list AppSpec first in their
// ConfigSpec.
type App struct {
	TenantID     string        `json:"tenant_id"`
	ClientID     string        `json:"client_id"`
	ClientSecret config.Secret `json:"client_secret"`
	TokenURL     string        `json:"token_url"`
	Scope        string        `json:"scope"`
}

// AppSpec declares the App settings with api's base URL field
// between token_url and scope. clientID describes the client_id field:
// each connector says which permissions or roles the app needs.
func AppSpec(api API, clientID string) connector.ConfigSpec {
	return connector.ConfigSpec{
		{Name: "tenant_id", Type: connector.TypeString, Required: true,
			Description: "Microsoft Entra tenant ID (GUID) or primary domain of the app registration."},
		{Name: "client_id", Type: connector.TypeString, Required: true, Description: clientID},
		{Name: "client_secret", Type: connector.TypeSecret, Required: true,
			Description: "Client secret value (not its ID) of the app registration."},
		{Name: "token_url", Type: connector.TypeString, Default: TokenURL,
			Description: "Entra ID v2 token endpoint; {tenant} is replaced by tenant_id."},
		{Name: api.BaseField, Type: connector.TypeString, Default: api.BaseDefault, Description: api.BaseDescription},
		{Name: "scope", Type: connector.TypeString, Default: api.ScopeDefault,
			Description: "OAuth2 scope requested with the client-credentials grant."},
	}
}

// Checked is an App checked against the API it calls, ready to build
// clients: defaults filled, the tenant put into the token URL, both URLs
// absolute. API.Check makes one.
type Checked struct {
	TokenURL     string
	ClientID     string
	ClientSecret config.Secret
	Scope        string
	Base         string
	baseField    string
}

// Budget is the per-minute request budget of this app registration on
// this API, shared by every integration of one hub tenant that uses the
// same app, Entra tenant and API (the token URL carries the Entra tenant,
// the scope names the API); see httpkit.SharedPerMinute.
func (e Checked) Budget(hubTenant string, perMinute int) *rate.Limiter {
	return httpkit.SharedPerMinute(hubTenant, e.TokenURL+"|"+e.ClientID+"|"+e.Scope, perMinute)
}

// Check fills the defaults of settings built without the spec, reports
// the first missing credential, then puts the tenant into the token URL
// and checks that it and base are absolute http(s) URLs. A value of only
// spaces is an error rather than a default: it is a typo the spec's
// defaults did not fill.
func (api API) Check(a App, base string) (Checked, error) {
	required := []struct{ name, v string }{
		{"tenant_id", a.TenantID}, {"client_id", a.ClientID}, {"client_secret", a.ClientSecret.Reveal()},
	}
	for _, r := range required {
		if strings.TrimSpace(r.v) == "" {
			return Checked{}, &connector.FieldError{Field: r.name, Problem: "required"}
		}
	}
	e := Checked{
		TokenURL:     strings.ReplaceAll(orDefault(a.TokenURL, TokenURL), "{tenant}", url.PathEscape(a.TenantID)),
		ClientID:     a.ClientID,
		ClientSecret: a.ClientSecret,
		Scope:        orDefault(a.Scope, api.ScopeDefault),
		Base:         orDefault(base, api.BaseDefault),
		baseField:    api.BaseField,
	}
	for _, f := range []struct{ name, v string }{{"token_url", e.TokenURL}, {api.BaseField, e.Base}} {
		if u, err := url.Parse(f.v); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return Checked{}, &connector.FieldError{Field: f.name, Problem: "want an absolute http(s) URL"}
		}
	}
	if strings.TrimSpace(e.Scope) == "" {
		return Checked{}, &connector.FieldError{Field: "scope", Problem: "want a scope such as " + api.ScopeDefault}
	}
	return e, nil
}

// NewClient builds the API client of a connector authenticating as e. It
// sets o's BaseURL, HTTP, Auth, Logger and Now and adds the client secret
// to o.Secrets; the caller sets the rest, such as Limiter. Token and API
// requests both go through deps.HTTP; the logger is deps.Logger scoped
// with the connector id, which Client.Logger hands back for the
// connector's own lines.
func (e Checked) NewClient(deps connector.Deps, o httpkit.Options) (*httpkit.Client, error) {
	log := deps.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	o.BaseURL = e.Base
	o.HTTP = deps.HTTP
	o.Auth = httpkit.NewOAuth2(httpkit.OAuth2Config{
		TokenURL:     e.TokenURL,
		ClientID:     e.ClientID,
		ClientSecret: e.ClientSecret,
		Scopes:       []string{e.Scope},
		HTTP:         deps.HTTP,
		// Entra ID takes the secret in the form body; auto-detection would
		// try HTTP Basic first and spend a refused request on every token.
		AuthStyle: oauth2.AuthStyleInParams,
	})
	o.Secrets = append(slices.Clip(o.Secrets), e.ClientSecret)
	o.Logger = log.With("connector", deps.ID)
	o.Integration, o.Tenant = deps.ID, deps.Tenant
	o.Now = deps.Now
	c, err := httpkit.New(o)
	if err != nil {
		return nil, &connector.FieldError{Field: e.baseField, Problem: err.Error()}
	}
	return c, nil
}

// orDefault fills an unset optional setting. Only the empty string is
// unset; a value of spaces is kept so the check rejects it.
func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
