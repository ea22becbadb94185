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
}

// DefaultPolicy is what an integration gets when its config says nothing:
// comments off until enabled, close benign alerts, leave suspicious ones
// open, close published threats as true positives.
func DefaultPolicy() Policy {
	return Policy{CommentSync: false, CloseOnNotAThreat: true, CloseOnSuspicious: false, CloseOnPublishedThreat: true}
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
