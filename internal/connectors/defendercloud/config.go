package defendercloud

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
	DefaultRequestsPerMinute = 600
)

// Config is the decoded settings of one Defender for Cloud integration.
type Config struct {
	entra.App                // tenant_id, client_id, client_secret, token_url, scope
	ARMBase           string `json:"arm_base"`
	SubscriptionID    string `json:"subscription_id"`
	RequestsPerMinute int    `json:"requests_per_minute"`

	entra entra.Checked // set by check
}

// Spec declares the settings; it drives decoding, validation, redaction,
// docs and the settings form. The Entra app's six settings (tenant_id,
// client_id, client_secret, token_url, arm_base, scope) come first, as in
// every Azure connector; only client_id's description is this connector's.
var Spec = slices.Concat(entra.AppSpec(entra.ARMAPI,
	"Application (client) ID of the app registration; it needs Security Reader to list alerts and Security Admin to change their state."),
	connector.ConfigSpec{
		{Name: "subscription_id", Type: connector.TypeString, Required: true,
			Description: "Azure subscription (GUID) whose Defender for Cloud alerts are synced."},
		{Name: "requests_per_minute", Type: connector.TypeInt, Default: DefaultRequestsPerMinute,
			Description: "ARM request quota per minute for this integration; alertsync spends at most 90% of it, spread evenly. 0 means no local limit (ARM still throttles with 429)."},
	})

// guidShape is the shape ARM requires of subscription ids.
var guidShape = regexp.MustCompile(`^[0-9A-Fa-f]{8}-([0-9A-Fa-f]{4}-){3}[0-9A-Fa-f]{12}$`)

// check validates cfg, fills defaults for a Config built without the spec,
// and returns it with its Entra app checked against ARM.
func (c Config) check() (Config, error) {
	var err error
	if c.entra, err = entra.ARMAPI.Check(c.App, c.ARMBase); err != nil {
		return c, err
	}
	if strings.TrimSpace(c.SubscriptionID) == "" {
		return c, &connector.FieldError{Field: "subscription_id", Problem: "required"}
	}
	if !guidShape.MatchString(c.SubscriptionID) {
		return c, &connector.FieldError{Field: "subscription_id", Problem: "want a GUID"}
	}
	if c.RequestsPerMinute < 0 {
		return c, &connector.FieldError{Field: "requests_per_minute", Problem: fmt.Sprintf("want 0 or more, got %d", c.RequestsPerMinute)}
	}
	return c, nil
}
