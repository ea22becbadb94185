package graph

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/alertsync/alertsync/internal/config"
	"github.com/alertsync/alertsync/internal/connector"
)

// Defaults for the Microsoft commercial cloud. Sovereign clouds (US Gov,
// China) override token_url, api_base and scope.
const (
	DefaultTokenURL = "https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token"
	DefaultAPIBase  = "https://graph.microsoft.com/v1.0"
	DefaultScope    = "https://graph.microsoft.com/.default"
)

// Limits the service imposes that the settings must respect.
const (
	// maxAlertsTop is the largest alerts_v2 page we ask for. Microsoft does
	// not document the limit; 1000 is what others found safe.
	maxAlertsTop = 1000
	// incidentsTop is the hard $top limit on /security/incidents (400 above).
	incidentsTop = 50
)

// Config is the decoded settings of one Graph security integration.
type Config struct {
	TenantID          string        `json:"tenant_id"`
	ClientID          string        `json:"client_id"`
	ClientSecret      config.Secret `json:"client_secret"`
	TokenURL          string        `json:"token_url"`
	APIBase           string        `json:"api_base"`
	Scope             string        `json:"scope"`
	ServiceSources    []string      `json:"service_sources"`
	Overlap           string        `json:"overlap"`
	PageSize          int           `json:"page_size"`
	RequestsPerMinute int           `json:"requests_per_minute"`
	IngestIncidents   bool          `json:"ingest_incidents"`
}

// Spec declares the settings; it drives decoding, validation, redaction,
// docs and the settings form.
var Spec = connector.ConfigSpec{
	{Name: "tenant_id", Type: connector.TypeString, Required: true,
		Description: "Microsoft Entra tenant ID (GUID) or primary domain of the tenant whose alerts are read."},
	{Name: "client_id", Type: connector.TypeString, Required: true,
		Description: "Application (client) ID of the app registration; it needs the SecurityAlert.ReadWrite.All and SecurityIncident.ReadWrite.All application permissions."},
	{Name: "client_secret", Type: connector.TypeSecret, Required: true,
		Description: "Client secret value (not its ID) of the app registration."},
	{Name: "token_url", Type: connector.TypeString, Default: DefaultTokenURL,
		Description: "Entra ID v2 token endpoint; {tenant} is replaced by tenant_id."},
	{Name: "api_base", Type: connector.TypeString, Default: DefaultAPIBase,
		Description: "Microsoft Graph base URL including the version segment."},
	{Name: "scope", Type: connector.TypeString, Default: DefaultScope,
		Description: "OAuth2 scope requested with the client-credentials grant."},
	{Name: "service_sources", Type: connector.TypeList,
		Description: "serviceSource values to ingest (e.g. microsoftDefenderForEndpoint, microsoftDefenderForIdentity, microsoftDefenderForCloud); empty ingests every product."},
	{Name: "overlap", Type: connector.TypeDuration, Default: "5m",
		Description: "How far before the last seen lastUpdateDateTime each poll looks again, to catch alerts the service indexes late; re-read alerts are deduplicated."},
	{Name: "page_size", Type: connector.TypeInt, Default: 200,
		Description: fmt.Sprintf("Alerts per request ($top), 1 to %d; incidents are always read %d at a time, the service's limit.", maxAlertsTop, incidentsTop)},
	{Name: "requests_per_minute", Type: connector.TypeInt, Default: 150,
		Description: "Local request budget; Graph allows 150 requests a minute per app and tenant on security alerts. 0 disables the local budget."},
	{Name: "ingest_incidents", Type: connector.TypeBool, Default: true,
		Description: "Also poll /security/incidents and mirror Microsoft's incident grouping."},
}

// settings is Config checked and turned into what the connector uses.
type settings struct {
	tokenURL string
	overlap  time.Duration
	sources  []string
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
	if c.PageSize < 1 || c.PageSize > maxAlertsTop {
		return s, &connector.FieldError{Field: "page_size", Problem: fmt.Sprintf("want 1 to %d", maxAlertsTop)}
	}
	if c.RequestsPerMinute < 0 {
		return s, &connector.FieldError{Field: "requests_per_minute", Problem: "want 0 (no local budget) or more"}
	}
	for _, src := range c.ServiceSources {
		if !slices.Contains(serviceSources, src) {
			return s, &connector.FieldError{Field: "service_sources", Problem: fmt.Sprintf("%q is not a serviceSource (known: %s)", src, strings.Join(serviceSources, ", "))}
		}
	}
	s.sources = slices.Clone(c.ServiceSources)
	return s, nil
}

func orDefault(v, def string) string {
	if strings.TrimSpace(v) == "" {
		return def
	}
	return v
}
