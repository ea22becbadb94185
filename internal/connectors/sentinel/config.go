package sentinel

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
	DefaultPageSize          = 200
	MaxPageSize              = 1000 // Incidents_List $top maximum
	DefaultRequestsPerMinute = 600
)

// Config is the decoded settings of one Sentinel workspace integration.
type Config struct {
	TenantID          string        `json:"tenant_id"`
	ClientID          string        `json:"client_id"`
	ClientSecret      config.Secret `json:"client_secret"`
	TokenURL          string        `json:"token_url"`
	ARMBase           string        `json:"arm_base"`
	Scope             string        `json:"scope"`
	SubscriptionID    string        `json:"subscription_id"`
	ResourceGroup     string        `json:"resource_group"`
	WorkspaceName     string        `json:"workspace_name"`
	PageSize          int           `json:"page_size"`
	RequestsPerMinute int           `json:"requests_per_minute"`
}

// Spec declares the settings; it drives decoding, validation, redaction,
// docs and the settings form.
var Spec = connector.ConfigSpec{
	{Name: "tenant_id", Type: connector.TypeString, Required: true,
		Description: "Microsoft Entra ID tenant (directory) ID or domain of the app registration."},
	{Name: "client_id", Type: connector.TypeString, Required: true,
		Description: "Application (client) ID of the app registration; it needs the Microsoft Sentinel Responder role on the workspace."},
	{Name: "client_secret", Type: connector.TypeSecret, Required: true,
		Description: "Client secret of the app registration."},
	{Name: "token_url", Type: connector.TypeString, Default: DefaultTokenURL,
		Description: "Entra ID v2 token endpoint; {tenant} is replaced with tenant_id."},
	{Name: "arm_base", Type: connector.TypeString, Default: DefaultARMBase,
		Description: "Azure Resource Manager endpoint."},
	{Name: "scope", Type: connector.TypeString, Default: DefaultScope,
		Description: "OAuth2 scope requested for ARM tokens."},
	{Name: "subscription_id", Type: connector.TypeString, Required: true,
		Description: "Azure subscription (GUID) of the Sentinel workspace."},
	{Name: "resource_group", Type: connector.TypeString, Required: true,
		Description: "Resource group of the Log Analytics workspace Sentinel runs on."},
	{Name: "workspace_name", Type: connector.TypeString, Required: true,
		Description: "Name of the Log Analytics workspace Sentinel runs on."},
	{Name: "page_size", Type: connector.TypeInt, Default: DefaultPageSize,
		Description: "Incidents per list request ($top), 1 to 1000. Each new or changed incident costs one more request for its alerts."},
	{Name: "requests_per_minute", Type: connector.TypeInt, Default: DefaultRequestsPerMinute,
		Description: "Most ARM requests this integration sends per minute, spread evenly; 0 means no local limit (ARM still throttles with 429)."},
}

var (
	guidShape      = regexp.MustCompile(`^[0-9A-Fa-f]{8}-([0-9A-Fa-f]{4}-){3}[0-9A-Fa-f]{12}$`)
	groupShape     = regexp.MustCompile(`^[-\w._()]{1,90}$`)
	workspaceShape = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9-]{0,88}[A-Za-z0-9]$`)
)

// check validates cfg, fills defaults for a Config built without the spec,
// and returns it with the token URL resolved.
func (c Config) check() (Config, error) {
	c.TokenURL = orDefault(c.TokenURL, DefaultTokenURL)
	c.ARMBase = orDefault(c.ARMBase, DefaultARMBase)
	c.Scope = orDefault(c.Scope, DefaultScope)
	if c.PageSize == 0 {
		c.PageSize = DefaultPageSize
	}
	required := []struct{ name, v string }{
		{"tenant_id", c.TenantID}, {"client_id", c.ClientID}, {"client_secret", c.ClientSecret.Reveal()},
		{"subscription_id", c.SubscriptionID}, {"resource_group", c.ResourceGroup}, {"workspace_name", c.WorkspaceName},
	}
	for _, r := range required {
		if strings.TrimSpace(r.v) == "" {
			return c, &connector.FieldError{Field: r.name, Problem: "required"}
		}
	}
	shapes := []struct {
		name, v, want string
		re            *regexp.Regexp
	}{
		{"subscription_id", c.SubscriptionID, "a GUID", guidShape},
		{"resource_group", c.ResourceGroup, "1-90 letters, digits, '-', '_', '.', '(' or ')'", groupShape},
		{"workspace_name", c.WorkspaceName, "2-90 letters, digits or inner hyphens", workspaceShape},
	}
	for _, s := range shapes {
		if !s.re.MatchString(s.v) {
			return c, &connector.FieldError{Field: s.name, Problem: "want " + s.want}
		}
	}
	c.TokenURL = strings.ReplaceAll(c.TokenURL, "{tenant}", url.PathEscape(c.TenantID))
	for _, f := range []struct{ name, v string }{{"token_url", c.TokenURL}, {"arm_base", c.ARMBase}} {
		if u, err := url.Parse(f.v); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return c, &connector.FieldError{Field: f.name, Problem: "want an absolute http(s) URL"}
		}
	}
	if c.PageSize < 1 || c.PageSize > MaxPageSize {
		return c, &connector.FieldError{Field: "page_size", Problem: fmt.Sprintf("want 1 to %d, got %d", MaxPageSize, c.PageSize)}
	}
	if c.RequestsPerMinute < 0 {
		return c, &connector.FieldError{Field: "requests_per_minute", Problem: fmt.Sprintf("want 0 or more, got %d", c.RequestsPerMinute)}
	}
	return c, nil
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
