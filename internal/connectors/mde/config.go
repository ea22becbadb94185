package mde

import (
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/alertsync/alertsync/internal/config"
	"github.com/alertsync/alertsync/internal/connector"
)

// Defaults for the Microsoft commercial cloud. Regional hosts
// (us.api.security.microsoft.com, eu., uk., ...) and US Gov override
// api_base; the windowsatpservice scope spelling works too.
const (
	DefaultTokenURL = "https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token"
	DefaultAPIBase  = "https://api.securitycenter.microsoft.com"
	DefaultScope    = "https://api.securitycenter.microsoft.com/.default"
)

// maxTop is the largest $top GET /api/alerts accepts.
const maxTop = 10000

// Config is the decoded settings of one Defender for Endpoint integration.
type Config struct {
	TenantID          string        `json:"tenant_id"`
	ClientID          string        `json:"client_id"`
	ClientSecret      config.Secret `json:"client_secret"`
	TokenURL          string        `json:"token_url"`
	APIBase           string        `json:"api_base"`
	Scope             string        `json:"scope"`
	Overlap           string        `json:"overlap"`
	PageSize          int           `json:"page_size"`
	RequestsPerMinute int           `json:"requests_per_minute"`
	RequestsPerHour   int           `json:"requests_per_hour"`
}

// Spec declares the settings; it drives decoding, validation, redaction,
// docs and the settings form.
var Spec = connector.ConfigSpec{
	{Name: "tenant_id", Type: connector.TypeString, Required: true,
		Description: "Microsoft Entra tenant ID (GUID) or primary domain."},
	{Name: "client_id", Type: connector.TypeString, Required: true,
		Description: "Application (client) ID of the app registration; it needs the WindowsDefenderATP Alert.ReadWrite.All application permission."},
	{Name: "client_secret", Type: connector.TypeSecret, Required: true,
		Description: "Client secret value (not its ID) of the app registration."},
	{Name: "token_url", Type: connector.TypeString, Default: DefaultTokenURL,
		Description: "Entra ID v2 token endpoint; {tenant} is replaced by tenant_id."},
	{Name: "api_base", Type: connector.TypeString, Default: DefaultAPIBase,
		Description: "Defender for Endpoint API base URL (a regional host such as https://eu.api.security.microsoft.com also works)."},
	{Name: "scope", Type: connector.TypeString, Default: DefaultScope,
		Description: "OAuth2 scope requested with the client-credentials grant."},
	{Name: "overlap", Type: connector.TypeDuration, Default: "5m",
		Description: "How far before the last seen lastUpdateTime each poll looks again, to catch alerts indexed late; re-read alerts are deduplicated."},
	{Name: "page_size", Type: connector.TypeInt, Default: 500,
		Description: fmt.Sprintf("Alerts per request ($top), 1 to %d.", maxTop)},
	{Name: "requests_per_minute", Type: connector.TypeInt, Default: 100,
		Description: "Local request budget per minute; the API allows 100 calls a minute. 0 disables it."},
	{Name: "requests_per_hour", Type: connector.TypeInt, Default: 1500,
		Description: "Local request budget per hour; the API allows 1,500 calls an hour. 0 disables it."},
}

// settings is Config checked and turned into what the connector uses.
type settings struct {
	tokenURL string
	overlap  time.Duration
}

func (c Config) check() (settings, error) {
	var s settings
	for _, f := range []struct{ name, v string }{{"tenant_id", c.TenantID}, {"client_id", c.ClientID}} {
		if strings.TrimSpace(f.v) == "" {
			return s, &connector.FieldError{Field: f.name, Problem: "required"}
		}
	}
	if c.ClientSecret.IsZero() {
		return s, &connector.FieldError{Field: "client_secret", Problem: "required"}
	}
	s.tokenURL = strings.ReplaceAll(orDefault(c.TokenURL, DefaultTokenURL), "{tenant}", url.PathEscape(c.TenantID))
	for _, f := range []struct{ name, v string }{{"token_url", s.tokenURL}, {"api_base", orDefault(c.APIBase, DefaultAPIBase)}} {
		if u, err := url.Parse(f.v); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return s, &connector.FieldError{Field: f.name, Problem: "want an absolute http(s) URL"}
		}
	}
	var err error
	if s.overlap, err = time.ParseDuration(orDefault(c.Overlap, "5m")); err != nil || s.overlap < 0 {
		return s, &connector.FieldError{Field: "overlap", Problem: "want a duration of zero or more such as \"5m\""}
	}
	if c.PageSize < 1 || c.PageSize > maxTop {
		return s, &connector.FieldError{Field: "page_size", Problem: fmt.Sprintf("want 1 to %d", maxTop)}
	}
	if c.RequestsPerMinute < 0 || c.RequestsPerHour < 0 {
		return s, &connector.FieldError{Field: "requests_per_minute", Problem: "budgets want 0 (none) or more"}
	}
	return s, nil
}

func orDefault(v, def string) string {
	if strings.TrimSpace(v) == "" {
		return def
	}
	return v
}
