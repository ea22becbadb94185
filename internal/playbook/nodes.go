package playbook

import (
	"encoding/json"
	"math"

	"github.com/alertsync/alertsync/internal/engine"
	"github.com/alertsync/alertsync/internal/model"
	"github.com/alertsync/alertsync/internal/playbook/condition"
)

// node0 is what a trigger gives the steps as node.0. For an alert it
// carries the alert's ids the way Sekoia's "Alert Created" block does
// (alert_uuid is the id the source gives the alert), so the seed's
// `{{ node.0['alert_uuid'] }}` renders as written.
func node0(ev engine.Event) map[string]any {
	n := map[string]any{"trigger": ev.Trigger, "kind": string(ev.Kind)}
	if len(ev.Fields) > 0 {
		n["fields"] = ev.Fields
	}
	switch {
	case ev.Alert != nil:
		a := ev.Alert
		n["alert_id"], n["alert_uuid"], n["integration"] = a.ID, a.VendorID, a.Integration
		n["alert"] = alertDoc(*a)
	case ev.Incident != nil:
		in := ev.Incident
		n["incident_id"], n["incident_uuid"], n["integration"] = in.ID, in.VendorID, in.Integration
		n["incident"] = incidentDoc(*in)
	}
	return n
}

// alertDoc is an alert as steps see it: the canonical fields, the
// vendor's payload under raw and, where they do not clash, its own
// top-level fields (a Sekoia alert's rule), and a rule block for every
// alert (name and severity score), so a body written against Sekoia's
// Get Alert output renders for any vendor's alert.
func alertDoc(a model.Alert) map[string]any {
	raw := a.Raw
	a.Raw = nil
	doc := toMap(a)
	var vendor map[string]any
	if json.Unmarshal(raw, &vendor) == nil {
		intify(vendor) // in place, as for the canonical fields
		for k, v := range vendor {
			if _, taken := doc[k]; !taken {
				doc[k] = v
			}
		}
		doc["raw"] = vendor
	}
	if _, ok := doc["rule"]; !ok {
		score, _ := condition.SeverityScore(string(a.Severity))
		doc["rule"] = map[string]any{"name": a.Title, "severity": score}
	}
	return doc
}

func incidentDoc(in model.Incident) map[string]any {
	in.Raw = nil
	return toMap(in)
}

// toMap turns a model object into the JSON-shaped map templates read.
func toMap(v any) map[string]any {
	b, _ := json.Marshal(v) // model objects always encode
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	return intify(m).(map[string]any)
}

// intify turns whole JSON numbers back into integers, as they were
// written: decoded JSON holds every number as a float64, and a template
// would print a severity of 70 as "70.0".
func intify(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			x[k] = intify(e)
		}
	case []any:
		for i, e := range x {
			x[i] = intify(e)
		}
	case float64:
		if x == math.Trunc(x) && math.Abs(x) < 1<<53 {
			return int64(x)
		}
	}
	return v
}

// varsOf is what a condition sees of an event.
func varsOf(ev engine.Event) condition.Vars {
	var v condition.Vars
	if a := ev.Alert; a != nil {
		score, _ := condition.SeverityScore(string(a.Severity))
		v.Alert = condition.Alert{ID: a.ID, Kind: "alert", Integration: a.Integration, VendorID: a.VendorID,
			Title: a.Title, Description: a.Description, Severity: score, SeverityName: string(a.Severity),
			Status: string(a.Status), Verdict: string(a.Verdict), Published: a.Published, Source: a.Source,
			Hosts: a.Entities.Hosts, Users: a.Entities.Users, IPs: a.Entities.IPs, FileHashes: a.Entities.FileHashes,
			Processes: a.Entities.Processes, IncidentID: a.IncidentID, CreatedAt: a.CreatedAt, UpdatedAt: a.UpdatedAt}
	}
	if in := ev.Incident; in != nil {
		score, _ := condition.SeverityScore(string(in.Severity))
		v.Incident = condition.Incident{ID: in.ID, Kind: "incident", Integration: in.Integration, VendorID: in.VendorID,
			Title: in.Title, Description: in.Description, Severity: score, SeverityName: string(in.Severity),
			Status: string(in.Status), Verdict: string(in.Verdict), Published: in.Published,
			Classification: in.Classification, AlertCount: len(in.AlertIDs), CreatedAt: in.CreatedAt, UpdatedAt: in.LastChangedAt}
	}
	return v
}
