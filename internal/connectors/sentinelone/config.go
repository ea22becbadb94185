package sentinelone

import (
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/alertsync/alertsync/internal/config"
	"github.com/alertsync/alertsync/internal/connector"
)

// apiPath is where the v2.1 management API lives under the console URL.
const apiPath = "/web/api/v2.1"

// maxLimit is the largest limit a v2.1 list takes.
const maxLimit = 1000

// DefaultRequestsPerMinute is the local budget when none is configured.
// SentinelOne publishes no quota for these endpoints, so this is a guess
// on the safe side (one request a second, of which the kit spends 90%).
const DefaultRequestsPerMinute = 60

// Config is the decoded settings of one SentinelOne integration.
type Config struct {
	BaseURL                string        `json:"base_url"`
	APIToken               config.Secret `json:"api_token"`
	SiteIDs                []string      `json:"site_ids"`
	AccountIDs             []string      `json:"account_ids"`
	IncludeCloudDetections bool          `json:"include_cloud_detections"`
	CloudDetectionWindow   string        `json:"cloud_detection_window"`
	Overlap                string        `json:"overlap"`
	PageSize               int           `json:"page_size"`
	RequestsPerMinute      int           `json:"requests_per_minute"`
}

// Spec declares the settings; it drives decoding, validation, redaction,
// docs and the settings form.
var Spec = connector.ConfigSpec{
	{Name: "base_url", Type: connector.TypeString, Required: true,
		Description: "Management console URL, such as https://usea1-contoso.sentinelone.net; the API is under /web/api/v2.1."},
	{Name: "api_token", Type: connector.TypeSecret, Required: true,
		Description: "API token of a service user allowed to view threats and alerts and to change their incident status, analyst verdict and notes. Sent as \"Authorization: ApiToken <token>\"."},
	{Name: "site_ids", Type: connector.TypeList,
		Description: "Only these sites' threats and alerts (siteIds); empty means everything the token sees."},
	{Name: "account_ids", Type: connector.TypeList,
		Description: "Only these accounts' threats and alerts (accountIds); empty means everything the token sees."},
	{Name: "include_cloud_detections", Type: connector.TypeBool, Default: true,
		Description: "Also ingest STAR custom-rule alerts (GET /cloud-detection/alerts) and write their state back."},
	{Name: "cloud_detection_window", Type: connector.TypeDuration, Default: "24h",
		Description: "The cloud-detection list filters on creation time only, so each poll re-reads the alerts created this long before the newest change seen and picks up the ones whose state changed; changes to older alerts are not seen."},
	{Name: "overlap", Type: connector.TypeDuration, Default: "5m",
		Description: "How far before the last seen threat updatedAt each poll looks again, to catch threats indexed late; re-read threats are deduplicated."},
	{Name: "page_size", Type: connector.TypeInt, Default: 100,
		Description: fmt.Sprintf("Items per request (limit), 1 to %d.", maxLimit)},
	{Name: "requests_per_minute", Type: connector.TypeInt, Default: DefaultRequestsPerMinute,
		Description: "Local request budget per minute for this token. SentinelOne publishes no quota; the default is a cautious guess. 0 disables the local budget."},
}

// settings is Config checked and turned into what the connector uses.
type settings struct {
	api             string // console URL + apiPath
	overlap, window time.Duration
}

func (c Config) check() (settings, error) {
	var s settings
	if strings.TrimSpace(c.APIToken.Reveal()) == "" {
		return s, &connector.FieldError{Field: "api_token", Problem: "required"}
	}
	u, err := url.Parse(strings.TrimSpace(c.BaseURL))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return s, &connector.FieldError{Field: "base_url", Problem: "want the console's absolute https URL"}
	}
	s.api = strings.TrimSuffix(strings.TrimRight(u.String(), "/"), apiPath) + apiPath
	if s.overlap, err = duration(c.Overlap, "5m"); err != nil {
		return s, &connector.FieldError{Field: "overlap", Problem: "want a duration of zero or more such as \"5m\""}
	}
	if s.window, err = duration(c.CloudDetectionWindow, "24h"); err != nil || s.window <= 0 {
		return s, &connector.FieldError{Field: "cloud_detection_window", Problem: "want a positive duration such as \"24h\""}
	}
	if c.PageSize < 1 || c.PageSize > maxLimit {
		return s, &connector.FieldError{Field: "page_size", Problem: fmt.Sprintf("want 1 to %d", maxLimit)}
	}
	if c.RequestsPerMinute < 0 {
		return s, &connector.FieldError{Field: "requests_per_minute", Problem: "want 0 (none) or more"}
	}
	return s, nil
}

func duration(v, def string) (time.Duration, error) {
	if strings.TrimSpace(v) == "" {
		v = def
	}
	d, err := time.ParseDuration(v)
	if err == nil && d < 0 {
		err = fmt.Errorf("negative duration %s", v)
	}
	return d, err
}
