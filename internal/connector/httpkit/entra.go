package httpkit

import (
	"golang.org/x/time/rate"
	"log/slog"
	"net/url"
	"slices"
	"strings"

	"golang.org/x/oauth2"

	"github.com/alertsync/alertsync/internal/config"
	"github.com/alertsync/alertsync/internal/connector"
)

// Defaults for the Azure public cloud; sovereign clouds override them.
const (
	EntraTokenURL = "https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token"
	ARMBase       = "https://management.azure.com"
	ARMScope      = "https://management.azure.com/.default"
)

// EntraAPI describes the API an Entra ID app calls: the setting that holds
// its base URL (Graph and Defender for Endpoint say api_base, the Azure
// Resource Manager connectors arm_base), that URL's default and
// description, and the scope its tokens are requested for.
type EntraAPI struct {
	BaseField       string
	BaseDefault     string
	BaseDescription string
	ScopeDefault    string
}

// ARMAPI is Azure Resource Manager, which every Azure connector calls.
var ARMAPI = EntraAPI{
	BaseField:       "arm_base",
	BaseDefault:     ARMBase,
	BaseDescription: "Azure Resource Manager endpoint.",
	ScopeDefault:    ARMScope,
}

// EntraApp is the credentials of a Microsoft Entra ID app registration
// using the client-credentials grant. Microsoft connectors embed it in
// their Config next to their base URL field (named by their EntraAPI), so
// its JSON names are theirs, and list EntraAppSpec first in their
// ConfigSpec.
type EntraApp struct {
	TenantID     string        `json:"tenant_id"`
	ClientID     string        `json:"client_id"`
	ClientSecret config.Secret `json:"client_secret"`
	TokenURL     string        `json:"token_url"`
	Scope        string        `json:"scope"`
}

// EntraAppSpec declares the EntraApp settings with api's base URL field
// between token_url and scope. clientID describes the client_id field:
// each connector says which permissions or roles the app needs.
func EntraAppSpec(api EntraAPI, clientID string) connector.ConfigSpec {
	return connector.ConfigSpec{
		{Name: "tenant_id", Type: connector.TypeString, Required: true,
			Description: "Microsoft Entra tenant ID (GUID) or primary domain of the app registration."},
		{Name: "client_id", Type: connector.TypeString, Required: true, Description: clientID},
		{Name: "client_secret", Type: connector.TypeSecret, Required: true,
			Description: "Client secret value (not its ID) of the app registration."},
		{Name: "token_url", Type: connector.TypeString, Default: EntraTokenURL,
			Description: "Entra ID v2 token endpoint; {tenant} is replaced by tenant_id."},
		{Name: api.BaseField, Type: connector.TypeString, Default: api.BaseDefault, Description: api.BaseDescription},
		{Name: "scope", Type: connector.TypeString, Default: api.ScopeDefault,
			Description: "OAuth2 scope requested with the client-credentials grant."},
	}
}

// Entra is an EntraApp checked against the API it calls, ready to build
// clients: defaults filled, the tenant put into the token URL, both URLs
// absolute. EntraAPI.Check makes one.
type Entra struct {
	TokenURL     string
	ClientID     string
	ClientSecret config.Secret
	Scope        string
	Base         string
	baseField    string
}

// Budget is the per-minute request budget of this app registration on
// this API, shared by every integration that uses the same app, tenant and
// API (the token URL carries the tenant, the scope names the API).
func (e Entra) Budget(perMinute int) *rate.Limiter {
	return SharedPerMinute(e.TokenURL+"|"+e.ClientID+"|"+e.Scope, perMinute)
}

// Check fills the defaults of settings built without the spec, reports
// the first missing credential, then puts the tenant into the token URL
// and checks that it and base are absolute http(s) URLs. A value of only
// spaces is an error rather than a default: it is a typo the spec's
// defaults did not fill.
func (api EntraAPI) Check(a EntraApp, base string) (Entra, error) {
	required := []struct{ name, v string }{
		{"tenant_id", a.TenantID}, {"client_id", a.ClientID}, {"client_secret", a.ClientSecret.Reveal()},
	}
	for _, r := range required {
		if strings.TrimSpace(r.v) == "" {
			return Entra{}, &connector.FieldError{Field: r.name, Problem: "required"}
		}
	}
	e := Entra{
		TokenURL:     strings.ReplaceAll(orDefault(a.TokenURL, EntraTokenURL), "{tenant}", url.PathEscape(a.TenantID)),
		ClientID:     a.ClientID,
		ClientSecret: a.ClientSecret,
		Scope:        orDefault(a.Scope, api.ScopeDefault),
		Base:         orDefault(base, api.BaseDefault),
		baseField:    api.BaseField,
	}
	for _, f := range []struct{ name, v string }{{"token_url", e.TokenURL}, {api.BaseField, e.Base}} {
		if u, err := url.Parse(f.v); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return Entra{}, &connector.FieldError{Field: f.name, Problem: "want an absolute http(s) URL"}
		}
	}
	if strings.TrimSpace(e.Scope) == "" {
		return Entra{}, &connector.FieldError{Field: "scope", Problem: "want a scope such as " + api.ScopeDefault}
	}
	return e, nil
}

// NewClient builds the API client of a connector authenticating as e. It
// sets o's BaseURL, HTTP, Auth, Logger and Now and adds the client secret
// to o.Secrets; the caller sets the rest, such as Limiter. Token and API
// requests both go through deps.HTTP; the logger is deps.Logger scoped
// with the connector id, which Client.Logger hands back for the
// connector's own lines.
func (e Entra) NewClient(deps connector.Deps, o Options) (*Client, error) {
	log := deps.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	o.BaseURL = e.Base
	o.HTTP = deps.HTTP
	o.Auth = NewOAuth2(OAuth2Config{
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
	o.Now = deps.Now
	c, err := New(o)
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

// ARMAccessPending classifies the 403s Azure Resource Manager answers while
// a principal's access is still being set up: InsufficientAccessError (the
// Defender for Cloud → Sentinel seed's known issue: the first run fails, an
// immediate rerun works) and AuthorizationFailed, which a role assignment
// that has not propagated yet also produces. Both are retryable, so the
// outbox and the poller back off and try again; an app that truly lacks
// the role keeps failing until its attempts run out, and any other 403 is
// still auth. Every ARM connector passes it as its Classify hook.
var ARMAccessPending = RetryForbidden("InsufficientAccessError", "AuthorizationFailed")
