package model

import (
	"slices"
	"strings"
)

// MaterialChanges lists the canonical fields of an alert that differ between
// old and new. Vendor timestamps, internal bookkeeping and the raw payload are
// deliberately left out: a re-delivery that only bumps the vendor's
// lastUpdated time is not a change an analyst would want recorded.
func MaterialChanges(old, new Alert) []string {
	var out []string
	add := func(name string, differ bool) {
		if differ {
			out = append(out, name)
		}
	}
	add("title", old.Title != new.Title)
	add("description", old.Description != new.Description)
	add("severity", old.Severity != new.Severity)
	add("status", old.Status != new.Status)
	add("remote_status", old.RemoteStatus != new.RemoteStatus)
	add("source", old.Source != new.Source)
	add("remote_parent", old.RemoteParent != new.RemoteParent)
	add("entities", !EntitiesEqual(old.Entities, new.Entities))
	return out
}

// IncidentChanges is MaterialChanges for incidents.
func IncidentChanges(old, new Incident) []string {
	var out []string
	add := func(name string, differ bool) {
		if differ {
			out = append(out, name)
		}
	}
	add("title", old.Title != new.Title)
	add("description", old.Description != new.Description)
	add("severity", old.Severity != new.Severity)
	add("classification", old.Classification != new.Classification)
	add("status", old.Status != new.Status)
	add("remote_status", old.RemoteStatus != new.RemoteStatus)
	add("remote_alert_ids", !slices.Equal(old.RemoteAlerts, new.RemoteAlerts))
	return out
}

// EntitiesEqual compares two normalised entity sets.
func EntitiesEqual(a, b Entities) bool {
	return slices.Equal(a.Hosts, b.Hosts) && slices.Equal(a.Users, b.Users) &&
		slices.Equal(a.IPs, b.IPs) && slices.Equal(a.FileHashes, b.FileHashes) &&
		slices.Equal(a.Processes, b.Processes)
}

// Normalize lower-cases, trims, sorts and deduplicates every entity list so
// that the same observables always compare equal regardless of vendor order.
func (e Entities) Normalize() Entities {
	return Entities{
		Hosts:      normList(e.Hosts),
		Users:      normList(e.Users),
		IPs:        normList(e.IPs),
		FileHashes: normList(e.FileHashes),
		Processes:  normList(e.Processes),
	}
}

func normList(in []string) []string {
	if len(in) == 0 {
		return nil
	}
	out := make([]string, 0, len(in))
	for _, s := range in {
		s = strings.ToLower(strings.TrimSpace(s))
		if s != "" {
			out = append(out, s)
		}
	}
	slices.Sort(out)
	out = slices.Compact(out)
	if len(out) == 0 {
		return nil
	}
	return out
}
