package mde

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/alertsync/alertsync/internal/connector"
	"github.com/alertsync/alertsync/internal/connector/httpkit/entra"
)

// Defaults for the Microsoft commercial cloud. Regional hosts
// (us.api.security.microsoft.com, eu., uk., ...) and US Gov override
// api_base; the windowsatpservice scope spelling works too.
const (
	DefaultTokenURL = entra.TokenURL
	DefaultAPIBase  = "https://api.securitycenter.microsoft.com"
	DefaultScope    = "https://api.securitycenter.microsoft.com/.default"
)

// api is the Defender for Endpoint API as the Entra app settings see it.
var api = entra.API{
	BaseField:       "api_base",
	BaseDefault:     DefaultAPIBase,
	BaseDescription: "Defender for Endpoint API base URL (a regional host such as https://eu.api.security.microsoft.com also works).",
	ScopeDefault:    DefaultScope,
}

// maxTop is the largest $top GET /api/alerts accepts.
const maxTop = 10000

// Config is the decoded settings of one Defender for Endpoint integration.
type Config struct {
	entra.App                // tenant_id, client_id, client_secret, token_url, scope
	APIBase           string `json:"api_base"`
	Overlap           string `json:"overlap"`
	PageSize          int    `json:"page_size"`
	RequestsPerMinute int    `json:"requests_per_minute"`
	RequestsPerHour   int    `json:"requests_per_hour"`
	BatchPerMinute    int    `json:"batch_requests_per_minute"`
	BatchPerHour      int    `json:"batch_requests_per_hour"`
}

// Spec declares the settings; it drives decoding, validation, redaction,
// docs and the settings form. The Entra app's six settings (tenant_id,
// client_id, client_secret, token_url, api_base, scope) come first, as in
// every Microsoft connector; only client_id's description is this
// connector's.
var Spec = slices.Concat(entra.AppSpec(api,
	"Application (client) ID of the app registration; it needs the WindowsDefenderATP Alert.ReadWrite.All application permission."),
	connector.ConfigSpec{
		{Name: "overlap", Type: connector.TypeDuration, Default: "5m",
			Description: "How far before the last seen lastUpdateTime each poll looks again, to catch alerts indexed late; re-read alerts are deduplicated."},
		{Name: "page_size", Type: connector.TypeInt, Default: 500,
			Description: fmt.Sprintf("Alerts per request ($top), 1 to %d.", maxTop)},
		{Name: "requests_per_minute", Type: connector.TypeInt, Default: 100,
			Description: "The API's request quota per minute (100 calls a minute); alertsync spends at most 90% of it. 0 disables the local budget."},
		{Name: "requests_per_hour", Type: connector.TypeInt, Default: 1500,
			Description: "Local request budget per hour; the API allows 1,500 calls an hour. 0 disables it."},
		{Name: "batch_requests_per_minute", Type: connector.TypeInt, Default: batchPerMinute,
			Description: "batchUpdate's own quota per minute (10 calls a minute), on top of the request budget; alertsync spends at most 90% of it. 0 disables it."},
		{Name: "batch_requests_per_hour", Type: connector.TypeInt, Default: batchPerHour,
			Description: "batchUpdate's own budget per hour (500 calls an hour). 0 disables it."},
	})

// settings is Config checked and turned into what the connector uses.
type settings struct {
	entra   entra.Checked
	overlap time.Duration
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
	if c.PageSize < 1 || c.PageSize > maxTop {
		return s, &connector.FieldError{Field: "page_size", Problem: fmt.Sprintf("want 1 to %d", maxTop)}
	}
	if c.RequestsPerMinute < 0 || c.RequestsPerHour < 0 || c.BatchPerMinute < 0 || c.BatchPerHour < 0 {
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
