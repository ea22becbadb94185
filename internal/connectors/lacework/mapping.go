package lacework

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/alertsync/alertsync/internal/connector"
	"github.com/alertsync/alertsync/internal/model"
)

// scopes are the alert scopes alertsync assembles into one alert, the
// six Red Canary assembles (ObservationTimeline is left out: it repeats
// Events as a timeline).
var scopes = []string{"Details", "Investigation", "Events", "RelatedAlerts", "Integrations", "Timeline"}

// severities maps Lacework's severities (Critical, High, Medium, Low,
// Info; the SDK's ValidAlertSeverities) to canonical severity, by their
// lower-case form. Anything else is unknown; the alert is still usable.
var severities = map[string]model.Severity{
	"critical": model.SeverityCritical, "high": model.SeverityHigh, "medium": model.SeverityMedium,
	"low": model.SeverityLow, "info": model.SeverityInformational, "informational": model.SeverityInformational,
}

// statuses maps an alert's status, lower case without spaces or
// underscores, to canonical status: Open is new, Closed resolved (a
// closed Lacework alert carries its reason only in the console), and In
// progress, which the console shows, in progress [U: whether the API
// returns it, and how it spells it].
var statuses = map[string]model.Status{
	"open": model.StatusNew, "inprogress": model.StatusInProgress, "closed": model.StatusResolved,
}

func severityOf(s string) model.Severity {
	if sev, ok := severities[strings.ToLower(strings.TrimSpace(s))]; ok {
		return sev
	}
	return model.SeverityUnknown
}

func statusOf(s string) model.Status {
	key := strings.NewReplacer(" ", "", "_", "", "-", "").Replace(strings.ToLower(s))
	if st, ok := statuses[key]; ok {
		return st
	}
	return model.StatusUnknown
}

// assembledDoc is an assembled alert: the listed alert and its scopes.
// It reads alertsync's own layout ("scopes": {"Details": ...} and
// "scopeGaps") and Red Canary's ("scopeDetails": ... beside the alert).
type assembledDoc struct {
	alertWire
	scopes map[string]json.RawMessage
	gaps   map[string]string
}

func (d *assembledDoc) UnmarshalJSON(b []byte) error {
	if err := json.Unmarshal(b, &d.alertWire); err != nil {
		return err
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(b, &top); err != nil {
		return err
	}
	var own map[string]json.RawMessage
	if raw, ok := top["scopes"]; ok {
		if err := json.Unmarshal(raw, &own); err != nil {
			return fmt.Errorf("scopes: %w", err)
		}
	}
	d.scopes = map[string]json.RawMessage{}
	for _, name := range scopes {
		if v, ok := own[name]; ok {
			d.scopes[name] = v
		} else if v, ok := top["scope"+name]; ok {
			d.scopes[name] = v
		}
	}
	if raw, ok := top["scopeGaps"]; ok {
		if err := json.Unmarshal(raw, &d.gaps); err != nil {
			return fmt.Errorf("scopeGaps: %w", err)
		}
	}
	return nil
}

// mapAlert maps one assembled alert. Whatever goes wrong, Raw is kept
// verbatim and Err says why, so the engine quarantines it.
func mapAlert(integration string, raw json.RawMessage) connector.Item {
	return connector.DecodeAlert(raw, "lacework alert", func(d assembledDoc) string { return vendorID(d.alertWire) },
		func(d assembledDoc) (*model.Alert, error) { return toAlert(integration, d) })
}

func vendorID(w alertWire) string {
	if w.AlertID == nil {
		return ""
	}
	return strconv.FormatInt(*w.AlertID, 10)
}

func toAlert(integration string, d assembledDoc) (*model.Alert, error) {
	id := vendorID(d.alertWire)
	title := firstSet(d.AlertInfo.Subject, d.AlertName)
	if id == "" || title == "" {
		return nil, errors.New("lacework alert without alertId or name")
	}
	created, err := time.Parse(time.RFC3339Nano, d.StartTime)
	if err != nil {
		return nil, fmt.Errorf("lacework alert %s: startTime %q: %w", id, d.StartTime, err)
	}
	return &model.Alert{
		Integration: integration, VendorID: id, Title: title, Description: d.AlertInfo.Description,
		Severity: severityOf(d.Severity), Status: statusOf(d.Status), RemoteStatus: d.Status, Source: sourceOf(d.alertWire),
		CreatedAt: created.UTC(), UpdatedAt: updatedOf(d.alertWire, created.UTC()), Entities: entitiesOf(d), Notes: gapNotes(d.gaps),
	}, nil
}

// sourceOf is what detected the alert: derivedFields.source ("aws",
// "Agent"), else alertSource unless it is Lacework's "unknown".
func sourceOf(w alertWire) string {
	if w.DerivedFields.Source != "" {
		return w.DerivedFields.Source
	}
	if strings.HasPrefix(w.AlertSource, "Unknown") {
		return ""
	}
	return w.AlertSource
}

// updatedOf is the latest of the alert's window end and the last time a
// person changed it, never before created: the alert is raised once its
// hour-long window ends, and a close moves lastUserUpdatedTime.
func updatedOf(w alertWire, created time.Time) time.Time {
	out := created
	if end, err := time.Parse(time.RFC3339Nano, w.EndTime); err == nil && end.After(out) {
		out = end.UTC()
	}
	if u := userUpdated(w.LastUserUpdatedTime); u.After(out) {
		out = u
	}
	return out
}

// userUpdated reads lastUserUpdatedTime: "0" (never), epoch milliseconds
// as a string or a number, or an RFC 3339 time [U: only "0" is seen in
// Lacework's samples].
func userUpdated(raw json.RawMessage) time.Time {
	var s string
	if json.Unmarshal(raw, &s) != nil {
		s = string(raw)
	}
	s = strings.TrimSpace(s)
	if ms, err := strconv.ParseInt(s, 10, 64); err == nil {
		if ms <= 0 {
			return time.Time{}
		}
		return time.UnixMilli(ms).UTC()
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t.UTC()
	}
	return time.Time{}
}

// gapNotes records the scopes Lacework could not give, in scope order.
func gapNotes(gaps map[string]string) []string {
	var out []string
	for _, name := range scopes {
		if why, ok := gaps[name]; ok {
			out = append(out, fmt.Sprintf("scope %s unavailable: %s", name, why))
		}
	}
	return out
}

// observable is which entity list a field feeds.
type observable int

const (
	hosts observable = iota
	users
	ips
	hashes
	processes
)

// entityField is one field of an entity type that names an observable:
// under KEY, or under PROPS when props is set.
type entityField struct {
	name  string
	props bool
	into  observable
}

// entityFields are the entityMap fields alertsync reads, by entity type
// (Lacework's event entity types [U: the alerts API documents entityMap
// only by the SDK's CustomRule example]). Cloud resources (Resource,
// Region, API) have no place in the canonical entities and are left in
// Raw.
var entityFields = map[string][]entityField{
	"Machine":         {{"hostname", false, hosts}, {"external_ip", true, ips}, {"internal_ip_addr", true, ips}},
	"Process":         {{"hostname", false, hosts}},
	"User":            {{"username", false, users}},
	"CT_User":         {{"username", false, users}},
	"IpAddress":       {{"ip_address", false, ips}},
	"SourceIpAddress": {{"ip_address", false, ips}},
	"FileDataHash":    {{"filedata_hash", false, hashes}},
	"FileExePath":     {{"exe_path", false, processes}},
}

// entitiesOf collects the observables of the Details scope's entityMap
// and the source addresses of the Events scope (CloudTrail's
// sourceIpAddress, when it is an address and not an AWS service name).
func entitiesOf(d assembledDoc) model.Entities {
	lists := make([][]string, processes+1)
	var det detailsWire
	if raw := d.scopes["Details"]; len(raw) > 0 && json.Unmarshal(raw, &det) == nil {
		for typ, list := range det.EntityMap {
			for _, en := range list {
				for _, f := range entityFields[typ] {
					src := en.Key
					if f.props {
						src = en.Props
					}
					lists[f.into] = appendValue(lists[f.into], f.into, src[f.name])
				}
			}
		}
	}
	var events []map[string]any
	if raw := d.scopes["Events"]; len(raw) > 0 && json.Unmarshal(raw, &events) == nil {
		for _, ev := range events {
			lists[ips] = appendValue(lists[ips], ips, ev["sourceIpAddress"])
		}
	}
	return model.Entities{Hosts: lists[hosts], Users: lists[users], IPs: lists[ips],
		FileHashes: lists[hashes], Processes: lists[processes]}.Normalize()
}

// appendValue adds v when it is a non-empty string (and, for addresses,
// an IP address).
func appendValue(list []string, into observable, v any) []string {
	s, _ := v.(string)
	if s = strings.TrimSpace(s); s == "" || (into == ips && net.ParseIP(s) == nil) {
		return list
	}
	return append(list, s)
}
