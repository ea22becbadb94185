package cortexxdr

import (
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/alertsync/alertsync/internal/config"
	"github.com/alertsync/alertsync/internal/connector"
)

// Key types, as the Cortex XDR console names an API key's security level.
const (
	KeyStandard = "standard"
	KeyAdvanced = "advanced"
)

// maxPage is the most records one search returns (search_to minus
// search_from), and what one bulk update_alerts may name.
const maxPage = 100

// defaultRequestsPerMinute is the local budget when none is configured.
// Cortex XDR publishes no general quota (only some calls have their own,
// such as get_incident_extra_data's 10 a minute), so this is a
// conservative choice, not the vendor's number.
const defaultRequestsPerMinute = 60

// Config is the decoded settings of one Cortex XDR integration.
type Config struct {
	BaseURL           string        `json:"base_url"`
	APIKeyID          string        `json:"api_key_id"`
	APIKey            config.Secret `json:"api_key"`
	KeyType           string        `json:"key_type"`
	RequestsPerMinute int           `json:"requests_per_minute"`
	IngestIncidents   bool          `json:"ingest_incidents"`
	PageSize          int           `json:"page_size"`
	Overlap           string        `json:"overlap"`
}

// Spec declares the settings; it drives decoding, validation, redaction,
// docs and the settings form.
var Spec = connector.ConfigSpec{
	{Name: "base_url", Type: connector.TypeString, Required: true,
		Description: "The tenant's API URL, https://api-<fqdn> (Settings → Configurations → API Keys → Copy API URL); calls go to /public_api/ under it."},
	{Name: "api_key_id", Type: connector.TypeString, Required: true,
		Description: "The API key's ID (sent as x-xdr-auth-id)."},
	{Name: "api_key", Type: connector.TypeSecret, Required: true,
		Description: "The API key. It needs a role that can read and update alerts and incidents."},
	{Name: "key_type", Type: connector.TypeString, Default: KeyAdvanced, Enum: []string{KeyStandard, KeyAdvanced},
		Description: "The key's security level: advanced keys sign every request with a nonce and a timestamp (the host's clock must be right); standard keys travel as themselves."},
	{Name: "requests_per_minute", Type: connector.TypeInt, Default: defaultRequestsPerMinute,
		Description: "Local request budget per minute. Cortex XDR publishes no general quota; the default is a conservative guess. alertsync spends at most 90% of it; 0 disables it."},
	{Name: "ingest_incidents", Type: connector.TypeBool, Default: true,
		Description: "Also poll incidents (get_incidents) with their member alerts."},
	{Name: "page_size", Type: connector.TypeInt, Default: maxPage,
		Description: fmt.Sprintf("Records per search request, 1 to %d (the API's most).", maxPage)},
	{Name: "overlap", Type: connector.TypeDuration, Default: "5m",
		Description: "How far before the newest modification seen each poll looks again, to catch records the search indexed late; re-read records are deduplicated."},
}

// settings is Config checked and turned into what the connector uses.
type settings struct {
	base    string
	overlap time.Duration
}

func (c Config) check() (settings, error) {
	var s settings
	u, err := url.Parse(strings.TrimSpace(c.BaseURL))
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return s, &connector.FieldError{Field: "base_url", Problem: "want the tenant's API URL, such as https://api-mytenant.xdr.us.paloaltonetworks.com"}
	}
	s.base = strings.TrimSuffix(strings.TrimRight(u.String(), "/"), "/public_api/v1")
	switch {
	case strings.TrimSpace(c.APIKeyID) == "":
		return s, &connector.FieldError{Field: "api_key_id", Problem: "required"}
	case c.APIKey.IsZero():
		return s, &connector.FieldError{Field: "api_key", Problem: "required"}
	case c.KeyType != KeyStandard && c.KeyType != KeyAdvanced:
		return s, &connector.FieldError{Field: "key_type", Problem: "want standard or advanced"}
	case c.RequestsPerMinute < 0:
		return s, &connector.FieldError{Field: "requests_per_minute", Problem: "want 0 (none) or more"}
	case c.PageSize < 1 || c.PageSize > maxPage:
		return s, &connector.FieldError{Field: "page_size", Problem: fmt.Sprintf("want 1 to %d", maxPage)}
	}
	if s.overlap, err = time.ParseDuration(c.Overlap); err != nil || s.overlap < 0 {
		return s, &connector.FieldError{Field: "overlap", Problem: "want a duration of zero or more such as \"5m\""}
	}
	return s, nil
}
