package crowdstrike

import (
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/alertsync/alertsync/internal/config"
	"github.com/alertsync/alertsync/internal/connector"
)

// cloudHosts are the API hosts of the Falcon clouds (gofalcon's
// falcon/cloud.go).
var cloudHosts = map[string]string{
	"us-1":     "https://api.crowdstrike.com",
	"us-2":     "https://api.us-2.crowdstrike.com",
	"us-3":     "https://api.us-3.crowdstrike.com",
	"eu-1":     "https://api.eu-1.crowdstrike.com",
	"us-gov-1": "https://api.laggar.gcw.crowdstrike.com",
	"us-gov-2": "https://api.us-gov-2.crowdstrike.mil",
}

// clouds lists cloudHosts' keys in the order people know them.
var clouds = []string{"us-1", "us-2", "us-3", "eu-1", "us-gov-1", "us-gov-2"}

// maxLimit is the most alerts POST /alerts/combined/alerts/v1 returns a
// page.
const maxLimit = 1000

// Config is the decoded settings of one CrowdStrike integration.
type Config struct {
	BaseURL           string        `json:"base_url"`
	Cloud             string        `json:"cloud"`
	Autodiscover      bool          `json:"autodiscover"`
	ClientID          string        `json:"client_id"`
	ClientSecret      config.Secret `json:"client_secret"`
	MemberCID         string        `json:"member_cid"`
	RequestsPerMinute int           `json:"requests_per_minute"`
	PageSize          int           `json:"page_size"`
	Overlap           string        `json:"overlap"`
}

// Spec declares the settings; it drives decoding, validation, redaction,
// docs and the settings form.
var Spec = connector.ConfigSpec{
	{Name: "base_url", Type: connector.TypeString,
		Description: "API base URL; empty means the cloud's host (https://api.crowdstrike.com for us-1)."},
	{Name: "cloud", Type: connector.TypeString, Default: "us-1", Enum: clouds,
		Description: "The Falcon cloud the API client belongs to; with autodiscover on, the token service's X-CS-Region answer moves the integration to the right one."},
	{Name: "autodiscover", Type: connector.TypeBool, Default: true,
		Description: "Follow the X-CS-Region header of the first token answer to the client's own cloud, as CrowdStrike's SDKs do."},
	{Name: "client_id", Type: connector.TypeString, Required: true,
		Description: "API client ID; the client needs the Alerts read and write scopes."},
	{Name: "client_secret", Type: connector.TypeSecret, Required: true, Description: "API client secret."},
	{Name: "member_cid", Type: connector.TypeString,
		Description: "For an MSSP parent CID: the child CID the token acts for."},
	{Name: "requests_per_minute", Type: connector.TypeInt, Default: 6000,
		Description: "The API's request quota per customer (6,000 a minute per CID); alertsync spends at most 90% of it. 0 disables the local budget."},
	{Name: "page_size", Type: connector.TypeInt, Default: 500,
		Description: fmt.Sprintf("Alerts per request (limit), 1 to %d.", maxLimit)},
	{Name: "overlap", Type: connector.TypeDuration, Default: "5m",
		Description: "How far before the newest updated_timestamp seen each poll looks again, to catch alerts indexed late; re-read alerts are deduplicated."},
}

// settings is Config checked and turned into what the connector uses.
type settings struct {
	base    string
	overlap time.Duration
}

func (c Config) check() (settings, error) {
	var s settings
	if strings.TrimSpace(c.ClientID) == "" {
		return s, &connector.FieldError{Field: "client_id", Problem: "required"}
	}
	if c.ClientSecret.Reveal() == "" {
		return s, &connector.FieldError{Field: "client_secret", Problem: "required"}
	}
	host, ok := cloudHosts[c.Cloud]
	if !ok {
		return s, &connector.FieldError{Field: "cloud", Problem: "want one of " + strings.Join(clouds, ", ")}
	}
	s.base = strings.TrimRight(c.BaseURL, "/")
	if s.base == "" {
		s.base = host
	}
	if u, err := url.Parse(s.base); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return s, &connector.FieldError{Field: "base_url", Problem: "want an absolute http(s) URL"}
	}
	var err error
	if s.overlap, err = time.ParseDuration(c.Overlap); err != nil || s.overlap < 0 {
		return s, &connector.FieldError{Field: "overlap", Problem: "want a duration of zero or more such as \"5m\""}
	}
	if c.PageSize < 1 || c.PageSize > maxLimit {
		return s, &connector.FieldError{Field: "page_size", Problem: fmt.Sprintf("want 1 to %d", maxLimit)}
	}
	if c.RequestsPerMinute < 0 {
		return s, &connector.FieldError{Field: "requests_per_minute", Problem: "want 0 (none) or more"}
	}
	return s, nil
}
