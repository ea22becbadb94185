package sentinel

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/alertsync/alertsync/internal/connector"
	"github.com/alertsync/alertsync/internal/model"
)

var statusOf = map[string]model.Status{
	StatusNew:    model.StatusNew,
	StatusActive: model.StatusInProgress,
	StatusClosed: model.StatusResolved,
}

var severityOf = map[string]model.Severity{
	"informational": model.SeverityInformational,
	"low":           model.SeverityLow,
	"medium":        model.SeverityMedium,
	"high":          model.SeverityHigh,
}

// mapItem maps one listed incident with the SystemAlertIds of its member
// alerts. Whatever goes wrong, Raw is kept and Err says why.
func mapItem(integration string, r rawIncident, alertIDs []string) connector.IncidentItem {
	it := connector.IncidentItem{VendorID: r.inc.Name, Raw: r.raw}
	if r.err != nil {
		it.Err = fmt.Errorf("decode sentinel incident: %w", r.err)
		return it
	}
	in, err := mapIncident(integration, r.inc, alertIDs)
	if err != nil {
		it.Err = err
		return it
	}
	in.Raw = r.raw
	it.Incident = in
	return it
}

// classifications maps a closed incident's classification to the
// canonical words the engine's reconciliation reads.
var classifications = map[string]string{
	ClassTruePositive:   model.ClassTruePositive,
	ClassBenignPositive: model.ClassBenignPositive,
	ClassFalsePositive:  model.ClassFalsePositive,
	ClassUndetermined:   model.ClassUndetermined,
}

// mapIncident turns a Sentinel incident into the canonical incident. Its
// member alerts are named by SystemAlertId, the key Defender for Cloud
// alerts are stored under, so the engine links them across integrations.
func mapIncident(integration string, w incident, alertIDs []string) (*model.Incident, error) {
	p := w.Properties
	if w.Name == "" {
		return nil, errors.New("sentinel incident has no name")
	}
	if strings.TrimSpace(p.Title) == "" {
		return nil, fmt.Errorf("sentinel incident %s has no title", w.Name)
	}
	in := &model.Incident{
		Integration:  integration,
		VendorID:     w.Name,
		Title:        p.Title,
		Description:  p.Description,
		Severity:     severity(p.Severity),
		Status:       status(p.Status),
		RemoteStatus: p.Status,
		RemoteAlerts: alertIDs,
	}
	if p.Status == StatusClosed {
		in.Classification = classifications[p.Classification]
	}
	var err error
	if in.CreatedAt, err = parseTime(p.CreatedTimeUtc); err != nil {
		return nil, fmt.Errorf("sentinel incident %s: %w", w.Name, err)
	}
	if in.UpdatedAt, err = parseTime(p.LastModifiedTimeUtc); err != nil {
		return nil, fmt.Errorf("sentinel incident %s: %w", w.Name, err)
	}
	return in, nil
}

// memberIDs returns the SystemAlertIds of an incident's alerts, in order.
func memberIDs(l alertList) []string {
	out := make([]string, 0, len(l.Value))
	for _, a := range l.Value {
		id := a.Properties.SystemAlertID
		if id == "" {
			id = a.Name
		}
		if id != "" {
			out = append(out, id)
		}
	}
	return out
}

func status(s string) model.Status {
	if st, ok := statusOf[s]; ok {
		return st
	}
	return model.StatusUnknown
}

func severity(s string) model.Severity {
	if sv, ok := severityOf[strings.ToLower(s)]; ok {
		return sv
	}
	return model.SeverityUnknown
}

func parseTime(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err == nil {
		err = connector.CheckTime("time", t)
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("parse time %q: %w", s, err)
	}
	return t.UTC(), nil
}

// remoteStatus is the Sentinel status for a canonical one. Sentinel has no
// suppressed state: a suppressed incident is closed (as benign, see
// classificationFor).
func remoteStatus(s model.Status) (string, error) {
	switch s {
	case model.StatusNew:
		return StatusNew, nil
	case model.StatusInProgress:
		return StatusActive, nil
	case model.StatusResolved, model.StatusSuppressed:
		return StatusClosed, nil
	}
	return "", connector.Permanent("sentinel has no incident status for %q", s)
}

// classificationFor picks what a close is classified as. The change's own
// Classification (the target vocabulary, from a reconciliation mapping)
// wins. Otherwise the verdict decides: not_a_threat closes as
// BenignPositive / SuspiciousButExpected, the pair the Defender for Cloud
// sync Logic App uses for dismissed alerts, because alertsync's verdict
// says the activity was harmless, not that the analytic rule is wrong
// (FalsePositive / IncorrectAlertLogic would count against the rule);
// threat closes as TruePositive / SuspiciousActivity. A suppression
// without verdict is benign like not_a_threat; anything else is
// Undetermined, which takes no reason.
func classificationFor(ch connector.StateChange) (class, reason string) {
	if ch.Classification != "" {
		return ch.Classification, ch.ClassificationReason
	}
	switch {
	case ch.Verdict == model.VerdictThreat:
		return ClassTruePositive, ReasonSuspiciousActivity
	case ch.Verdict == model.VerdictNotAThreat, ch.Verdict == "" && ch.Status == model.StatusSuppressed:
		return ClassBenignPositive, ReasonSuspiciousButExpected
	}
	return ClassUndetermined, ""
}
