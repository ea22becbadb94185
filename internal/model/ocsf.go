package model

import (
	"encoding/json"
	"strconv"
)

// OCSF identifiers used by the export. alertsync's canonical status and
// verdict sets were chosen to map one-to-one onto these enumerations.
const (
	OCSFVersion            = "1.3.0"
	OCSFCategoryFindings   = 2
	OCSFClassDetection     = 2004
	OCSFClassIncident      = 2005
	ocsfActivityCreate     = 1
	ocsfActivityUpdate     = 2
	ocsfActivityClose      = 3
	ocsfObservableHostname = 1
	ocsfObservableIP       = 2
	ocsfObservableUserName = 4
	ocsfObservableHash     = 8
	ocsfObservableProcess  = 9
)

// OCSFSeverityID maps a canonical severity to OCSF severity_id.
func OCSFSeverityID(s Severity) int {
	switch s {
	case SeverityInformational:
		return 1
	case SeverityLow:
		return 2
	case SeverityMedium:
		return 3
	case SeverityHigh:
		return 4
	case SeverityCritical:
		return 5
	}
	return 0
}

// OCSFDetectionStatusID maps a status to Detection Finding status_id
// (0 Unknown, 1 New, 2 In Progress, 3 Suppressed, 4 Resolved).
func OCSFDetectionStatusID(s Status) int {
	switch s {
	case StatusNew:
		return 1
	case StatusInProgress:
		return 2
	case StatusSuppressed:
		return 3
	case StatusResolved:
		return 4
	}
	return 0
}

// OCSFIncidentStatusID maps a status to Incident Finding status_id
// (0 Unknown, 1 New, 2 In Progress, 3 On Hold, 4 Resolved, 5 Closed). A
// suppressed incident has no exact peer; On Hold is the closest meaning.
func OCSFIncidentStatusID(s Status) int {
	switch s {
	case StatusNew:
		return 1
	case StatusInProgress:
		return 2
	case StatusSuppressed:
		return 3
	case StatusResolved:
		return 4
	}
	return 0
}

// OCSFVerdictID maps a verdict to OCSF verdict_id (0 Unknown, 1 False
// Positive, 2 True Positive, 4 Suspicious). OCSF has one Suspicious value, so
// suspicious and highly suspicious share it and the name keeps the nuance.
func OCSFVerdictID(v Verdict) int {
	switch v {
	case VerdictNotAThreat:
		return 1
	case VerdictThreat:
		return 2
	case VerdictSuspicious, VerdictHighlySuspicious:
		return 4
	}
	return 0
}

func ocsfActivity(s Status, created, changed bool) int {
	switch {
	case s == StatusResolved:
		return ocsfActivityClose
	case changed && !created:
		return ocsfActivityUpdate
	}
	return ocsfActivityCreate
}

type ocsfObservable struct {
	Name   string `json:"name"`
	Type   string `json:"type"`
	TypeID int    `json:"type_id"`
	Value  string `json:"value"`
}

func ocsfObservables(e Entities) []ocsfObservable {
	var out []ocsfObservable
	add := func(vals []string, name, typ string, id int) {
		for _, v := range vals {
			out = append(out, ocsfObservable{Name: name, Type: typ, TypeID: id, Value: v})
		}
	}
	add(e.Hosts, "device.hostname", "Hostname", ocsfObservableHostname)
	add(e.IPs, "device.ip", "IP Address", ocsfObservableIP)
	add(e.Users, "actor.user.name", "User Name", ocsfObservableUserName)
	add(e.FileHashes, "file.hashes.value", "Hash", ocsfObservableHash)
	add(e.Processes, "process.name", "Process Name", ocsfObservableProcess)
	return out
}

func ocsfMetadata(product string) map[string]any {
	return map[string]any{
		"version": OCSFVersion,
		"product": map[string]any{"name": "alertsync", "vendor_name": "alertsync", "feature": map[string]any{"name": product}},
	}
}

// AlertOCSF renders an alert as an OCSF Detection Finding (class 2004).
func AlertOCSF(a Alert) ([]byte, error) {
	act := ocsfActivity(a.Status, a.Revision <= 1, a.Revision > 1)
	doc := map[string]any{
		"class_uid":    OCSFClassDetection,
		"class_name":   "Detection Finding",
		"category_uid": OCSFCategoryFindings,
		"activity_id":  act,
		"type_uid":     OCSFClassDetection*100 + act,
		"time":         a.LastChangedAt.UnixMilli(),
		"severity_id":  OCSFSeverityID(a.Severity),
		"severity":     string(a.Severity),
		"status_id":    OCSFDetectionStatusID(a.Status),
		"status":       string(a.Status),
		"verdict_id":   OCSFVerdictID(a.Verdict),
		"verdict":      string(a.Verdict),
		"message":      a.Title,
		"metadata":     ocsfMetadata(a.Integration),
		"finding_info": map[string]any{
			"uid":           a.Integration + ":" + a.VendorID,
			"title":         a.Title,
			"desc":          a.Description,
			"created_time":  a.CreatedAt.UnixMilli(),
			"modified_time": a.UpdatedAt.UnixMilli(),
			"src_url":       "",
			"product_uid":   a.Source,
		},
		"observables": ocsfObservables(a.Entities),
		"unmapped":    map[string]any{"alertsync_id": a.ID, "remote_status": a.RemoteStatus, "published": a.Published},
	}
	if a.IncidentID != 0 {
		doc["unmapped"].(map[string]any)["incident_id"] = a.IncidentID
	}
	if len(a.Raw) > 0 {
		doc["raw_data"] = string(a.Raw)
	}
	return json.Marshal(doc)
}

// IncidentOCSF renders an incident and its member alerts as an OCSF Incident
// Finding (class 2005).
func IncidentOCSF(in Incident, members []Alert) ([]byte, error) {
	act := ocsfActivity(in.Status, in.Revision <= 1, in.Revision > 1)
	infos := make([]map[string]any, 0, len(members))
	for _, a := range members {
		infos = append(infos, map[string]any{
			"uid": a.Integration + ":" + a.VendorID, "title": a.Title,
			"created_time": a.CreatedAt.UnixMilli(), "modified_time": a.UpdatedAt.UnixMilli(),
		})
	}
	uid := strconv.FormatInt(in.ID, 10)
	if in.Integration != "" {
		uid = in.Integration + ":" + in.VendorID
	}
	doc := map[string]any{
		"class_uid":           OCSFClassIncident,
		"class_name":          "Incident Finding",
		"category_uid":        OCSFCategoryFindings,
		"activity_id":         act,
		"type_uid":            OCSFClassIncident*100 + act,
		"time":                in.LastChangedAt.UnixMilli(),
		"severity_id":         OCSFSeverityID(in.Severity),
		"severity":            string(in.Severity),
		"status_id":           OCSFIncidentStatusID(in.Status),
		"status":              string(in.Status),
		"verdict_id":          OCSFVerdictID(in.Verdict),
		"verdict":             string(in.Verdict),
		"metadata":            ocsfMetadata(in.Integration),
		"finding_info_list":   infos,
		"desc":                in.Description,
		"src_url":             "",
		"is_suspected_breach": in.Verdict == VerdictThreat && in.Published,
		"unmapped":            map[string]any{"alertsync_id": uid, "title": in.Title},
	}
	return json.Marshal(doc)
}
