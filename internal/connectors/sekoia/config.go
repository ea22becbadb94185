package sekoia

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/alertsync/alertsync/internal/config"
	"github.com/alertsync/alertsync/internal/connector"
)

// Limits of the SIC Alert API (its swagger): a list page holds 1 to 100
// alerts and a comment author at most 32 characters.
const (
	maxLimit  = 100
	maxAuthor = 32
)

// DefaultRequestsPerMinute is the local budget when none is configured.
// Sekoia publishes no number, only that a 429 means "wait before
// retrying" [U]; two requests a second (of which the kit spends 90%) is a
// cautious guess that still writes back dozens of alerts a minute.
const DefaultRequestsPerMinute = 120

// Config is the decoded settings of one Sekoia.io integration.
type Config struct {
	BaseURL           string        `json:"base_url"`
	APIKey            config.Secret `json:"api_key"`
	CommunityUUID     string        `json:"community_uuid"`
	IntakeURL         string        `json:"intake_url"`
	IntakeKey         config.Secret `json:"intake_key"`
	CommentAuthor     string        `json:"comment_author"`
	PageSize          int           `json:"page_size"`
	Lookback          string        `json:"lookback"`
	Overlap           string        `json:"overlap"`
	RequestsPerMinute int           `json:"requests_per_minute"`
}

// Spec declares the settings; it drives decoding, validation, redaction,
// docs and the settings form.
var Spec = connector.ConfigSpec{
	{Name: "base_url", Type: connector.TypeString, Default: "https://api.sekoia.io",
		Description: "The region's API base: https://api.sekoia.io (FRA1), https://app.fra2.sekoia.io/api, https://app.mco1.sekoia.io/api, https://app.uae1.sekoia.io/api, https://app.usa1.sekoia.io/api or https://api.sgp1.sekoia.io; the alert API is under /v1/sic."},
	{Name: "api_key", Type: connector.TypeSecret, Required: true,
		Description: "API key (sent as \"Authorization: Bearer <key>\") whose role grants View alerts, Update alert status and Comment alerts. Keys expire within a year."},
	{Name: "community_uuid", Type: connector.TypeString,
		Description: "For a multi-tenant key: the community this integration reads and writes; alerts of other communities are never ingested nor changed. Empty means every community the key sees."},
	{Name: "intake_url", Type: connector.TypeString, Default: "https://intake.sekoia.io",
		Description: "The region's HTTP intake, for pushing events: https://intake.sekoia.io (FRA1), https://intake.fra2.sekoia.io/api/v1/intake-http, and so on."},
	{Name: "intake_key", Type: connector.TypeSecret,
		Description: "Intake key of the custom-format intake that receives pushed events; without it pushing events is refused."},
	{Name: "comment_author", Type: connector.TypeString, Default: "alertsync",
		Description: fmt.Sprintf("The author name on comments alertsync writes, at most %d characters.", maxAuthor)},
	{Name: "page_size", Type: connector.TypeInt, Default: maxLimit,
		Description: fmt.Sprintf("Alerts per list request (limit), 1 to %d.", maxLimit)},
	{Name: "lookback", Type: connector.TypeDuration, Default: "24h",
		Description: "How far back the first poll reads alerts by updated_at; 0 reads every alert."},
	{Name: "overlap", Type: connector.TypeDuration, Default: "1m",
		Description: "How far before the last poll's end each poll reads again, for alerts indexed late and clock skew; re-read alerts are deduplicated."},
	{Name: "requests_per_minute", Type: connector.TypeInt, Default: DefaultRequestsPerMinute,
		Description: "Local request budget per minute for this API key. Sekoia publishes no quota; the default is a cautious guess. 0 disables the local budget."},
}

// uuidRE is the form of a community uuid.
var uuidRE = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// settings is Config checked and turned into what the connector uses.
type settings struct {
	api, intake       string // base URLs without a trailing slash
	lookback, overlap time.Duration
}

func (c Config) check() (settings, error) {
	var s settings
	var err error
	if strings.TrimSpace(c.APIKey.Reveal()) == "" {
		return s, &connector.FieldError{Field: "api_key", Problem: "required"}
	}
	if s.api, err = baseURL(c.BaseURL); err != nil {
		return s, &connector.FieldError{Field: "base_url", Problem: err.Error()}
	}
	if s.intake, err = baseURL(c.IntakeURL); err != nil {
		return s, &connector.FieldError{Field: "intake_url", Problem: err.Error()}
	}
	if c.CommunityUUID != "" && !uuidRE.MatchString(c.CommunityUUID) {
		return s, &connector.FieldError{Field: "community_uuid", Problem: "want a uuid such as cc93fe3f-c26b-4eb1-82f7-082209cf1892"}
	}
	if n := utf8.RuneCountInString(c.CommentAuthor); n == 0 || n > maxAuthor {
		return s, &connector.FieldError{Field: "comment_author", Problem: fmt.Sprintf("want 1 to %d characters, got %d", maxAuthor, n)}
	}
	if c.PageSize < 1 || c.PageSize > maxLimit {
		return s, &connector.FieldError{Field: "page_size", Problem: fmt.Sprintf("want 1 to %d", maxLimit)}
	}
	if c.RequestsPerMinute < 0 {
		return s, &connector.FieldError{Field: "requests_per_minute", Problem: "want 0 (none) or more"}
	}
	if s.lookback, err = time.ParseDuration(c.Lookback); err != nil || s.lookback < 0 {
		return s, &connector.FieldError{Field: "lookback", Problem: "want a duration of zero or more such as \"24h\""}
	}
	if s.overlap, err = time.ParseDuration(c.Overlap); err != nil || s.overlap < 0 {
		return s, &connector.FieldError{Field: "overlap", Problem: "want a duration of zero or more such as \"1m\""}
	}
	return s, nil
}

// baseURL checks an absolute http(s) URL and drops its trailing slash.
func baseURL(raw string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return "", errors.New("want an absolute http(s) URL")
	}
	return strings.TrimRight(u.String(), "/"), nil
}
