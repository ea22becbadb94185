package defendercloud

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/alertsync/alertsync/internal/connector"
	"github.com/alertsync/alertsync/internal/model"
)

// statusOf maps a Defender for Cloud status to the canonical one. Dismissed
// is "dismissed as false positive" in the API's own words, which is what
// suppressed means in alertsync.
var statusOf = map[string]model.Status{
	StatusActive:     model.StatusNew,
	StatusInProgress: model.StatusInProgress,
	StatusDismissed:  model.StatusSuppressed,
	StatusResolved:   model.StatusResolved,
}

var severityOf = map[string]model.Severity{
	"informational": model.SeverityInformational,
	"low":           model.SeverityLow,
	"medium":        model.SeverityMedium,
	"high":          model.SeverityHigh,
}

// mapItem maps one listed alert. Whatever goes wrong, Raw is kept verbatim
// and Err says why, so the engine can quarantine the payload.
func mapItem(integration string, r rawAlert) connector.Item {
	it := connector.Item{Raw: r.raw, VendorID: r.a.Properties.SystemAlertID}
	if r.err != nil {
		it.Err = fmt.Errorf("decode defender for cloud alert: %w", r.err)
		return it
	}
	a, err := mapAlert(integration, r.a)
	if err != nil {
		it.Err = err
		return it
	}
	a.Raw = r.raw
	it.Alert = a
	return it
}

// SameAs is the key that names one Defender for Cloud alert whichever API
// lists it: its ARM alert name, which Graph alerts_v2 gives as
// providerAlertId since Defender for Cloud alerts reached Defender XDR
// (July 2025). Both records carry it, so the engine links them as one.
// A name no store could hold as an id (a NUL byte, invalid UTF-8) names no
// record, and would make PostgreSQL refuse the alert itself: it gives none.
func SameAs(armName string) string {
	if model.CheckVendorID(armName) != nil {
		return ""
	}
	return Kind + ":" + armName
}

// mapAlert turns a Defender for Cloud alert into the canonical alert. The
// join key with Sentinel is systemAlertId: Sentinel incidents name their
// member alerts by it.
func mapAlert(integration string, w alert) (*model.Alert, error) {
	p := w.Properties
	if p.SystemAlertID == "" {
		return nil, errors.New("defender for cloud alert has no systemAlertId")
	}
	a := &model.Alert{
		Integration:  integration,
		VendorID:     p.SystemAlertID,
		Title:        firstNonEmpty(p.AlertDisplayName, p.AlertType),
		Description:  p.Description,
		Severity:     severity(p.Severity),
		Status:       status(p.Status),
		RemoteStatus: p.Status,
		Source:       firstNonEmpty(p.ProductName, "Microsoft Defender for Cloud"),
		Entities:     entities(p),
		SameAs:       SameAs(w.Name),
	}
	if a.Title == "" {
		return nil, fmt.Errorf("defender for cloud alert %s has no alertDisplayName", p.SystemAlertID)
	}
	times, err := parseTimes(p.TimeGeneratedUtc, p.StartTimeUtc, p.ProcessingEndTimeUtc)
	if err != nil {
		return nil, fmt.Errorf("defender for cloud alert %s: %w", p.SystemAlertID, err)
	}
	generated, start, processed := times[0], times[1], times[2]
	a.CreatedAt = generated
	if a.CreatedAt.IsZero() {
		a.CreatedAt = start
	}
	a.UpdatedAt = latest(generated, processed, a.CreatedAt)
	return a, nil
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

// parseTimes parses ARM timestamps (seven fractional digits); empty ones
// stay zero.
func parseTimes(vals ...string) ([]time.Time, error) {
	out := make([]time.Time, len(vals))
	for i, v := range vals {
		if v == "" {
			continue
		}
		t, err := time.Parse(time.RFC3339Nano, v)
		if err == nil {
			err = connector.CheckTime("time", t)
		}
		if err != nil {
			return nil, fmt.Errorf("parse time %q: %w", v, err)
		}
		out[i] = t.UTC()
	}
	return out, nil
}

func latest(ts ...time.Time) time.Time {
	var m time.Time
	for _, t := range ts {
		if t.After(m) {
			m = t
		}
	}
	return m
}

func firstNonEmpty(vals ...string) string {
	for _, v := range vals {
		if strings.TrimSpace(v) != "" {
			return v
		}
	}
	return ""
}

// entities collects observables from Defender for Cloud's loosely typed
// entity list, its resource identifiers and its compromised entity.
func entities(p alertProperties) model.Entities {
	var e model.Entities
	for _, ent := range p.Entities {
		addEntity(&e, ent)
	}
	compute := false
	for _, ri := range p.ResourceIdentifiers {
		if ri.Type == "AzureResource" && isCompute(ri.AzureResourceID) {
			compute = true
			e.Hosts = append(e.Hosts, lastSegment(ri.AzureResourceID))
		}
	}
	// The compromised entity names the attacked resource; it is a host only
	// when that resource is a machine (a storage account is not).
	if p.CompromisedEntity != "" && (compute || len(p.ResourceIdentifiers) == 0) {
		e.Hosts = append(e.Hosts, p.CompromisedEntity)
	}
	return e.Normalize()
}

// addEntity adds one entity by its type; nested file hashes of a file
// entity are read as well. Unknown types are ignored.
func addEntity(e *model.Entities, ent map[string]any) {
	str := func(k string) string { s, _ := ent[k].(string); return s }
	switch strings.ToLower(str("type")) {
	case "ip":
		e.IPs = append(e.IPs, str("address"))
	case "host":
		e.Hosts = append(e.Hosts, firstNonEmpty(str("hostName"), str("netBiosName"), str("dnsDomain")))
	case "account":
		e.Users = append(e.Users, accountName(str("name"), str("upnSuffix"), str("ntDomain")))
	case "filehash":
		e.FileHashes = append(e.FileHashes, str("value"))
	case "file":
		if hs, ok := ent["fileHashes"].([]any); ok {
			for _, h := range hs {
				if m, ok := h.(map[string]any); ok {
					addEntity(e, m)
				}
			}
		}
	case "process":
		cmd := str("commandLine")
		if img, ok := ent["imageFile"].(map[string]any); ok && cmd == "" {
			cmd, _ = img["name"].(string)
		}
		e.Processes = append(e.Processes, cmd)
	}
}

func accountName(name, upnSuffix, domain string) string {
	switch {
	case name == "":
		return ""
	case upnSuffix != "":
		return name + "@" + upnSuffix
	case domain != "":
		return domain + `\` + name
	}
	return name
}

func isCompute(resourceID string) bool {
	l := strings.ToLower(resourceID)
	return strings.Contains(l, "/providers/microsoft.compute/") || strings.Contains(l, "/providers/microsoft.hybridcompute/")
}

func lastSegment(id string) string {
	return id[strings.LastIndexByte(id, '/')+1:]
}

// fingerprint is what makes an alert "changed" for the cursor: its status
// and the timestamps Defender for Cloud moves when it updates an alert.
func fingerprint(p alertProperties) string {
	return strings.Join([]string{p.Status, p.TimeGeneratedUtc, p.ProcessingEndTimeUtc, p.EndTimeUtc}, "|")
}
