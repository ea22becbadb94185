package sentinelone

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/alertsync/alertsync/internal/connector"
	"github.com/alertsync/alertsync/internal/model"
)

// confidences maps a threat's confidenceLevel to a severity: threats have
// no severity of their own, and how sure the agent is of the detection is
// the nearest thing. Anything else is unknown (the threat still maps).
var confidences = map[string]model.Severity{
	"malicious":  model.SeverityHigh,
	"suspicious": model.SeverityMedium,
	"n/a":        model.SeverityUnknown,
}

// ruleSeverities maps a STAR rule's severity (read case-insensitively).
var ruleSeverities = map[string]model.Severity{
	"info":     model.SeverityInformational,
	"low":      model.SeverityLow,
	"medium":   model.SeverityMedium,
	"high":     model.SeverityHigh,
	"critical": model.SeverityCritical,
}

// mapThreat maps one threat. Whatever goes wrong, Raw is kept verbatim
// and Err says why, so the engine quarantines it.
func mapThreat(integration string, raw []byte) connector.Item {
	return connector.DecodeAlert(raw, "sentinelone threat", func(w threatWire) string { return w.ID },
		func(w threatWire) (*model.Alert, error) { return threatAlert(integration, w) })
}

func threatAlert(integration string, w threatWire) (*model.Alert, error) {
	ti := w.ThreatInfo
	if w.ID == "" || strings.TrimSpace(ti.ThreatName) == "" {
		return nil, errors.New("sentinelone threat without id or threatName")
	}
	created, updated, err := times(ti.CreatedAt, ti.UpdatedAt)
	if err != nil {
		return nil, fmt.Errorf("sentinelone threat %s: %w", w.ID, err)
	}
	return &model.Alert{
		Integration: integration, VendorID: w.ID, Title: ti.ThreatName, Description: threatDescription(w),
		Severity: severityOf(confidences, ti.ConfidenceLevel), Status: statusOf(ti.IncidentStatus), RemoteStatus: ti.IncidentStatus,
		Source: threatSource(ti), CreatedAt: created, UpdatedAt: updated, Entities: threatEntities(w),
	}, nil
}

// threatDescription says what was found where. The agent's external
// address goes here rather than into the entities: it is the site's
// egress address, shared by every agent behind it, and would correlate
// unrelated threats.
func threatDescription(w threatWire) string {
	ti := w.ThreatInfo
	parts := []string{fmt.Sprintf("%s threat (%s) on %s", orUnknown(ti.Classification), orUnknown(ti.ConfidenceLevel), orUnknown(w.AgentRealtimeInfo.AgentComputerName))}
	if ti.FilePath != "" {
		parts = append(parts, "file "+ti.FilePath)
	}
	if ti.MitigationStatus != "" {
		parts = append(parts, "mitigation "+ti.MitigationStatus)
	}
	if w.AgentDetectionInfo.ExternalIP != "" {
		parts = append(parts, "agent external IP "+w.AgentDetectionInfo.ExternalIP)
	}
	return strings.Join(parts, "; ") + "."
}

func threatSource(ti threatInfoWire) string {
	if len(ti.Engines) > 0 && ti.Engines[0] != "" {
		return "SentinelOne " + strings.TrimPrefix(ti.Engines[0], "SentinelOne ")
	}
	return "SentinelOne"
}

// threatEntities collects the agent's host name (and its DNS name when the
// agent's domain is a DNS domain, the form other vendors report), the
// process user (and, when its NetBIOS domain is the first label of that
// DNS domain, the user principal name it stands for), the agent's address,
// the file hashes and the originating process.
func threatEntities(w threatWire) model.Entities {
	ti, host, domain := w.ThreatInfo, w.AgentRealtimeInfo.AgentComputerName, strings.ToLower(w.AgentRealtimeInfo.AgentDomain)
	e := model.Entities{Hosts: []string{host}, Users: []string{ti.ProcessUser}, IPs: []string{w.AgentDetectionInfo.AgentIPV4},
		FileHashes: []string{ti.SHA256, ti.SHA1}, Processes: []string{ti.OriginatorProcess}}
	if host != "" && strings.Contains(domain, ".") {
		e.Hosts = append(e.Hosts, host+"."+domain)
	}
	if nb, user, ok := strings.Cut(ti.ProcessUser, `\`); ok && user != "" && strings.Contains(domain, ".") {
		if label, _, _ := strings.Cut(domain, "."); strings.EqualFold(nb, label) {
			e.Users = append(e.Users, user+"@"+domain)
		}
	}
	return e.Normalize()
}

// mapCloudAlert maps one STAR cloud-detection alert; its VendorID is
// CloudPrefix and the alert id.
func mapCloudAlert(integration string, raw []byte) connector.Item {
	return connector.DecodeAlert(raw, "sentinelone cloud-detection alert", func(w cloudWire) string { return cloudVendorID(w.AlertInfo.AlertID) },
		func(w cloudWire) (*model.Alert, error) { return cloudAlert(integration, w) })
}

func cloudVendorID(alertID string) string {
	if alertID == "" {
		return ""
	}
	return CloudPrefix + alertID
}

func cloudAlert(integration string, w cloudWire) (*model.Alert, error) {
	ai := w.AlertInfo
	if ai.AlertID == "" || strings.TrimSpace(w.RuleInfo.Name) == "" {
		return nil, errors.New("sentinelone cloud-detection alert without alertId or rule name")
	}
	created, updated, err := times(ai.CreatedAt, ai.UpdatedAt)
	if err != nil {
		return nil, fmt.Errorf("sentinelone cloud-detection alert %s: %w", ai.AlertID, err)
	}
	st := statusToken(ai.IncidentStatus)
	desc := strings.TrimSpace(w.RuleInfo.Description)
	if ai.EventType != "" {
		desc = strings.TrimSpace(desc + " STAR rule hit on a " + ai.EventType + " event.")
	}
	return &model.Alert{
		Integration: integration, VendorID: cloudVendorID(ai.AlertID), Title: w.RuleInfo.Name, Description: desc,
		Severity: severityOf(ruleSeverities, w.RuleInfo.Severity), Status: statusOf(st), RemoteStatus: st,
		Source: "SentinelOne STAR", CreatedAt: created, UpdatedAt: updated,
		Entities: model.Entities{
			Hosts: []string{w.AgentDetectionInfo.Name}, Users: []string{w.SourceProcessInfo.User}, IPs: []string{ai.SrcIP, ai.DstIP},
			FileHashes: []string{w.SourceProcessInfo.FileHashSHA256, w.SourceProcessInfo.FileHashSHA1},
			Processes:  []string{w.SourceProcessInfo.Name, w.SourceParentProcessInfo.Name},
		}.Normalize(),
	}, nil
}

// times parses createdAt (required) and updatedAt (createdAt when absent).
func times(createdAt, updatedAt string) (created, updated time.Time, err error) {
	if created, err = time.Parse(time.RFC3339Nano, createdAt); err != nil {
		return created, updated, fmt.Errorf("createdAt %q: %w", createdAt, err)
	}
	updated = created
	if updatedAt != "" {
		if updated, err = time.Parse(time.RFC3339Nano, updatedAt); err != nil {
			return created, updated, fmt.Errorf("updatedAt %q: %w", updatedAt, err)
		}
	}
	return created.UTC(), updated.UTC(), nil
}

func severityOf(table map[string]model.Severity, v string) model.Severity {
	if s, ok := table[strings.ToLower(strings.TrimSpace(v))]; ok {
		return s
	}
	return model.SeverityUnknown
}

func orUnknown(s string) string {
	if strings.TrimSpace(s) == "" {
		return "unknown"
	}
	return s
}
