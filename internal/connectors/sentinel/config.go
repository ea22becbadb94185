package sentinel

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/alertsync/alertsync/internal/connector"
	"github.com/alertsync/alertsync/internal/connector/httpkit/entra"
)

// Defaults for the Azure public cloud; sovereign clouds override them.
const (
	DefaultTokenURL          = entra.TokenURL
	DefaultARMBase           = entra.ARMBase
	DefaultScope             = entra.ARMScope
	DefaultPageSize          = 200
	MaxPageSize              = 1000 // Incidents_List $top maximum
	DefaultRequestsPerMinute = 600
)

// Config is the decoded settings of one Sentinel workspace integration.
type Config struct {
	entra.App                // tenant_id, client_id, client_secret, token_url, scope
	ARMBase           string `json:"arm_base"`
	SubscriptionID    string `json:"subscription_id"`
	ResourceGroup     string `json:"resource_group"`
	WorkspaceName     string `json:"workspace_name"`
	PageSize          int    `json:"page_size"`
	RequestsPerMinute int    `json:"requests_per_minute"`

	entra entra.Checked // set by check
}

// Spec declares the settings; it drives decoding, validation, redaction,
// docs and the settings form. The Entra app's six settings (tenant_id,
// client_id, client_secret, token_url, arm_base, scope) come first, as in
// every Azure connector; only client_id's description is this connector's.
var Spec = slices.Concat(entra.AppSpec(entra.ARMAPI,
	"Application (client) ID of the app registration; it needs the Microsoft Sentinel Responder role on the workspace."),
	connector.ConfigSpec{
		{Name: "subscription_id", Type: connector.TypeString, Required: true,
			Description: "Azure subscription (GUID) of the Sentinel workspace."},
		{Name: "resource_group", Type: connector.TypeString, Required: true,
			Description: "Resource group of the Log Analytics workspace Sentinel runs on."},
		{Name: "workspace_name", Type: connector.TypeString, Required: true,
			Description: "Name of the Log Analytics workspace Sentinel runs on."},
		{Name: "page_size", Type: connector.TypeInt, Default: DefaultPageSize,
			Description: "Incidents per list request ($top), 1 to 1000. Each new or changed incident costs one more request for its alerts."},
		{Name: "requests_per_minute", Type: connector.TypeInt, Default: DefaultRequestsPerMinute,
			Description: "ARM request quota per minute for this integration; alertsync spends at most 90% of it, spread evenly. 0 means no local limit (ARM still throttles with 429)."},
	})

var (
	guidShape      = regexp.MustCompile(`^[0-9A-Fa-f]{8}-([0-9A-Fa-f]{4}-){3}[0-9A-Fa-f]{12}$`)
	groupShape     = regexp.MustCompile(`^[-\w._()]{1,90}$`)
	workspaceShape = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9-]{0,88}[A-Za-z0-9]$`)
)

// check validates cfg, fills defaults for a Config built without the spec,
// and returns it with its Entra app checked against ARM.
func (c Config) check() (Config, error) {
	if c.PageSize == 0 {
		c.PageSize = DefaultPageSize
	}
	var err error
	if c.entra, err = entra.ARMAPI.Check(c.App, c.ARMBase); err != nil {
		return c, err
	}
	required := []struct{ name, v string }{
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
	if c.PageSize < 1 || c.PageSize > MaxPageSize {
		return c, &connector.FieldError{Field: "page_size", Problem: fmt.Sprintf("want 1 to %d, got %d", MaxPageSize, c.PageSize)}
	}
	if c.RequestsPerMinute < 0 {
		return c, &connector.FieldError{Field: "requests_per_minute", Problem: fmt.Sprintf("want 0 or more, got %d", c.RequestsPerMinute)}
	}
	return c, nil
}
