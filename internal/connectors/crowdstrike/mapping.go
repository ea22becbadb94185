package crowdstrike

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

// severities maps the console's severity names to canonical severity.
var severities = map[string]model.Severity{
	"Informational": model.SeverityInformational,
	"Low":           model.SeverityLow,
	"Medium":        model.SeverityMedium,
	"High":          model.SeverityHigh,
	"Critical":      model.SeverityCritical,
}

// severityOf reads severity_name, or failing that the 0-100 severity in
// the console's bands (Critical from 90, High from 70, Medium from 50,
// Low from 20); an alert with neither is quarantined.
func severityOf(w alertWire) (model.Severity, error) {
	if s, ok := severities[w.SeverityName]; ok {
		return s, nil
	}
	if w.Severity == nil || *w.Severity < 0 || *w.Severity > 100 {
		return "", fmt.Errorf("crowdstrike alert %s: unknown severity %q", w.CompositeID, w.SeverityName)
	}
	switch n := *w.Severity; {
	case n >= 90:
		return model.SeverityCritical, nil
	case n >= 70:
		return model.SeverityHigh, nil
	case n >= 50:
		return model.SeverityMedium, nil
	case n >= 20:
		return model.SeverityLow, nil
	}
	return model.SeverityInformational, nil
}

// Resolution tags: the console's Resolution is one of these tags.
const (
	tagTruePositive  = "true_positive"
	tagFalsePositive = "false_positive"
	tagIgnored       = "ignored"
)

var resolutionTags = []string{tagTruePositive, tagFalsePositive, tagIgnored}

// statusOf maps an alert's status and resolution to canonical status:
// new and reopened are new, in_progress is in progress, closed is
// resolved, or suppressed when its resolution is ignored. Anything else
// is unknown (the alert is still usable).
func statusOf(status, resolution string) model.Status {
	switch status {
	case "new", "reopened":
		return model.StatusNew
	case "in_progress":
		return model.StatusInProgress
	case "closed":
		if resolution == tagIgnored {
			return model.StatusSuppressed
		}
		return model.StatusResolved
	}
	return model.StatusUnknown
}

// resolutionOf is the resolution field, or the resolution tag the alert
// carries when the field is absent.
func resolutionOf(w alertWire) string {
	if w.Resolution != nil {
		return *w.Resolution
	}
	res := ""
	for _, t := range w.Tags {
		if slices.Contains(resolutionTags, t) {
			res = t
		}
	}
	return res
}

// mapAlert maps one alert. Whatever goes wrong, Raw is kept verbatim and
// Err says why, so the engine quarantines it.
func mapAlert(integration string, raw json.RawMessage) connector.Item {
	return connector.DecodeAlert(raw, "crowdstrike alert", func(w alertWire) string { return w.CompositeID },
		func(w alertWire) (*model.Alert, error) { return toAlert(integration, w) })
}

func toAlert(integration string, w alertWire) (*model.Alert, error) {
	title := firstNonEmpty(w.DisplayName, w.Name)
	if w.CompositeID == "" || title == "" {
		return nil, errors.New("crowdstrike alert without composite_id or name")
	}
	sev, err := severityOf(w)
	if err != nil {
		return nil, err
	}
	created, err := time.Parse(time.RFC3339Nano, w.Created)
	if err != nil {
		return nil, fmt.Errorf("crowdstrike alert %s: created_timestamp %q: %w", w.CompositeID, w.Created, err)
	}
	updated := created
	if w.Updated != "" {
		if updated, err = time.Parse(time.RFC3339Nano, w.Updated); err != nil {
			return nil, fmt.Errorf("crowdstrike alert %s: updated_timestamp %q: %w", w.CompositeID, w.Updated, err)
		}
	}
	a := &model.Alert{
		Integration: integration, VendorID: w.CompositeID, Title: title, Description: w.Description,
		Severity: sev, Status: statusOf(w.Status, resolutionOf(w)), RemoteStatus: w.Status,
		Source:    firstNonEmpty(append(slices.Clone(w.SourceProducts), w.Product)...),
		CreatedAt: created.UTC(), UpdatedAt: updated.UTC(), Entities: entities(w),
	}
	if w.Incident != nil {
		a.RemoteParent = w.Incident.ID
	}
	return a, nil
}

// entities collects the host (qualified with its machine domain when the
// sensor reports a short name, so it matches other vendors' FQDNs), its
// addresses, the user, and the triggering file.
func entities(w alertWire) model.Entities {
	e := model.Entities{Users: []string{w.UserName}, FileHashes: []string{w.SHA256}, Processes: []string{w.Filename}}
	if d := w.Device; d != nil {
		host := d.Hostname
		if host != "" && d.MachineDomain != "" && !strings.Contains(host, ".") {
			host += "." + d.MachineDomain
		}
		e.Hosts = []string{host}
		e.IPs = []string{d.LocalIP, d.ExternalIP}
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
