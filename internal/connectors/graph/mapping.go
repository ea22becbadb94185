package graph

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/alertsync/alertsync/internal/connector"
	"github.com/alertsync/alertsync/internal/model"
)

// serviceSources are the microsoft.graph.security.serviceSource members of
// the v1.0 CSDL, in declaration order. Members after unknownFutureValue only
// come back when the request carries "Prefer: include-unknown-enum-members",
// which every request of this connector does.
var serviceSources = []string{
	"unknown", "microsoftDefenderForEndpoint", "microsoftDefenderForIdentity", "microsoftDefenderForCloudApps",
	"microsoftDefenderForOffice365", "microsoft365Defender", "azureAdIdentityProtection", "microsoftAppGovernance",
	"dataLossPrevention", "unknownFutureValue", "microsoftDefenderForCloud", "microsoftSentinel",
	"microsoftInsiderRiskManagement", "microsoftThreatIntelligence", "microsoftSecurityForAI",
}

// severities maps alertSeverity to canonical severity. Anything else
// (unknownFutureValue, a member added later) is quarantined rather than
// guessed, so a new Microsoft value shows up instead of being mis-ranked.
var severities = map[string]model.Severity{
	"unknown":       model.SeverityUnknown,
	"informational": model.SeverityInformational,
	"low":           model.SeverityLow,
	"medium":        model.SeverityMedium,
	"high":          model.SeverityHigh,
}

// alertStatuses maps alertStatus to canonical status.
var alertStatuses = map[string]model.Status{
	"new":                model.StatusNew,
	"inProgress":         model.StatusInProgress,
	"resolved":           model.StatusResolved,
	"unknown":            model.StatusUnknown,
	"unknownFutureValue": model.StatusUnknown,
}

// incidentStatuses maps incidentStatus to canonical status. awaitingAction
// (set by Defender Experts, waiting on the customer) is open work;
// redirected means Microsoft merged the incident into another one, so
// nothing is left to do on this one.
var incidentStatuses = map[string]model.Status{
	"active":             model.StatusNew,
	"inProgress":         model.StatusInProgress,
	"awaitingAction":     model.StatusInProgress,
	"resolved":           model.StatusResolved,
	"redirected":         model.StatusResolved,
	"unknownFutureValue": model.StatusUnknown,
}

// mapAlert maps one alerts_v2 entry. Whatever goes wrong, Raw is kept
// verbatim and Err says why, so the engine quarantines it.
func mapAlert(integration string, raw json.RawMessage) connector.Item {
	return connector.DecodeAlert(raw, "graph alert", func(w alertWire) string { return w.ID },
		func(w alertWire) (*model.Alert, error) { return toAlert(integration, w) })
}

func toAlert(integration string, w alertWire) (*model.Alert, error) {
	if w.ID == "" || strings.TrimSpace(w.Title) == "" {
		return nil, errors.New("graph alert without id or title")
	}
	sev, ok := severities[w.Severity]
	if !ok {
		return nil, fmt.Errorf("graph alert %s: unknown severity %q", w.ID, w.Severity)
	}
	created, updated, err := times(w.CreatedDateTime, w.LastUpdateDateTime)
	if err != nil {
		return nil, fmt.Errorf("graph alert %s: %w", w.ID, err)
	}
	return &model.Alert{
		Integration: integration, VendorID: w.ID, Title: w.Title, Description: w.Description,
		Severity: sev, Status: statusOr(alertStatuses, w.Status), RemoteStatus: w.Status,
		Source: w.ServiceSource, CreatedAt: created, UpdatedAt: updated,
		RemoteParent: w.IncidentID, Entities: entities(w.Evidence), SameAs: sameAs(w),
	}, nil
}

// sameAs names the Defender for Cloud record of an alert Graph lists on
// that product's behalf (serviceSource microsoftDefenderForCloud), by the
// ARM alert name Graph gives as providerAlertId, so the engine links the
// two records as one alert. Other products' alerts reach alertsync
// through Graph only. A providerAlertId no store could hold as an id
// names no record, and would make PostgreSQL refuse the alert itself.
func sameAs(w alertWire) string {
	if w.ServiceSource != "microsoftDefenderForCloud" || model.CheckVendorID(w.ProviderAlertID) != nil {
		return ""
	}
	return "defendercloud:" + w.ProviderAlertID
}

// statusOr maps a vendor status, treating one we do not know as unknown:
// unlike severity, an unknown status does not make the alert unusable.
func statusOr(m map[string]model.Status, s string) model.Status {
	if st, ok := m[s]; ok {
		return st
	}
	return model.StatusUnknown
}

// times parses createdDateTime and lastUpdateDateTime; a missing
// lastUpdateDateTime means the alert never changed after creation.
func times(created, updated string) (time.Time, time.Time, error) {
	c, err := parseTime(created)
	if err != nil {
		return time.Time{}, time.Time{}, fmt.Errorf("createdDateTime %q: %w", created, err)
	}
	if updated == "" {
		return c.UTC(), c.UTC(), nil
	}
	u, err := parseTime(updated)
	if err != nil {
		return time.Time{}, time.Time{}, fmt.Errorf("lastUpdateDateTime %q: %w", updated, err)
	}
	return c.UTC(), u.UTC(), nil
}

// parseTime reads a DateTimeOffset that alertsync can keep (see
// connector.CheckTime).
func parseTime(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, err
	}
	return t, connector.CheckTime("time", t)
}

// entities collects observables from the evidence subtypes alertsync
// correlates on; other subtypes (mailbox, cloud app, registry...) are kept
// only in Raw.
func entities(evs []evidenceWire) model.Entities {
	var e model.Entities
	for _, ev := range evs {
		switch strings.TrimPrefix(ev.ODataType, "#") {
		case "microsoft.graph.security.deviceEvidence":
			e.Hosts = append(e.Hosts, firstNonEmpty(ev.DeviceDNSName, ev.HostName))
		case "microsoft.graph.security.userEvidence":
			if ev.UserAccount != nil {
				e.Users = append(e.Users, firstNonEmpty(ev.UserAccount.UserPrincipalName, ev.UserAccount.AccountName))
			}
		case "microsoft.graph.security.ipEvidence":
			e.IPs = append(e.IPs, ev.IPAddress)
		case "microsoft.graph.security.fileEvidence":
			if ev.FileDetails != nil {
				e.FileHashes = append(e.FileHashes, firstNonEmpty(ev.FileDetails.SHA256, ev.FileDetails.SHA1))
			}
		case "microsoft.graph.security.processEvidence":
			if ev.ImageFile != nil {
				e.Processes = append(e.Processes, ev.ImageFile.FileName)
			}
		}
	}
	return e.Normalize()
}

func firstNonEmpty(vs ...string) string {
	for _, v := range vs {
		if strings.TrimSpace(v) != "" {
			return v
		}
	}
	return ""
}

// mapIncident maps one incidents entry (read with $expand=alerts).
func mapIncident(integration string, raw json.RawMessage) connector.IncidentItem {
	it := connector.IncidentItem{Raw: raw}
	var w incidentWire
	if err := json.Unmarshal(raw, &w); err != nil {
		it.Err = fmt.Errorf("decode graph incident: %w", err)
		return it
	}
	it.VendorID = w.ID
	if w.ID == "" || strings.TrimSpace(w.DisplayName) == "" {
		it.Err = errors.New("graph incident without id or displayName")
		return it
	}
	sev, ok := severities[w.Severity]
	if !ok {
		it.Err = fmt.Errorf("graph incident %s: unknown severity %q", w.ID, w.Severity)
		return it
	}
	created, updated, err := times(w.CreatedDateTime, w.LastUpdateDateTime)
	if err != nil {
		it.Err = fmt.Errorf("graph incident %s: %w", w.ID, err)
		return it
	}
	in := &model.Incident{
		Integration: integration, VendorID: w.ID, Title: w.DisplayName,
		Severity: sev, Status: statusOr(incidentStatuses, w.Status), RemoteStatus: w.Status,
		CreatedAt: created, UpdatedAt: updated, Raw: raw,
	}
	if w.Description != nil {
		in.Description = *w.Description
	}
	for _, a := range w.Alerts {
		if a.ID != "" {
			in.RemoteAlerts = append(in.RemoteAlerts, a.ID)
		}
	}
	it.Incident = in
	return it
}

// What alertsync writes back for a verdict. The status comes from the sync
// policy (engine.Policy.Decide) through StateChange.Status; the
// classification pair comes from the verdict alone, so it records what
// alertsync established whether or not the policy closes the alert.
//
//	verdict                               status written          classification  determination
//	not_a_threat                          resolved                falsePositive   notMalicious
//	threat, published                     resolved or inProgress  truePositive    other
//	threat, not published                 inProgress              -               -
//	suspicious, highly_suspicious         inProgress              -               -
//	  the same, closed by close_on_suspicious  resolved           -               -
//	no verdict (a plain status change)    the status              -               -
//
// "-" leaves the property out of the PATCH, so whatever an analyst set
// stays. A suspicious alert that the policy closes is resolved without a
// classification: alertsync has not established that the activity was
// malicious (truePositive would inflate Microsoft's true-positive counts)
// nor that it was benign (falsePositive would be wrong), and the reason
// text sent as a comment says why it was closed. "other" is used for
// published threats because alertsync does not know which of Microsoft's
// finer determinations (malware, phishing, ...) applies.
//
// The values are the CSDL enum members. The documentation's property
// tables list determinations that do not exist in the service's metadata
// (clean, compromisedUser, insufficientData, confirmedUserActivity); those
// are refused with 400 and never appear here.
var verdictClasses = map[verdictKey]classPair{
	{model.VerdictNotAThreat, false}: {"falsePositive", "notMalicious"},
	{model.VerdictThreat, true}:      {"truePositive", "other"},
}

// verdictKey selects a row of verdictClasses; published only matters for
// threats, as in the policy wording.
type verdictKey struct {
	verdict   model.Verdict
	published bool
}

type classPair struct{ classification, determination string }

func classFor(v model.Verdict, published bool) classPair {
	return verdictClasses[verdictKey{v, published && v == model.VerdictThreat}]
}

// Canonical status → the status PATCH sets. Graph has no suppressed state
// an API client can set, so suppressed is written as resolved.
//
// Incidents use incidentStatus, and the incident PATCH page lists only
// active, resolved and redirected as settable. inProgress is a CSDL member
// the service may report but is not documented as settable, so in_progress
// is written as "active" (open and being handled), like new. Reading
// "active" back gives canonical new, but the engine recognises its own
// write by the vendor string SetState reports ("active"), so an incident
// alertsync set to in_progress stays in_progress while Graph keeps it
// active.
var (
	alertStatusOut = map[model.Status]string{
		model.StatusNew: "new", model.StatusInProgress: "inProgress",
		model.StatusResolved: "resolved", model.StatusSuppressed: "resolved",
	}
	incidentStatusOut = map[model.Status]string{
		model.StatusNew: "active", model.StatusInProgress: "active",
		model.StatusResolved: "resolved", model.StatusSuppressed: "resolved",
	}
)

// patchFor builds the PATCH body for ch. The reason text is not part of
// it: Update alert and Update incident document no property for it, and
// comment sync posts it as a comment (the documented way) when it is on.
func patchFor(ch connector.StateChange) (patchBody, error) {
	out := alertStatusOut
	if ch.Kind == model.KindIncident {
		out = incidentStatusOut
	}
	st, ok := out[ch.Status]
	if !ok {
		return patchBody{}, connector.Permanent("graph has no %s status for %q", kindName(ch.Kind), ch.Status)
	}
	cp := classFor(ch.Verdict, ch.Published)
	return patchBody{Status: st, Classification: cp.classification, Determination: cp.determination}, nil
}

func kindName(k model.Kind) string {
	if k == model.KindIncident {
		return "incident"
	}
	return "alert"
}
