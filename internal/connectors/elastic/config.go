package elastic

import (
	"encoding/base64"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/alertsync/alertsync/internal/config"
	"github.com/alertsync/alertsync/internal/connector"
)

// maxPageSize is Elasticsearch's index.max_result_window default: a
// search asking for more hits is refused.
const maxPageSize = 10000

// Config is the decoded settings of one Elastic Security integration.
type Config struct {
	KibanaURL         string        `json:"kibana_url"`
	SpaceID           string        `json:"space_id"`
	APIKey            config.Secret `json:"api_key"`
	PageSize          int           `json:"page_size"`
	Overlap           string        `json:"overlap"`
	RequestsPerMinute int           `json:"requests_per_minute"`
}

// Spec declares the settings; it drives decoding, validation, redaction,
// docs and the settings form.
var Spec = connector.ConfigSpec{
	{Name: "kibana_url", Type: connector.TypeString, Required: true,
		Description: "Kibana base URL, such as https://my-deployment.kb.eu-west-1.aws.elastic.cloud or https://kibana.example.com:5601 (with Kibana's base path, if it has one)."},
	{Name: "space_id", Type: connector.TypeString, Default: "default",
		Description: "Kibana space whose alerts are synced; a space other than \"default\" is addressed as /s/{space_id}/api/..."},
	{Name: "api_key", Type: connector.TypeSecret, Required: true,
		Description: "Elasticsearch API key with the Security feature's alert privileges: either the \"encoded\" value of the create API key response, or \"id:api_key\"."},
	{Name: "page_size", Type: connector.TypeInt, Default: 500,
		Description: fmt.Sprintf("Alerts per search (size), 1 to %d.", maxPageSize)},
	{Name: "overlap", Type: connector.TypeDuration, Default: "5m",
		Description: "How far before the newest alert time seen each poll looks again, to catch alerts indexed late; re-read alerts are deduplicated."},
	{Name: "requests_per_minute", Type: connector.TypeInt, Default: defaultPerMinute,
		Description: "Local request budget per minute; alertsync spends at most 90% of it. Kibana documents no quota, so the default is a conservative guess. 0 disables it."},
}

// defaultPerMinute is the local budget when none is configured. Kibana
// publishes no rate limit for these routes (unconfirmed whether a
// deployment's proxy sets one); one request a second leaves a shared
// Kibana room for its own users.
const defaultPerMinute = 60

// spaceRe is what Kibana accepts as a space id.
var spaceRe = regexp.MustCompile(`^[a-z0-9_-]+$`)

// settings is Config checked and turned into what the connector uses.
type settings struct {
	base    string        // Kibana URL with the space prefix
	key     config.Secret // base64(id:api_key)
	raw     config.Secret // the key as configured, for redaction
	oddKey  bool          // the key is not in either form Elastic hands out
	overlap time.Duration
}

func (c Config) check() (settings, error) {
	var s settings
	u, err := url.Parse(strings.TrimSpace(c.KibanaURL))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return s, &connector.FieldError{Field: "kibana_url", Problem: "want an absolute https URL such as https://kibana.example.com:5601"}
	}
	space := c.SpaceID
	if space == "" {
		space = "default"
	}
	if !spaceRe.MatchString(space) {
		return s, &connector.FieldError{Field: "space_id", Problem: "want a Kibana space id: lower-case letters, digits, '_' and '-'"}
	}
	s.base = strings.TrimRight(u.String(), "/")
	if space != "default" {
		s.base += "/s/" + space
	}
	if s.key, s.oddKey, err = encodeKey(c.APIKey); err != nil {
		return s, err
	}
	s.raw = c.APIKey
	if s.overlap, err = time.ParseDuration(orDefault(c.Overlap, "5m")); err != nil || s.overlap < 0 {
		return s, &connector.FieldError{Field: "overlap", Problem: "want a duration of zero or more such as \"5m\""}
	}
	if c.PageSize < 1 || c.PageSize > maxPageSize {
		return s, &connector.FieldError{Field: "page_size", Problem: fmt.Sprintf("want 1 to %d", maxPageSize)}
	}
	if c.RequestsPerMinute < 0 {
		return s, &connector.FieldError{Field: "requests_per_minute", Problem: "want 0 (no local budget) or more"}
	}
	return s, nil
}

// encodeKey accepts the two forms Elastic hands out: the "encoded" value
// (base64 of "id:api_key", which has no colon) as is, and "id:api_key",
// which it encodes. A pasted "ApiKey " prefix is dropped. A value without
// a colon that does not decode to "id:api_key" is still used as given
// (odd reports it, for a warning): Kibana's 401 on the first call then
// says more than a guess here could. Errors never quote the key.
func encodeKey(k config.Secret) (key config.Secret, odd bool, err error) {
	v := strings.TrimSpace(k.Reveal())
	if rest, ok := strings.CutPrefix(v, "ApiKey "); ok {
		v = strings.TrimSpace(rest)
	}
	if v == "" {
		return config.Secret{}, false, &connector.FieldError{Field: "api_key", Problem: "required"}
	}
	if id, secret, ok := strings.Cut(v, ":"); ok {
		if id == "" || secret == "" {
			return config.Secret{}, false, &connector.FieldError{Field: "api_key", Problem: "want \"id:api_key\" with both parts, or the encoded key"}
		}
		return config.NewSecret(base64.StdEncoding.EncodeToString([]byte(v))), false, nil
	}
	return config.NewSecret(v), !looksEncoded(v), nil
}

// looksEncoded reports whether v is base64 of "id:api_key".
func looksEncoded(v string) bool {
	raw, err := base64.StdEncoding.DecodeString(v)
	return err == nil && strings.Contains(string(raw), ":")
}

func orDefault(v, def string) string {
	if strings.TrimSpace(v) == "" {
		return def
	}
	return v
}
