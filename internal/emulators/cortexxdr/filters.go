package cortexxdr

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// valueKind is what a filter's value must be for one field and operator.
type valueKind int

const (
	kindTime    valueKind = iota // an integer: epoch milliseconds
	kindIDs                      // a list of ids, integers or digit strings
	kindStrings                  // a list of strings
	kindString                   // one string
	kindBool                     // true or false
)

// fieldSpec is one filterable field: the operators it takes, each with
// the value it needs, and how to read the field from a record (an int64
// for times, a string or bool otherwise).
type fieldSpec[T any] struct {
	ops map[string]valueKind
	get func(*T) any
}

type filterSet[T any] map[string]fieldSpec[T]

func timeField[T any](get func(*T) int64) fieldSpec[T] {
	return fieldSpec[T]{ops: map[string]valueKind{"gte": kindTime, "lte": kindTime}, get: func(t *T) any { return get(t) }}
}

func inField[T any](kind valueKind, get func(*T) string) fieldSpec[T] {
	return fieldSpec[T]{ops: map[string]valueKind{"in": kind}, get: func(t *T) any { return get(t) }}
}

// compile checks every filter against the set and returns one predicate
// ANDing them (the API has no OR).
func (fs filterSet[T]) compile(filters []filter) (func(*T) bool, error) {
	var preds []func(*T) bool
	for _, f := range filters {
		spec, ok := fs[f.Field]
		if !ok {
			return nil, fmt.Errorf("filter field %q is not supported; use one of %s", f.Field, strings.Join(fs.names(), ", "))
		}
		kind, ok := spec.ops[f.Operator]
		if !ok {
			return nil, fmt.Errorf("operator %q is not supported for field %q", f.Operator, f.Field)
		}
		p, err := predicate(spec.get, f, kind)
		if err != nil {
			return nil, err
		}
		preds = append(preds, p)
	}
	return func(t *T) bool {
		for _, p := range preds {
			if !p(t) {
				return false
			}
		}
		return true
	}, nil
}

func (fs filterSet[T]) names() []string {
	out := make([]string, 0, len(fs))
	for k := range fs {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func predicate[T any](get func(*T) any, f filter, kind valueKind) (func(*T) bool, error) {
	switch kind {
	case kindTime:
		v, err := strconv.ParseInt(string(f.Value), 10, 64)
		if err != nil {
			return nil, fmt.Errorf("filter %q: value must be an integer timestamp in milliseconds, got %s", f.Field, f.Value)
		}
		if f.Operator == "lte" {
			return func(t *T) bool { return get(t).(int64) <= v }, nil
		}
		return func(t *T) bool { return get(t).(int64) >= v }, nil
	case kindIDs, kindStrings:
		set, err := list(f, kind == kindIDs)
		if err != nil {
			return nil, err
		}
		return func(t *T) bool { return slices.Contains(set, get(t).(string)) }, nil
	case kindString:
		var s string
		if err := json.Unmarshal(f.Value, &s); err != nil {
			return nil, fmt.Errorf("filter %q: value must be a string", f.Field)
		}
		if f.Operator == "contains" {
			return func(t *T) bool { return strings.Contains(strings.ToLower(get(t).(string)), strings.ToLower(s)) }, nil
		}
		return func(t *T) bool { return get(t).(string) == s }, nil
	case kindBool:
		var b bool
		if err := json.Unmarshal(f.Value, &b); err != nil {
			return nil, fmt.Errorf("filter %q: value must be true or false", f.Field)
		}
		return func(t *T) bool { return get(t).(bool) == b }, nil
	}
	return nil, fmt.Errorf("filter %q: unsupported value", f.Field)
}

// list reads a list value; ids may be integers or strings of digits.
func list(f filter, ids bool) ([]string, error) {
	var raw []json.RawMessage
	if err := json.Unmarshal(f.Value, &raw); err != nil || len(raw) == 0 {
		return nil, fmt.Errorf("filter %q: value must be a non-empty list", f.Field)
	}
	out := make([]string, 0, len(raw))
	for _, r := range raw {
		var s string
		if json.Unmarshal(r, &s) == nil {
			if ids && !isDigits(s) {
				return nil, fmt.Errorf("filter %q: %q is not an id", f.Field, s)
			}
			out = append(out, s)
			continue
		}
		if n, err := strconv.ParseInt(string(r), 10, 64); ids && err == nil {
			out = append(out, strconv.FormatInt(n, 10))
			continue
		}
		return nil, fmt.Errorf("filter %q: unsupported list item %s", f.Field, r)
	}
	return out, nil
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// alertFilters are the fields get_alerts_multi_events v2 filters on (the
// REST API's enum, as its Xpanse variant publishes it: last_modified_ts
// and server_creation_time are in it, which is what makes incremental
// change polling possible).
var alertFilters = filterSet[Alert]{
	"alert_id_list":        inField(kindIDs, func(a *Alert) string { return a.AlertID }),
	"external_id_list":     inField(kindStrings, func(a *Alert) string { return a.ExternalID }),
	"case_id_list":         inField(kindIDs, func(a *Alert) string { return strconv.FormatInt(a.CaseID, 10) }),
	"alert_source":         inField(kindStrings, func(a *Alert) string { return a.Source }),
	"severity":             inField(kindStrings, func(a *Alert) string { return a.Severity }),
	"creation_time":        timeField(func(a *Alert) int64 { return a.DetectionTimestamp }),
	"server_creation_time": timeField(func(a *Alert) int64 { return a.LocalInsertTS }),
	"last_modified_ts":     timeField(func(a *Alert) int64 { return a.LastModifiedTS }),
}

// alertFiltersV1 are get_alerts' (v1): ids, source, severity and creation
// time only, so v1 cannot poll for changes.
var alertFiltersV1 = filterSet[Alert]{
	"alert_id_list": alertFilters["alert_id_list"],
	"alert_source":  alertFilters["alert_source"],
	"severity":      alertFilters["severity"],
	"creation_time": alertFilters["creation_time"],
}

// incidentFilters are get_incidents' documented filter fields.
var incidentFilters = filterSet[Incident]{
	"incident_id_list":  inField(kindIDs, func(in *Incident) string { return in.IncidentID }),
	"modification_time": timeField(func(in *Incident) int64 { return in.ModificationTime }),
	"creation_time":     timeField(func(in *Incident) int64 { return in.CreationTime }),
	"status": {ops: map[string]valueKind{"eq": kindString, "in": kindStrings},
		get: func(in *Incident) any { return in.Status }},
	"description": {ops: map[string]valueKind{"contains": kindString},
		get: func(in *Incident) any { return in.Description }},
	"alert_sources": {ops: map[string]valueKind{"in": kindStrings},
		get: func(in *Incident) any { return firstOr(in.IncidentSources, "") }},
	"starred": {ops: map[string]valueKind{"eq": kindBool}, get: func(in *Incident) any { return in.Starred }},
}

// multiIncidentFilters are what get_multiple_incidents_extra_data takes
// (demisto's fetch uses incident_id_list, status, starred and
// creation_time).
var multiIncidentFilters = filterSet[Incident]{
	"incident_id_list": incidentFilters["incident_id_list"],
	"creation_time":    incidentFilters["creation_time"],
	"status":           incidentFilters["status"],
	"starred":          incidentFilters["starred"],
}

func firstOr(xs []string, def string) string {
	if len(xs) == 0 {
		return def
	}
	return xs[0]
}
