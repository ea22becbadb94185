package sentinel

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// dfcProductName is the productName Defender for Cloud alerts carry.
const dfcProductName = "Azure Security Center"

// dfcRuleName is the id of the Microsoft incident creation rule "Create
// incidents based on Microsoft Defender for Cloud" in the workspace.
const dfcRuleName = "7b1d3b8c-04cb-4e4d-a2b1-3f0d6a1e0c5a"

// DefenderForCloud is what the Defender for Cloud data connector needs from
// its source: a stream of alert changes (the alert's ARM JSON) and a way to
// resolve an alert when Sentinel closes its incident. The defendercloud
// emulator satisfies it.
type DefenderForCloud interface {
	OnAlertChange(fn func(alertJSON []byte))
	ResolveAlert(ctx context.Context, systemAlertID string) error
}

// Connect enables the Defender for Cloud data connector with bi-directional
// sync: every alert dfc creates or changes is mirrored here, and closing an
// incident resolves its Defender for Cloud alerts at dfc. Alerts that exist
// before Connect are not backfilled.
func (e *Emulator) Connect(dfc DefenderForCloud) {
	e.mu.Lock()
	e.resolver = dfc.ResolveAlert
	e.mu.Unlock()
	dfc.OnAlertChange(func(alertJSON []byte) {
		if err := e.IngestDefenderAlert(alertJSON); err != nil {
			e.log.Error("ingest defender for cloud alert", "err", err)
		}
	})
}

// dfcAlert is the part of a Microsoft.Security alert the connector reads.
type dfcAlert struct {
	ID         string `json:"id"`
	Name       string `json:"name"`
	Properties struct {
		SystemAlertID        string           `json:"systemAlertId"`
		AlertType            string           `json:"alertType"`
		AlertDisplayName     string           `json:"alertDisplayName"`
		Description          string           `json:"description"`
		Severity             string           `json:"severity"`
		Intent               string           `json:"intent"`
		Status               string           `json:"status"`
		StartTimeUtc         time.Time        `json:"startTimeUtc"`
		EndTimeUtc           time.Time        `json:"endTimeUtc"`
		TimeGeneratedUtc     time.Time        `json:"timeGeneratedUtc"`
		ProcessingEndTimeUtc time.Time        `json:"processingEndTimeUtc"`
		ProductName          string           `json:"productName"`
		VendorName           string           `json:"vendorName"`
		CompromisedEntity    string           `json:"compromisedEntity"`
		RemediationSteps     []string         `json:"remediationSteps"`
		ResourceIdentifiers  []map[string]any `json:"resourceIdentifiers"`
		Entities             []map[string]any `json:"entities"`
		AlertURI             string           `json:"alertUri"`
	} `json:"properties"`
}

// sentinelStatus maps a Defender for Cloud alert status to the Sentinel
// SecurityAlert status.
func sentinelStatus(dfc string) string {
	switch dfc {
	case "Active":
		return AlertNew
	case "InProgress", "Resolved", "Dismissed":
		return dfc
	}
	return "Unknown"
}

// IngestDefenderAlert takes one Defender for Cloud alert change. A new alert
// becomes a SecurityAlert (status New) and, unless incident creation is
// off, an incident of its own. A known alert only gets its status updated:
// the incident is left alone, which is the documented gap the seed
// describes.
func (e *Emulator) IngestDefenderAlert(alertJSON []byte) error {
	var d dfcAlert
	if err := json.Unmarshal(alertJSON, &d); err != nil {
		return fmt.Errorf("decode defender for cloud alert: %w", err)
	}
	if d.Properties.SystemAlertID == "" {
		return fmt.Errorf("decode defender for cloud alert %q: no systemAlertId", d.ID)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if a, ok := e.alerts[d.Properties.SystemAlertID]; ok {
		if st := sentinelStatus(d.Properties.Status); st != a.Properties.Status {
			a.Properties.Status = st
			e.appendAlertRowLocked(a)
		}
		return nil
	}
	a := e.mirrorLocked(d)
	e.appendAlertRowLocked(a)
	if !e.opts.DisableIncidentCreation {
		e.incidentForAlertLocked(a, d.Properties.StartTimeUtc, d.Properties.EndTimeUtc)
	}
	return nil
}

// mirrorLocked stores the SecurityAlert entity for a Defender alert.
func (e *Emulator) mirrorLocked(d dfcAlert) *SecurityAlert {
	p := d.Properties
	tactics := []string{}
	if attackTactics[p.Intent] {
		tactics = append(tactics, p.Intent)
	}
	ents, _ := json.Marshal(p.Entities)
	a := &SecurityAlert{
		ID:   e.WorkspaceID() + "/providers/Microsoft.SecurityInsights/Entities/" + p.SystemAlertID,
		Name: p.SystemAlertID,
		Type: "Microsoft.SecurityInsights/Entities",
		Kind: "SecurityAlert",
		Properties: SecurityAlertProperties{
			AdditionalData:      map[string]any{"AlertMessageEnqueueTime": p.ProcessingEndTimeUtc.Format(time.RFC3339Nano), "Entities": string(ents)},
			AlertDisplayName:    p.AlertDisplayName,
			AlertLink:           p.AlertURI,
			AlertType:           p.AlertType,
			CompromisedEntity:   p.CompromisedEntity,
			ConfidenceLevel:     "Unknown",
			Description:         p.Description,
			EndTimeUtc:          p.EndTimeUtc,
			FriendlyName:        p.AlertDisplayName,
			ProcessingEndTime:   p.ProcessingEndTimeUtc,
			ProductName:         orDefault(p.ProductName, dfcProductName),
			ProviderAlertID:     d.Name,
			RemediationSteps:    append([]string{}, p.RemediationSteps...),
			ResourceIdentifiers: append([]map[string]any{}, p.ResourceIdentifiers...),
			Severity:            p.Severity,
			StartTimeUtc:        p.StartTimeUtc,
			Status:              sentinelStatus(p.Status),
			SystemAlertID:       p.SystemAlertID,
			Tactics:             tactics,
			TimeGenerated:       p.TimeGeneratedUtc,
			VendorName:          orDefault(p.VendorName, "Microsoft"),
		},
	}
	e.alerts[p.SystemAlertID] = a
	return a
}

// incidentForAlertLocked is the incident creation rule: one new incident per
// alert, titled and rated like it.
func (e *Emulator) incidentForAlertLocked(a *SecurityAlert, first, last time.Time) *incident {
	in := e.newIncidentLocked(e.newGUIDLocked())
	p := &in.inc.Properties
	p.Title = a.Properties.AlertDisplayName
	p.Description = a.Properties.Description
	p.Severity = a.Properties.Severity
	p.Status = StatusNew
	p.FirstActivityTimeUtc, p.LastActivityTimeUtc = first, last
	p.RelatedAnalyticRuleIDs = []string{e.BasePath() + "/alertRules/" + dfcRuleName}
	e.relateSystemLocked(in, a.Properties.SystemAlertID)
	e.touchLocked(in, StatusNew, "Microsoft Sentinel")
	return in
}

func (e *Emulator) appendAlertRowLocked(a *SecurityAlert) {
	p := a.Properties
	ents, _ := p.AdditionalData["Entities"].(string)
	res := ""
	for _, ri := range p.ResourceIdentifiers {
		if id, ok := ri["azureResourceId"].(string); ok {
			res = id
			break
		}
	}
	e.alertRows = append(e.alertRows, SecurityAlertRow{
		TimeGenerated:     e.ticker.Next(),
		SystemAlertID:     p.SystemAlertID,
		AlertName:         p.AlertDisplayName,
		DisplayName:       p.AlertDisplayName,
		AlertSeverity:     p.Severity,
		Status:            p.Status,
		ProductName:       p.ProductName,
		VendorName:        p.VendorName,
		VendorOriginalID:  p.ProviderAlertID,
		CompromisedEntity: p.CompromisedEntity,
		Entities:          ents,
		ResourceID:        res,
	})
}

func orDefault(s, def string) string {
	if strings.TrimSpace(s) == "" {
		return def
	}
	return s
}
