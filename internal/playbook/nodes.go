package playbook

import (
	"encoding/json"
	"math"
	"time"
	"unicode/utf8"

	"github.com/alertsync/alertsync/internal/engine"
	"github.com/alertsync/alertsync/internal/model"
	"github.com/alertsync/alertsync/internal/playbook/condition"
)

// node0 is what a trigger gives the steps as node.0. For an alert it
// carries the alert's ids the way Sekoia's "Alert Created" block does
// (alert_uuid is the id the source gives the alert), so the seed's
// `{{ node.0['alert_uuid'] }}` renders as written.
//
// It is built in the shape decoding its JSON gives (TestNode0IsTheJSONShape),
// so a step handed its run as it was built reads what one that reads the
// run back from the store reads.
func node0(ev engine.Event) map[string]any {
	n := map[string]any{"trigger": jsonText(ev.Trigger), "kind": jsonText(string(ev.Kind))}
	putTexts(n, "fields", ev.Fields)
	switch {
	case ev.Alert != nil:
		a := ev.Alert
		n["alert_id"], n["alert_uuid"], n["integration"] = a.ID, jsonText(a.VendorID), jsonText(a.Integration)
		n["alert"] = alertDoc(*a)
	case ev.Incident != nil:
		in := ev.Incident
		n["incident_id"], n["incident_uuid"], n["integration"] = in.ID, jsonText(in.VendorID), jsonText(in.Integration)
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
	doc := alertMap(&a)
	var vendor map[string]any
	if json.Unmarshal(a.Raw, &vendor) == nil {
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
		doc["rule"] = map[string]any{"name": jsonText(a.Title), "severity": int64(score)}
	}
	return doc
}

// alertMap is what toMap makes of an alert without its raw payload,
// built field by field: every run reads an alert as a document once or
// twice, and the JSON round trip cost more than the rest of building it.
// TestAlertMapIsTheJSONShape holds it to toMap, every field set or none.
func alertMap(a *model.Alert) map[string]any {
	m := make(map[string]any, 24)
	m["id"], m["integration"], m["vendor_id"], m["title"] = a.ID, jsonText(a.Integration), jsonText(a.VendorID), jsonText(a.Title)
	m["severity"], m["status"], m["revision"] = jsonText(string(a.Severity)), jsonText(string(a.Status)), a.Revision
	m["created_at"], m["updated_at"] = jsonTime(a.CreatedAt), jsonTime(a.UpdatedAt)
	m["first_seen_at"], m["last_changed_at"] = jsonTime(a.FirstSeenAt), jsonTime(a.LastChangedAt)
	e := make(map[string]any, 5)
	putTexts(e, "hosts", a.Entities.Hosts)
	putTexts(e, "users", a.Entities.Users)
	putTexts(e, "ips", a.Entities.IPs)
	putTexts(e, "file_hashes", a.Entities.FileHashes)
	putTexts(e, "processes", a.Entities.Processes)
	m["entities"] = e
	putText(m, "description", a.Description)
	putText(m, "remote_status", a.RemoteStatus)
	putText(m, "verdict", string(a.Verdict))
	putText(m, "source", a.Source)
	putText(m, "remote_parent", a.RemoteParent)
	putText(m, "same_as", a.SameAs)
	putTexts(m, "ingest_notes", a.Notes)
	if a.Published {
		m["published"] = true
	}
	if a.IncidentID != 0 {
		m["incident_id"] = a.IncidentID
	}
	if a.TwinID != 0 {
		m["twin_id"] = a.TwinID
	}
	if len(a.Memberships) > 0 {
		ms := make([]any, len(a.Memberships))
		for i, x := range a.Memberships {
			ms[i] = map[string]any{"incident_id": x.IncidentID, "alert_id": x.AlertID, "source": jsonText(x.Source), "added_at": jsonTime(x.AddedAt)}
		}
		m["memberships"] = ms
	}
	return m
}

// putText sets an omitempty string field.
func putText(m map[string]any, k, v string) {
	if v != "" {
		m[k] = jsonText(v)
	}
}

// putTexts sets an omitempty list of strings, as decoded JSON holds it.
func putTexts(m map[string]any, k string, v []string) {
	if len(v) == 0 {
		return
	}
	l := make([]any, len(v))
	for i, s := range v {
		l[i] = jsonText(s)
	}
	m[k] = l
}

// jsonText is s as it comes back from JSON: encoding replaces each
// invalid UTF-8 byte (which the text policy keeps out of alerts).
func jsonText(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	b, _ := json.Marshal(s)
	_ = json.Unmarshal(b, &s)
	return s
}

// jsonTime is t as JSON writes it.
func jsonTime(t time.Time) string {
	b, err := t.MarshalJSON()
	if err != nil || len(b) < 2 {
		return ""
	}
	return string(b[1 : len(b)-1])
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
