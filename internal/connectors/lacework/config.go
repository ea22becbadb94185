package lacework

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/alertsync/alertsync/internal/config"
	"github.com/alertsync/alertsync/internal/connector"
)

// Limits of the API (the Go SDK's V2ApiMaxSearchWindowDays and
// V2ApiMaxSearchHistoryDays, and the token's documented maximum life).
const (
	maxWindow      = 7 * 24 * time.Hour
	maxHistory     = 92 * 24 * time.Hour
	maxTokenExpiry = 24 * time.Hour
	maxPageSize    = 1000
	maxConcurrency = 256
)

// Config is the decoded settings of one Lacework integration.
type Config struct {
	AccountURL        string        `json:"account_url"`
	SubAccount        string        `json:"sub_account"`
	KeyID             string        `json:"key_id"`
	Secret            config.Secret `json:"secret"`
	APIKeyFile        config.Secret `json:"api_key_file"`
	AllowInsecureURL  bool          `json:"allow_insecure_url"`
	TokenExpiry       string        `json:"token_expiry"`
	RequestsPerMinute int           `json:"requests_per_minute"`
	AlertConcurrency  int           `json:"alert_concurrency"`
	PageSize          int           `json:"page_size"`
	Lookback          string        `json:"lookback"`
	Overlap           string        `json:"overlap"`
}

// Spec declares the settings; it drives decoding, validation, redaction,
// docs and the settings form.
var Spec = connector.ConfigSpec{
	{Name: "account_url", Type: connector.TypeString,
		Description: "The account's URL, https://<account>.lacework.net. A bare account name or host name is taken as https://<name>.lacework.net or https://<host>; an http:// URL is refused. Taken from api_key_file's account when empty."},
	{Name: "sub_account", Type: connector.TypeString,
		Description: "For an organization: the sub-account to read, sent as the Account-Name header. Taken from api_key_file's subAccount when empty."},
	{Name: "key_id", Type: connector.TypeString,
		Description: "The API key's ID (keyId in the downloaded key file). Taken from api_key_file when empty."},
	{Name: "secret", Type: connector.TypeSecret,
		Description: "The API key's secret (secret in the downloaded key file). Taken from api_key_file when empty."},
	{Name: "api_key_file", Type: connector.TypeSecret,
		Description: "The API key JSON file an admin downloads from Settings > API keys, as is (for example ${file:PATH}): keyId, secret, account and subAccount are read from it; the settings above override it."},
	{Name: "allow_insecure_url", Type: connector.TypeBool, Default: false,
		Description: "Accept an http:// account_url. It exists only for the bundled emulator and tests: never set it for a real Lacework account."},
	{Name: "token_expiry", Type: connector.TypeDuration, Default: "1h",
		Description: "Lifetime asked for each access token (expiryTime), 1m to 24h; alertsync renews a token once 80% of it has passed."},
	{Name: "requests_per_minute", Type: connector.TypeInt, Default: 600,
		Description: "Local request budget per minute; each alert costs six scope requests. Lacework documents no rate limit: the default is a conservative guess and a 429's Retry-After is honoured. alertsync spends at most 90% of it; 0 disables it."},
	{Name: "alert_concurrency", Type: connector.TypeInt, Default: 16,
		Description: fmt.Sprintf("How many alerts a poll assembles at once, 1 to %d; each fetches its six scopes (Details, Investigation, Events, RelatedAlerts, Integrations, Timeline) together, so at most six times this many scope requests are in flight.", maxConcurrency)},
	{Name: "page_size", Type: connector.TypeInt, Default: 50,
		Description: fmt.Sprintf("Most alerts one poll assembles, 1 to %d.", maxPageSize)},
	{Name: "lookback", Type: connector.TypeDuration, Default: "168h",
		Description: "How far back the first poll reads, at most 2208h (92 days); it catches up seven days a request."},
	{Name: "overlap", Type: connector.TypeDuration, Default: "24h",
		Description: "How far before the last window's end each poll reads again: it catches alerts Lacework lists late and status changes (closed in the console) on recent alerts; re-read alerts are deduplicated. Under 168h."},
}

// settings is Config checked and turned into what the connector uses.
type settings struct {
	base                       string
	keyID, subAccount          string
	secret                     config.Secret
	expiry, lookback, overlap  time.Duration
	pageSize, concurrency, rpm int
}

// keyFile is the API key JSON file the console downloads (the Lacework
// CLI's apiKeyDetails): keyId and secret, and in newer files the account
// host ("myaccount.lacework.net") and subAccount.
type keyFile struct {
	KeyID      string `json:"keyId"`
	Secret     string `json:"secret"`
	Account    string `json:"account"`
	SubAccount string `json:"subAccount"`
}

func (c Config) check() (settings, error) {
	s := settings{keyID: strings.TrimSpace(c.KeyID), secret: c.Secret, subAccount: strings.TrimSpace(c.SubAccount),
		pageSize: c.PageSize, concurrency: c.AlertConcurrency, rpm: c.RequestsPerMinute}
	account := strings.TrimSpace(c.AccountURL)
	if raw := strings.TrimSpace(c.APIKeyFile.Reveal()); raw != "" {
		var f keyFile
		// The decoder's message may quote the file, so it is not kept.
		if err := json.Unmarshal([]byte(raw), &f); err != nil {
			return s, &connector.FieldError{Field: "api_key_file", Problem: "not the API key JSON file Lacework downloads"}
		}
		s.keyID = firstSet(s.keyID, f.KeyID)
		s.subAccount = firstSet(s.subAccount, strings.ToLower(f.SubAccount))
		account = firstSet(account, f.Account)
		if s.secret.IsZero() {
			s.secret = config.NewSecret(f.Secret)
		}
	}
	if err := s.credentials(account, c.AllowInsecureURL); err != nil {
		return s, err
	}
	return s, c.checkNumbers(&s)
}

// credentials checks the account URL and the key, whichever way they came.
func (s *settings) credentials(account string, insecure bool) error {
	if account == "" {
		return &connector.FieldError{Field: "account_url", Problem: "required (or api_key_file with an account)"}
	}
	base, err := accountBase(account, insecure)
	if err != nil {
		return &connector.FieldError{Field: "account_url", Problem: err.Error()}
	}
	s.base = base
	if s.keyID == "" {
		return &connector.FieldError{Field: "key_id", Problem: "required (or api_key_file)"}
	}
	if s.secret.IsZero() {
		return &connector.FieldError{Field: "secret", Problem: "required (or api_key_file)"}
	}
	return nil
}

// accountBase turns account_url into the API's base URL. An https:// URL
// is used as it is; a bare account name ("myaccount") or host name
// ("myaccount.fra.lacework.net", what the key file holds) gets https://,
// as the Go SDK builds https://<account>.lacework.net. Any other scheme,
// http:// included, is refused: the token exchange sends the secret, so
// the URL must start with https:// (unless insecure says it is an
// emulator's).
func accountBase(account string, insecure bool) (string, error) {
	account = strings.TrimRight(account, "/")
	if !strings.Contains(account, "://") {
		if strings.ContainsAny(account, "/:?#@ ") {
			return "", fmt.Errorf("%q is neither an https:// URL nor an account name", account)
		}
		if !strings.Contains(account, ".") {
			account += ".lacework.net"
		}
		account = "https://" + strings.ToLower(account)
	}
	u, err := url.Parse(account)
	if err != nil || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return "", fmt.Errorf("%q is not a URL of the form https://<account>.lacework.net", account)
	}
	if u.Scheme != "https" && (!insecure || u.Scheme != "http") {
		return "", fmt.Errorf("the account URL must start with https:// (got %s://)", u.Scheme)
	}
	return account, nil
}

func (c Config) checkNumbers(s *settings) error {
	var err error
	if s.expiry, err = time.ParseDuration(c.TokenExpiry); err != nil || s.expiry < time.Minute || s.expiry > maxTokenExpiry {
		return &connector.FieldError{Field: "token_expiry", Problem: "want 1m to 24h"}
	}
	if s.lookback, err = time.ParseDuration(c.Lookback); err != nil || s.lookback <= 0 || s.lookback > maxHistory {
		return &connector.FieldError{Field: "lookback", Problem: "want more than 0 and at most 2208h (92 days)"}
	}
	if s.overlap, err = time.ParseDuration(c.Overlap); err != nil || s.overlap < 0 || s.overlap >= maxWindow {
		return &connector.FieldError{Field: "overlap", Problem: "want 0 or more and under 168h"}
	}
	switch {
	case c.PageSize < 1 || c.PageSize > maxPageSize:
		return &connector.FieldError{Field: "page_size", Problem: fmt.Sprintf("want 1 to %d", maxPageSize)}
	case c.AlertConcurrency < 1 || c.AlertConcurrency > maxConcurrency:
		return &connector.FieldError{Field: "alert_concurrency", Problem: fmt.Sprintf("want 1 to %d", maxConcurrency)}
	case c.RequestsPerMinute < 0:
		return &connector.FieldError{Field: "requests_per_minute", Problem: "want 0 (none) or more"}
	}
	return nil
}

func firstSet(vs ...string) string {
	for _, v := range vs {
		if v = strings.TrimSpace(v); v != "" {
			return v
		}
	}
	return ""
}
