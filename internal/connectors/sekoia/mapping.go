package sekoia

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/alertsync/alertsync/internal/connector"
	"github.com/alertsync/alertsync/internal/model"
)

// legacyStatus is one of the five statuses of Sekoia's alert workflow,
// with Sekoia's uuid (automation-library STATUS_UUIDS) and what it means
// to alertsync. Rejected is the console's word for a false positive,
// Closed for a threat dealt with; both are resolved.
type legacyStatus struct {
	uuid, name string
	canonical  model.Status
}

var (
	stPending      = legacyStatus{"2efc4930-1442-4abb-acf2-58ba219a4fd0", "Pending", model.StatusNew}
	stAcknowledged = legacyStatus{"8f206505-af6d-433e-93f4-775d46dc7d0f", "Acknowledged", model.StatusInProgress}
	stOngoing      = legacyStatus{"1f2f88d5-ff5b-48bf-bbbc-00c2fff82d9f", "Ongoing", model.StatusInProgress}
	stRejected     = legacyStatus{"4f68da89-38e0-4703-a6ab-652f02bdf24e", "Rejected", model.StatusResolved}
	stClosed       = legacyStatus{"1738b1c1-767d-489e-bada-19176621a007", "Closed", model.StatusResolved}
)

// legacyStatuses lists them in workflow order.
var legacyStatuses = []legacyStatus{stPending, stAcknowledged, stOngoing, stRejected, stClosed}

// statusOf finds an alert's status by uuid, else by name (any case). A
// status it does not know (a custom status) is not found.
func statusOf(w statusWire) (legacyStatus, bool) {
	for _, s := range legacyStatuses {
		if s.uuid == w.UUID {
			return s, true
		}
	}
	for _, s := range legacyStatuses {
		if w.Name != "" && strings.EqualFold(s.name, w.Name) {
			return s, true
		}
	}
	return legacyStatus{}, false
}

// remoteStatus is the word alertsync keeps as the alert's remote status:
// the legacy status's name, else what the alert says.
func remoteStatus(w statusWire) string {
	if s, ok := statusOf(w); ok {
		return s.name
	}
	if w.Name != "" {
		return w.Name
	}
	return w.UUID
}

// urgencyBands maps the urgency's display bands (the swagger's table:
// Low [0-20[, Moderate [20-40[, High [40-60[, Major [60-80[, Urgent
// [80-100]) to canonical severity, keeping Sekoia's word where the two
// vocabularies share it: Major, the band between High and Urgent, is
// high too, and nothing is informational.
var urgencyBands = []struct {
	from    int
	display string
	sev     model.Severity
}{
	{80, "Urgent", model.SeverityCritical},
	{60, "Major", model.SeverityHigh},
	{40, "High", model.SeverityHigh},
	{20, "Moderate", model.SeverityMedium},
	{0, "Low", model.SeverityLow},
}

// severityOf reads urgency.current_value (the urgency now, after similar
// alerts raised it), else urgency.value, else the display word; an alert
// with none of them has unknown severity.
func severityOf(w alertWire) model.Severity {
	u := w.Urgency
	if u == nil {
		return model.SeverityUnknown
	}
	v := u.CurrentValue
	if v == nil {
		v = u.Value
	}
	for _, b := range urgencyBands {
		if v != nil && *v >= b.from && *v <= 100 || v == nil && strings.EqualFold(u.Display, b.display) {
			return b.sev
		}
	}
	return model.SeverityUnknown
}

// mapAlert maps one alert. Whatever goes wrong, Raw is kept verbatim and
// Err says why, so the engine quarantines it.
func mapAlert(integration string, raw json.RawMessage) connector.Item {
	return connector.DecodeAlert(raw, "sekoia alert", func(w alertWire) string { return w.UUID },
		func(w alertWire) (*model.Alert, error) { return toAlert(integration, w) })
}

func toAlert(integration string, w alertWire) (*model.Alert, error) {
	title := w.Title
	if strings.TrimSpace(title) == "" && w.Rule != nil {
		title = w.Rule.Name
	}
	switch {
	case w.UUID == "" || strings.TrimSpace(title) == "":
		return nil, fmt.Errorf("sekoia alert %q without uuid or title", w.UUID)
	case w.CreatedAt <= 0:
		return nil, fmt.Errorf("sekoia alert %s without created_at", w.UUID)
	}
	created := time.Unix(w.CreatedAt, 0).UTC()
	updated := created
	if w.UpdatedAt > 0 {
		updated = time.Unix(w.UpdatedAt, 0).UTC()
	}
	st := model.StatusUnknown
	if s, ok := statusOf(w.Status); ok {
		st = s.canonical
	}
	source := "Sekoia.io"
	if w.Entity != nil && w.Entity.Name != "" {
		source = "Sekoia.io (" + w.Entity.Name + ")"
	}
	return &model.Alert{
		Integration: integration, VendorID: w.UUID, Title: title, Description: w.Details,
		Severity: severityOf(w), Status: st, RemoteStatus: remoteStatus(w.Status), Source: source,
		CreatedAt: created, UpdatedAt: updated, Entities: entities(w),
	}, nil
}

// entities sorts the alert's source and target, which Sekoia fills with
// whatever the rule matched: an address goes to IPs, a name with an @
// to users, anything else (a host name) to hosts. The asset uuids stay
// in Raw: they name Sekoia's inventory, which no other vendor shares.
func entities(w alertWire) model.Entities {
	var e model.Entities
	for _, v := range []string{w.Source, w.Target} {
		v = strings.TrimSpace(v)
		switch {
		case v == "":
		case isIP(v):
			e.IPs = append(e.IPs, v)
		case strings.Contains(v, "@"):
			e.Users = append(e.Users, v)
		default:
			e.Hosts = append(e.Hosts, v)
		}
	}
	return e.Normalize()
}

func isIP(s string) bool {
	_, err := netip.ParseAddr(s)
	return err == nil
}
