package cortexxdr

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/alertsync/alertsync/internal/connector"
	"github.com/alertsync/alertsync/internal/model"
)

// severities maps Cortex XDR severities (alerts, incidents, manual
// severity) to canonical ones. XSIAM tenants spell them SEV_040_HIGH and
// the like; severity() strips that prefix. Anything else is quarantined
// rather than guessed.
var severities = map[string]model.Severity{
	"unknown":       model.SeverityUnknown,
	"informational": model.SeverityInformational,
	"info":          model.SeverityInformational,
	"low":           model.SeverityLow,
	"medium":        model.SeverityMedium,
	"high":          model.SeverityHigh,
	"critical":      model.SeverityCritical,
}

func severity(s string) (model.Severity, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	if rest, ok := strings.CutPrefix(s, "sev_"); ok && len(rest) > 4 && rest[3] == '_' {
		s = rest[4:]
	}
	sev, ok := severities[s]
	return sev, ok
}

// mapAlert maps one alert. Whatever goes wrong, Raw is kept verbatim and
// Err says why, so the engine quarantines it.
func mapAlert(integration string, raw json.RawMessage) connector.Item {
	return connector.DecodeAlert(raw, "cortex xdr alert", func(w alertWire) string { return string(w.AlertID) },
		func(w alertWire) (*model.Alert, error) { return toAlert(integration, w) })
}

func toAlert(integration string, w alertWire) (*model.Alert, error) {
	if w.AlertID == "" || strings.TrimSpace(w.Name) == "" {
		return nil, errors.New("cortex xdr alert without alert_id or name")
	}
	sev, ok := severity(w.Severity)
	if !ok {
		return nil, fmt.Errorf("cortex xdr alert %s: unknown severity %q", w.AlertID, w.Severity)
	}
	created := firstTime(w.DetectionTimestamp, w.LocalInsertTS, w.LastModifiedTS)
	if created.IsZero() {
		return nil, fmt.Errorf("cortex xdr alert %s: no detection_timestamp, local_insert_ts or last_modified_ts", w.AlertID)
	}
	updated := firstTime(w.LastModifiedTS, w.LocalInsertTS, w.DetectionTimestamp)
	return &model.Alert{
		Integration: integration, VendorID: string(w.AlertID), Title: w.Name, Description: describe(w),
		Severity: sev, Status: alertStatus(w.ResolutionStatus), RemoteStatus: w.ResolutionStatus, Source: w.Source,
		CreatedAt: created, UpdatedAt: updated, RemoteParent: string(w.CaseID), Entities: entities(w),
	}, nil
}

// firstTime returns the first non-zero epoch-millisecond time, in UTC.
func firstTime(ms ...int64) time.Time {
	for _, m := range ms {
		if m > 0 {
			return time.UnixMilli(m).UTC()
		}
	}
	return time.Time{}
}

// describe is the alert's description followed by what alertsync's
// model has no field for: the category and the MITRE ATT&CK tactic and
// technique Cortex XDR names.
func describe(w alertWire) string {
	var lines []string
	if d := strings.TrimSpace(w.Description); d != "" {
		lines = append(lines, d)
	}
	if w.Category != "" {
		lines = append(lines, "Category: "+w.Category)
	}
	if mitre := slices.Concat(texts(w.MitreTactic), texts(w.MitreTechnique)); len(mitre) > 0 {
		lines = append(lines, "MITRE ATT&CK: "+strings.Join(mitre, "; "))
	}
	return strings.Join(lines, "\n")
}

// texts reads a string or a list of strings; anything else is nothing.
func texts(raw json.RawMessage) []string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		if s = strings.TrimSpace(s); s != "" {
			return []string{s}
		}
		return nil
	}
	var l []string
	_ = json.Unmarshal(raw, &l)
	return l
}

// entities collects the endpoint (its NetBIOS name and addresses; host_ip
// may list several, comma-separated), the user as Cortex XDR names it
// (DOMAIN\user), the process image and its hash, and a remote address.
func entities(w alertWire) model.Entities {
	e := model.Entities{Hosts: []string{w.HostName}, Users: []string{w.UserName}, IPs: strings.Split(w.HostIP, ",")}
	if w.ActionRemoteIP != nil {
		e.IPs = append(e.IPs, *w.ActionRemoteIP)
	}
	if w.ActorImageSHA256 != nil {
		e.FileHashes = append(e.FileHashes, *w.ActorImageSHA256)
	}
	if w.ActorImageName != nil {
		e.Processes = append(e.Processes, *w.ActorImageName)
	}
	return e.Normalize()
}

// mapIncident maps one incident with its member alerts' ids.
func mapIncident(integration string, raw json.RawMessage, members []string) connector.IncidentItem {
	it := connector.IncidentItem{Raw: raw}
	var w incidentWire
	if err := json.Unmarshal(raw, &w); err != nil {
		it.Err = fmt.Errorf("decode cortex xdr incident: %w", err)
		return it
	}
	it.VendorID = string(w.IncidentID)
	in, err := toIncident(integration, w, members)
	if err != nil {
		it.Err = err
		return it
	}
	in.Raw = raw
	it.Incident = in
	return it
}

func toIncident(integration string, w incidentWire, members []string) (*model.Incident, error) {
	title := strings.TrimSpace(w.Description)
	if w.IncidentName != nil && strings.TrimSpace(*w.IncidentName) != "" {
		title = strings.TrimSpace(*w.IncidentName)
	}
	if w.IncidentID == "" || title == "" {
		return nil, errors.New("cortex xdr incident without incident_id or description")
	}
	sevText := w.Severity
	if w.ManualSeverity != nil && *w.ManualSeverity != "" {
		sevText = *w.ManualSeverity
	}
	sev, ok := severity(sevText)
	if !ok {
		return nil, fmt.Errorf("cortex xdr incident %s: unknown severity %q", w.IncidentID, sevText)
	}
	created, updated := firstTime(w.CreationTime, w.ModificationTime), firstTime(w.ModificationTime, w.CreationTime)
	for _, t := range []time.Time{created, updated} {
		if err := connector.CheckTime("time", t); err != nil {
			return nil, fmt.Errorf("cortex xdr incident %s: %w", w.IncidentID, err)
		}
	}
	return &model.Incident{
		Integration: integration, VendorID: string(w.IncidentID), Title: title, Description: w.Description,
		Severity: sev, Status: incidentStatus(w.Status), RemoteStatus: w.Status,
		CreatedAt: created, UpdatedAt: updated,
		RemoteAlerts: members, Classification: classifications[w.Status],
	}, nil
}

// classifications says how a resolved incident was classified, in
// canonical words; statuses that say nothing about it (duplicate, other,
// auto) are left unclassified.
var classifications = map[string]string{
	"resolved_true_positive":    model.ClassTruePositive,
	"resolved_threat_handled":   model.ClassTruePositive,
	"resolved_false_positive":   model.ClassFalsePositive,
	"resolved_known_issue":      model.ClassBenignPositive,
	"resolved_security_testing": model.ClassBenignPositive,
}
