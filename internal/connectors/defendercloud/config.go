package defendercloud

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"

	"github.com/alertsync/alertsync/internal/config"
	"github.com/alertsync/alertsync/internal/connector"
)

// Defaults for the Azure public cloud; sovereign clouds override them.
const (
	DefaultTokenURL          = "https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token"
	DefaultARMBase           = "https://management.azure.com"
	DefaultScope             = "https://management.azure.com/.default"
	DefaultRequestsPerMinute = 600
)

// Config is the decoded settings of one Defender for Cloud integration.
type Config struct {
	TenantID          string        `json:"tenant_id"`
	ClientID          string        `json:"client_id"`
	ClientSecret      config.Secret `json:"client_secret"`
	TokenURL          string        `json:"token_url"`
	ARMBase           string        `json:"arm_base"`
	Scope             string        `json:"scope"`
	SubscriptionID    string        `json:"subscription_id"`
	RequestsPerMinute int           `json:"requests_per_minute"`
}

// Spec declares the settings; it drives decoding, validation, redaction,
// docs and the settings form.
var Spec = connector.ConfigSpec{
	{Name: "tenant_id", Type: connector.TypeString, Required: true,
		Description: "Microsoft Entra ID tenant (directory) ID or domain of the app registration."},
	{Name: "client_id", Type: connector.TypeString, Required: true,
		Description: "Application (client) ID of the app registration; it needs Security Reader to list alerts and Security Admin to change their state."},
	{Name: "client_secret", Type: connector.TypeSecret, Required: true,
		Description: "Client secret of the app registration."},
	{Name: "token_url", Type: connector.TypeString, Default: DefaultTokenURL,
		Description: "Entra ID v2 token endpoint; {tenant} is replaced with tenant_id."},
	{Name: "arm_base", Type: connector.TypeString, Default: DefaultARMBase,
		Description: "Azure Resource Manager endpoint."},
	{Name: "scope", Type: connector.TypeString, Default: DefaultScope,
		Description: "OAuth2 scope requested for ARM tokens."},
	{Name: "subscription_id", Type: connector.TypeString, Required: true,
		Description: "Azure subscription (GUID) whose Defender for Cloud alerts are synced."},
	{Name: "requests_per_minute", Type: connector.TypeInt, Default: DefaultRequestsPerMinute,
		Description: "Most ARM requests this integration sends per minute, spread evenly; 0 means no local limit (ARM still throttles with 429)."},
}

// guidShape is the shape ARM requires of subscription ids.
var guidShape = regexp.MustCompile(`^[0-9A-Fa-f]{8}-([0-9A-Fa-f]{4}-){3}[0-9A-Fa-f]{12}$`)

// check validates cfg, fills defaults for a Config built without the spec,
// and returns it with the token URL resolved.
func (c Config) check() (Config, error) {
	if c.TokenURL == "" {
		c.TokenURL = DefaultTokenURL
	}
	if c.ARMBase == "" {
		c.ARMBase = DefaultARMBase
	}
	if c.Scope == "" {
		c.Scope = DefaultScope
	}
	required := []struct{ name, v string }{
		{"tenant_id", c.TenantID}, {"client_id", c.ClientID}, {"client_secret", c.ClientSecret.Reveal()}, {"subscription_id", c.SubscriptionID},
	}
	for _, r := range required {
		if strings.TrimSpace(r.v) == "" {
			return c, &connector.FieldError{Field: r.name, Problem: "required"}
		}
	}
	if !guidShape.MatchString(c.SubscriptionID) {
		return c, &connector.FieldError{Field: "subscription_id", Problem: "want a GUID"}
	}
	c.TokenURL = strings.ReplaceAll(c.TokenURL, "{tenant}", url.PathEscape(c.TenantID))
	for _, f := range []struct{ name, v string }{{"token_url", c.TokenURL}, {"arm_base", c.ARMBase}} {
		if !absoluteHTTP(f.v) {
			return c, &connector.FieldError{Field: f.name, Problem: "want an absolute http(s) URL"}
		}
	}
	if c.RequestsPerMinute < 0 {
		return c, &connector.FieldError{Field: "requests_per_minute", Problem: fmt.Sprintf("want 0 or more, got %d", c.RequestsPerMinute)}
	}
	return c, nil
}

func absoluteHTTP(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}
