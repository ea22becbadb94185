package graph

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/alertsync/alertsync/internal/connector"
	"github.com/alertsync/alertsync/internal/connector/httpkit/entra"
)

// Defaults for the Microsoft commercial cloud. Sovereign clouds (US Gov,
// China) override token_url, api_base and scope.
const (
	DefaultTokenURL = entra.TokenURL
	DefaultAPIBase  = "https://graph.microsoft.com/v1.0"
	DefaultScope    = "https://graph.microsoft.com/.default"
)

// api is Microsoft Graph as the Entra app settings see it.
var api = entra.API{
	BaseField:       "api_base",
	BaseDefault:     DefaultAPIBase,
	BaseDescription: "Microsoft Graph base URL including the version segment.",
	ScopeDefault:    DefaultScope,
}

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
	entra.App                  // tenant_id, client_id, client_secret, token_url, scope
	APIBase           string   `json:"api_base"`
	ServiceSources    []string `json:"service_sources"`
	Overlap           string   `json:"overlap"`
	PageSize          int      `json:"page_size"`
	RequestsPerMinute int      `json:"requests_per_minute"`
	IngestIncidents   bool     `json:"ingest_incidents"`
}

// Spec declares the settings; it drives decoding, validation, redaction,
// docs and the settings form. The Entra app's six settings (tenant_id,
// client_id, client_secret, token_url, api_base, scope) come first, as in
// every Microsoft connector; only client_id's description is this
// connector's.
var Spec = slices.Concat(entra.AppSpec(api,
	"Application (client) ID of the app registration; it needs the SecurityAlert.ReadWrite.All and SecurityIncident.ReadWrite.All application permissions."),
	connector.ConfigSpec{
		{Name: "service_sources", Type: connector.TypeList,
			Description: "serviceSource values to ingest (e.g. microsoftDefenderForEndpoint, microsoftDefenderForIdentity, microsoftDefenderForCloud); empty ingests every product."},
		{Name: "overlap", Type: connector.TypeDuration, Default: "5m",
			Description: "How far before the last seen lastUpdateDateTime each poll looks again, to catch alerts the service indexes late; re-read alerts are deduplicated."},
		{Name: "page_size", Type: connector.TypeInt, Default: 200,
			Description: fmt.Sprintf("Alerts per request ($top), 1 to %d; incidents are always read %d at a time, the service's limit.", maxAlertsTop, incidentsTop)},
		{Name: "requests_per_minute", Type: connector.TypeInt, Default: 150,
			Description: "The vendor's request quota per minute (Graph allows 150 a minute per app and tenant on security alerts); alertsync spends at most 90% of it. 0 disables the local budget."},
		{Name: "ingest_incidents", Type: connector.TypeBool, Default: true,
			Description: "Also poll /security/incidents and mirror Microsoft's incident grouping."},
	})

// settings is Config checked and turned into what the connector uses.
type settings struct {
	entra   entra.Checked
	overlap time.Duration
	sources []string
}

func (c Config) check() (settings, error) {
	var s settings
	var err error
	if s.entra, err = api.Check(c.App, c.APIBase); err != nil {
		return s, err
	}
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
