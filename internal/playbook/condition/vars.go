package condition

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"time"
)

// Vars is the environment a condition sees: alert and incident. For a
// trigger that has no incident, Incident is the zero value.
type Vars struct {
	Alert    Alert    `expr:"alert"`
	Incident Incident `expr:"incident"`
}

// Alert is what a condition can read of an alert. Entity lists are flat
// (alert.hosts), not under entities as in the model's JSON.
type Alert struct {
	ID           int64     `expr:"id"`
	Kind         string    `expr:"kind"`
	Integration  string    `expr:"integration"`
	VendorID     string    `expr:"vendor_id"`
	Title        string    `expr:"title"`
	Description  string    `expr:"description"`
	Severity     int       `expr:"severity"`
	SeverityName string    `expr:"severity_name"`
	Status       string    `expr:"status"`
	Verdict      string    `expr:"verdict"`
	Published    bool      `expr:"published"`
	Source       string    `expr:"source"`
	Hosts        []string  `expr:"hosts"`
	Users        []string  `expr:"users"`
	IPs          []string  `expr:"ips"`
	FileHashes   []string  `expr:"file_hashes"`
	Processes    []string  `expr:"processes"`
	IncidentID   int64     `expr:"incident_id"`
	CreatedAt    time.Time `expr:"created_at"`
	UpdatedAt    time.Time `expr:"updated_at"`
}

// Incident is what a condition can read of an incident.
type Incident struct {
	ID             int64     `expr:"id"`
	Kind           string    `expr:"kind"`
	Integration    string    `expr:"integration"`
	VendorID       string    `expr:"vendor_id"`
	Title          string    `expr:"title"`
	Description    string    `expr:"description"`
	Severity       int       `expr:"severity"`
	SeverityName   string    `expr:"severity_name"`
	Status         string    `expr:"status"`
	Verdict        string    `expr:"verdict"`
	Published      bool      `expr:"published"`
	Classification string    `expr:"classification"`
	AlertCount     int       `expr:"alert_count"`
	CreatedAt      time.Time `expr:"created_at"`
	UpdatedAt      time.Time `expr:"updated_at"`
}

// severities maps canonical names to the numbers conditions compare.
var severities = map[string]int{
	"unknown": 0, "": 0, "informational": 10, "info": 10, "low": 30, "medium": 50, "high": 70, "critical": 90,
}

// SeverityScore converts a severity name to its number.
func SeverityScore(name string) (int, bool) {
	n, ok := severities[strings.ToLower(strings.TrimSpace(name))]
	return n, ok
}

// SeverityName is the canonical name of the band a score falls in, so a
// vendor's 0-100 score (85) reads as "high".
func SeverityName(score int) string {
	switch {
	case score >= 90:
		return "critical"
	case score >= 70:
		return "high"
	case score >= 50:
		return "medium"
	case score >= 30:
		return "low"
	case score >= 10:
		return "informational"
	}
	return "unknown"
}

// VarsFromMaps builds Vars from an alert and an incident as JSON objects
// (the model's JSON, decoded into maps); either may be nil. Entity lists
// are read from "entities" or from the top level.
func VarsFromMaps(alert, incident map[string]any) (Vars, error) {
	var v Vars
	var err error
	if alert != nil {
		if v.Alert, err = AlertFromMap(alert); err != nil {
			return Vars{}, fmt.Errorf("alert: %w", err)
		}
	}
	if incident != nil {
		if v.Incident, err = IncidentFromMap(incident); err != nil {
			return Vars{}, fmt.Errorf("incident: %w", err)
		}
	}
	return v, nil
}

// AlertFromMap reads an alert's JSON object.
func AlertFromMap(m map[string]any) (Alert, error) {
	r := reader{m: m}
	a := Alert{
		Kind: "alert", ID: r.int64("id"), Integration: r.str("integration"), VendorID: r.str("vendor_id"),
		Title: r.str("title"), Description: r.str("description"), Status: r.str("status"),
		Verdict: r.str("verdict"), Published: r.bool("published"), Source: r.str("source"),
		IncidentID: r.int64("incident_id"), CreatedAt: r.time("created_at"), UpdatedAt: r.time("updated_at"),
		Hosts: r.entities("hosts"), Users: r.entities("users"), IPs: r.entities("ips"),
		FileHashes: r.entities("file_hashes"), Processes: r.entities("processes"),
	}
	a.Severity, a.SeverityName = r.severity()
	return a, r.err
}

// IncidentFromMap reads an incident's JSON object.
func IncidentFromMap(m map[string]any) (Incident, error) {
	r := reader{m: m}
	in := Incident{
		Kind: "incident", ID: r.int64("id"), Integration: r.str("integration"), VendorID: r.str("vendor_id"),
		Title: r.str("title"), Description: r.str("description"), Status: r.str("status"),
		Verdict: r.str("verdict"), Published: r.bool("published"), Classification: r.str("classification"),
		CreatedAt: r.time("created_at"), UpdatedAt: r.time("updated_at"),
	}
	if ids, ok := m["alert_ids"].([]any); ok {
		in.AlertCount = len(ids)
	} else if n := r.int64("alert_count"); n > 0 {
		in.AlertCount = int(n)
	}
	in.Severity, in.SeverityName = r.severity()
	return in, r.err
}

// reader pulls typed fields out of a JSON object and keeps the first type
// error, so a bad field is reported by name rather than read as zero.
type reader struct {
	m   map[string]any
	err error
}

func (r *reader) fail(key string, v any, want string) {
	if r.err == nil {
		r.err = fmt.Errorf("field %s is %T, want %s", key, v, want)
	}
}

func (r *reader) str(key string) string {
	switch v := r.m[key].(type) {
	case nil:
		return ""
	case string:
		return v
	default:
		r.fail(key, v, "a string")
		return ""
	}
}

func (r *reader) bool(key string) bool {
	switch v := r.m[key].(type) {
	case nil:
		return false
	case bool:
		return v
	default:
		r.fail(key, v, "a boolean")
		return false
	}
}

func (r *reader) number(key string) (float64, bool) {
	switch v := r.m[key].(type) {
	case nil:
		return 0, false
	case float64:
		return v, true
	case int:
		return float64(v), true
	case int64:
		return float64(v), true
	case json.Number:
		f, err := v.Float64()
		if err != nil {
			r.fail(key, v, "a number")
		}
		return f, err == nil
	default:
		r.fail(key, v, "a number")
		return 0, false
	}
}

func (r *reader) int64(key string) int64 {
	f, _ := r.number(key)
	if f > math.MaxInt64 || f < math.MinInt64 {
		r.fail(key, f, "an integer in range")
		return 0
	}
	return int64(f)
}

func (r *reader) time(key string) time.Time {
	switch v := r.m[key].(type) {
	case nil:
		return time.Time{}
	case time.Time:
		return v
	case string:
		t, err := time.Parse(time.RFC3339Nano, v)
		if err != nil && v != "" {
			r.fail(key, v, "an RFC 3339 time")
		}
		return t
	default:
		r.fail(key, v, "an RFC 3339 time")
		return time.Time{}
	}
}

// severity accepts a name ("high") or a 0-100 score (85).
func (r *reader) severity() (int, string) {
	if s, ok := r.m["severity"].(string); ok {
		n, known := SeverityScore(s)
		if !known {
			r.fail("severity", s, "informational, low, medium, high, critical or a number")
		}
		return n, SeverityName(n)
	}
	f, _ := r.number("severity")
	n := int(math.Max(0, math.Min(100, f)))
	return n, SeverityName(n)
}

// entities reads a string list from "entities" or the top level.
func (r *reader) entities(key string) []string {
	v, ok := r.m[key]
	if ent, isMap := r.m["entities"].(map[string]any); !ok && isMap {
		v = ent[key]
	}
	switch list := v.(type) {
	case nil:
		return nil
	case []string:
		return list
	case []any:
		out := make([]string, 0, len(list))
		for _, e := range list {
			s, isStr := e.(string)
			if !isStr {
				r.fail(key, e, "a list of strings")
				return nil
			}
			out = append(out, s)
		}
		return out
	default:
		r.fail(key, v, "a list of strings")
		return nil
	}
}
