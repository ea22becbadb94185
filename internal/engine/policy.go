package engine

import (
	"github.com/alertsync/alertsync/internal/config"
	"github.com/alertsync/alertsync/internal/model"
)

// Policy is the resolved per-integration sync policy.
type Policy struct {
	CommentSync            bool `json:"comment_sync"`
	CloseOnNotAThreat      bool `json:"close_on_not_a_threat"`
	CloseOnSuspicious      bool `json:"close_on_suspicious"`
	CloseOnPublishedThreat bool `json:"close_on_published_threat"`
	// CommentEachPass comments at every correlation pass instead of only
	// when a pass found something new, and at the last pass.
	CommentEachPass bool         `json:"comment_each_pass"`
	AutoValidate    AutoValidate `json:"auto_validate"`
}

// AutoValidate is the per-integration policy that puts newly ingested
// open alerts under validation; validation is otherwise a decision an
// analyst or a rule makes.
type AutoValidate struct {
	Enabled bool `json:"enabled"`
	// MinSeverity skips alerts below it ("" or unknown: every alert).
	MinSeverity model.Severity `json:"min_severity,omitempty"`
	// MaxActive caps this integration's alerts under validation at once,
	// counting those an analyst started.
	MaxActive int `json:"max_active"`
}

// DefaultMaxActiveValidations is AutoValidate.MaxActive when unset.
const DefaultMaxActiveValidations = 200

// Admits reports whether a new alert of severity sev may be put under
// validation while active alerts of the integration already are.
func (a AutoValidate) Admits(sev model.Severity, active int) bool {
	if !a.Enabled || active >= a.MaxActive {
		return false
	}
	return model.OCSFSeverityID(sev) >= model.OCSFSeverityID(a.MinSeverity)
}

// DefaultPolicy is what an integration gets when its config says nothing:
// comments off until enabled, close benign alerts, leave suspicious ones
// open, close published threats as true positives, comment on validation
// passes only when they find something new, no auto-validation.
func DefaultPolicy() Policy {
	return Policy{CommentSync: false, CloseOnNotAThreat: true, CloseOnSuspicious: false, CloseOnPublishedThreat: true,
		AutoValidate: AutoValidate{MaxActive: DefaultMaxActiveValidations}}
}

// PolicyFrom applies the fields set in c over the defaults.
func PolicyFrom(c config.Policy) Policy {
	p := DefaultPolicy()
	set := func(dst *bool, src *bool) {
		if src != nil {
			*dst = *src
		}
	}
	set(&p.CommentSync, c.CommentSync)
	set(&p.CloseOnNotAThreat, c.CloseOnNotAThreat)
	set(&p.CloseOnSuspicious, c.CloseOnSuspicious)
	set(&p.CloseOnPublishedThreat, c.CloseOnPublishedThreat)
	set(&p.CommentEachPass, c.CommentEachPass)
	if av := c.AutoValidate; av != nil {
		p.AutoValidate.Enabled = av.Enabled
		p.AutoValidate.MinSeverity = model.Severity(av.MinSeverity)
		if av.MaxActive > 0 {
			p.AutoValidate.MaxActive = av.MaxActive
		}
	}
	return p
}

// Decision is what a verdict means for the source alert.
type Decision struct {
	// Status is the state to write to the source; "" means write nothing.
	Status model.Status
	// Close reports whether the alert is closed by this verdict.
	Close bool
	// Text is the comment that says alertsync did it and why.
	Text string
}

// Decide applies the policy to a verdict. A threat that is not published
// counts as suspicious, as in the policy wording.
func (p Policy) Decide(v model.Verdict, published bool) Decision {
	switch {
	case v == model.VerdictNotAThreat && p.CloseOnNotAThreat:
		return Decision{Status: model.StatusResolved, Close: true, Text: textNotAThreatClosed}
	case v == model.VerdictNotAThreat:
		return Decision{Text: textNotAThreatOpen}
	case v == model.VerdictThreat && published && p.CloseOnPublishedThreat:
		return Decision{Status: model.StatusResolved, Close: true, Text: textThreatClosed}
	case v == model.VerdictThreat && published:
		return Decision{Status: model.StatusInProgress, Text: textThreatOpen}
	case p.CloseOnSuspicious:
		return Decision{Status: model.StatusResolved, Close: true, Text: suspiciousText(v, true)}
	}
	return Decision{Status: model.StatusInProgress, Text: suspiciousText(v, false)}
}
