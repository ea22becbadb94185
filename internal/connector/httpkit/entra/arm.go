package entra

import "github.com/alertsync/alertsync/internal/connector/httpkit"

// Azure Resource Manager defaults for the Azure public cloud; sovereign
// clouds override them.
const (
	ARMBase  = "https://management.azure.com"
	ARMScope = "https://management.azure.com/.default"
)

// ARMAPI is Azure Resource Manager, which every Azure connector calls.
var ARMAPI = API{
	BaseField:       "arm_base",
	BaseDefault:     ARMBase,
	BaseDescription: "Azure Resource Manager endpoint.",
	ScopeDefault:    ARMScope,
}

// ARMAccessPending classifies the 403s Azure Resource Manager answers while
// a principal's access is still being set up: InsufficientAccessError (the
// Defender for Cloud → Sentinel seed's known issue: the first run fails, an
// immediate rerun works) and AuthorizationFailed, which a role assignment
// that has not propagated yet also produces. Both are retryable, so the
// outbox and the poller back off and try again; an app that truly lacks
// the role keeps failing until its attempts run out, and any other 403 is
// still auth. Every ARM connector passes it as its Classify hook.
var ARMAccessPending = httpkit.RetryForbidden("InsufficientAccessError", "AuthorizationFailed")
