package elastic

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/alertsync/alertsync/internal/connector"
	"github.com/alertsync/alertsync/internal/model"
)

// severities maps kibana.alert.severity to canonical severity; anything
// else is quarantined rather than guessed.
var severities = map[string]model.Severity{
	"low": model.SeverityLow, "medium": model.SeverityMedium, "high": model.SeverityHigh, "critical": model.SeverityCritical,
}

// severityOfRisk is Kibana's own banding of a risk score (0-21 low,
// 22-47 medium, 48-73 high, 74-100 critical), for an alert that carries
// a risk score but no severity.
func severityOfRisk(score float64) model.Severity {
	switch {
	case score <= 21:
		return model.SeverityLow
	case score <= 47:
		return model.SeverityMedium
	case score <= 73:
		return model.SeverityHigh
	}
	return model.SeverityCritical
}

// statusIn maps kibana.alert.workflow_status to canonical status
// (docs/mappings.md, "Elastic Security status read back"). in-progress is
// the legacy spelling of acknowledged. A closed alert is resolved
// whatever its close reason; the reason stays in Raw.
var statusIn = map[string]model.Status{
	"open": model.StatusNew, "acknowledged": model.StatusInProgress, "in-progress": model.StatusInProgress, "closed": model.StatusResolved,
}

// mapAlert maps one search hit (the raw hit: _id, _index, _source).
// Whatever goes wrong, Raw is kept verbatim and Err says why, so the
// engine quarantines it.
func mapAlert(integration string, raw json.RawMessage) connector.Item {
	return connector.DecodeAlert(raw, "elastic alert", func(h hitWire) string { return h.ID },
		func(h hitWire) (*model.Alert, error) { return toAlert(integration, h) })
}

func toAlert(integration string, h hitWire) (*model.Alert, error) {
	src := source(h.Source)
	title := strings.TrimSpace(src.str("kibana.alert.rule.name"))
	if h.ID == "" || title == "" {
		return nil, errors.New("elastic alert without _id or kibana.alert.rule.name")
	}
	sev, err := severityOf(h.ID, src)
	if err != nil {
		return nil, err
	}
	created, err := timeField(h.ID, src, fieldTimestamp, true)
	if err != nil {
		return nil, err
	}
	changed, err := timeField(h.ID, src, fieldStatusAt, false)
	if err != nil {
		return nil, err
	}
	remote := src.str(fieldStatus)
	st, ok := statusIn[remote]
	if !ok {
		st = model.StatusUnknown
	}
	return &model.Alert{
		Integration: integration, VendorID: h.ID, Title: title, Description: src.str("kibana.alert.reason"),
		Severity: sev, Status: st, RemoteStatus: remote, Source: src.str("kibana.alert.rule.type"),
		CreatedAt: created, UpdatedAt: later(created, changed), Entities: entities(src),
	}, nil
}

// severityOf reads kibana.alert.severity, falling back on the risk score.
func severityOf(id string, src source) (model.Severity, error) {
	if s := src.str("kibana.alert.severity"); s != "" {
		sev, ok := severities[s]
		if !ok {
			return "", fmt.Errorf("elastic alert %s: unknown severity %q", id, s)
		}
		return sev, nil
	}
	if score, ok := src.num("kibana.alert.risk_score"); ok {
		return severityOfRisk(score), nil
	}
	return model.SeverityUnknown, nil
}

// timeField parses a date field; a missing optional one is the zero time.
func timeField(id string, src source, field string, required bool) (time.Time, error) {
	v := src.str(field)
	if v == "" {
		if required {
			return time.Time{}, fmt.Errorf("elastic alert %s: no %s", id, field)
		}
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		return time.Time{}, fmt.Errorf("elastic alert %s: %s %q: %w", id, field, v, err)
	}
	return t.UTC(), nil
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// entities collects the observables of the alert's source event: the
// host, the user (user.name, and user.email when the event has one, so
// UPN-keyed alerts of other vendors correlate), the source and
// destination addresses, the process and its hash. host.ip is left out:
// it names the host's own addresses, which would tie every alert on it
// together.
func entities(src source) model.Entities {
	e := model.Entities{
		Hosts: src.strs("host.name"),
		Users: append(src.strs("user.name"), src.strs("user.email")...),
		IPs:   append(src.strs("source.ip"), src.strs("destination.ip")...),
	}
	e.Processes = src.strs("process.name")
	for _, f := range []string{"process.hash.sha256", "file.hash.sha256"} {
		e.FileHashes = append(e.FileHashes, src.strs(f)...)
	}
	return e.Normalize()
}

// What alertsync writes back (docs/mappings.md, "Elastic Security
// write-back"): the status from the sync policy's canonical status, and a
// close reason from the verdict, only with closed (Kibana refuses a
// reason on any other status).
//
//	canonical status       verdict              status        reason
//	new                    any                  open          -
//	in_progress            any                  acknowledged  -
//	resolved, suppressed   not_a_threat         closed        false_positive
//	resolved, suppressed   threat, published    closed        true_positive
//	resolved, suppressed   any other            closed        -
//
// "-" sends no reason. A suspicious alert the policy closes gets none:
// alertsync has established neither a true nor a false positive, and
// "other" would claim a reason nobody gave. A reconciliation mapping's
// Classification, when set, is the reason instead (a space's own reason
// included).
var statusOut = map[model.Status]string{
	model.StatusNew: "open", model.StatusInProgress: "acknowledged",
	model.StatusResolved: "closed", model.StatusSuppressed: "closed",
}

// closeReasons maps a verdict to the predefined close reason it means.
var closeReasons = map[verdictKey]string{
	{model.VerdictNotAThreat, false}: "false_positive",
	{model.VerdictThreat, true}:      "true_positive",
}

type verdictKey struct {
	verdict   model.Verdict
	published bool
}

// write is one status write: the status and, with closed, the reason.
type write struct {
	status, reason string
}

func writeFor(ch connector.StateChange) (write, error) {
	if ch.Kind == model.KindIncident {
		return write{}, connector.Unsupported
	}
	st, ok := statusOut[ch.Status]
	if !ok {
		return write{}, connector.Permanent("elastic security has no alert status for %q", ch.Status)
	}
	w := write{status: st}
	if st == "closed" {
		w.reason = closeReasons[verdictKey{ch.Verdict, ch.Published && ch.Verdict == model.VerdictThreat}]
		if ch.Classification != "" {
			w.reason = ch.Classification
		}
	}
	return w, nil
}
