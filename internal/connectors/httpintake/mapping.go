package httpintake

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/alertsync/alertsync/internal/connector"
	"github.com/alertsync/alertsync/internal/model"
)

// fieldNames are the alert fields a field_map may place.
var fieldNames = []string{
	"vendor_id", "title", "description", "severity", "status", "created_at", "updated_at",
	"hosts", "users", "ips", "file_hashes", "processes", "source",
}

// defaultSeverities cover the words senders commonly use.
var defaultSeverities = map[string]model.Severity{
	"critical": model.SeverityCritical, "crit": model.SeverityCritical, "fatal": model.SeverityCritical,
	"high": model.SeverityHigh, "severe": model.SeverityHigh,
	"medium": model.SeverityMedium, "moderate": model.SeverityMedium, "med": model.SeverityMedium,
	"low":  model.SeverityLow,
	"info": model.SeverityInformational, "informational": model.SeverityInformational, "information": model.SeverityInformational,
	"unknown": model.SeverityUnknown,
}

// defaultStatuses cover the words senders commonly use. "active" is read
// as raised and not yet handled, the way most consoles use it.
var defaultStatuses = map[string]model.Status{
	"new": model.StatusNew, "open": model.StatusNew, "active": model.StatusNew, "triggered": model.StatusNew,
	"in_progress": model.StatusInProgress, "inprogress": model.StatusInProgress, "investigating": model.StatusInProgress,
	"acknowledged": model.StatusInProgress, "assigned": model.StatusInProgress,
	"resolved": model.StatusResolved, "closed": model.StatusResolved, "done": model.StatusResolved,
	"dismissed": model.StatusSuppressed, "suppressed": model.StatusSuppressed, "ignored": model.StatusSuppressed,
	"false_positive": model.StatusSuppressed,
	"unknown":        model.StatusUnknown,
}

// Mapping turns pushed JSON objects into alerts. It is pure: the same
// payload and clock give the same result, which the golden tests rely on.
type Mapping struct {
	paths      map[string][]string
	severities map[string]model.Severity
	statuses   map[string]model.Status
}

// NewMapping builds a Mapping from the field_map, severity_map and
// status_map settings layered over the defaults; any may be nil.
func NewMapping(fields, severities, statuses map[string]string) (Mapping, error) {
	m := Mapping{paths: map[string][]string{}, severities: map[string]model.Severity{}, statuses: map[string]model.Status{}}
	for _, f := range fieldNames {
		m.paths[f] = []string{f}
	}
	m.paths["vendor_id"] = []string{"id"}
	for f, p := range fields {
		if !slices.Contains(fieldNames, f) {
			return Mapping{}, &connector.FieldError{Field: "field_map", Problem: fmt.Sprintf("unknown field %q (known: %s)", f, strings.Join(fieldNames, ", "))}
		}
		if strings.TrimSpace(p) == "" {
			return Mapping{}, &connector.FieldError{Field: "field_map", Problem: fmt.Sprintf("empty path for %q", f)}
		}
		m.paths[f] = strings.Split(strings.TrimSpace(p), ".")
	}
	maps.Copy(m.severities, defaultSeverities)
	for k, v := range severities {
		sev, ok := defaultSeverities[normKey(v)] // so "info" names informational
		if !ok {
			return Mapping{}, &connector.FieldError{Field: "severity_map", Problem: fmt.Sprintf("%q maps to %q, not a known severity", k, v)}
		}
		m.severities[normKey(k)] = sev
	}
	maps.Copy(m.statuses, defaultStatuses)
	for k, v := range statuses {
		st, ok := defaultStatuses[normKey(v)] // so "closed" names resolved
		if !ok {
			return Mapping{}, &connector.FieldError{Field: "status_map", Problem: fmt.Sprintf("%q maps to %q, not a known status", k, v)}
		}
		m.statuses[normKey(k)] = st
	}
	return m, nil
}

// normKey folds case, spacing and hyphens so "In Progress", "in-progress"
// and "IN_PROGRESS" are one word.
func normKey(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	return strings.NewReplacer(" ", "_", "-", "_").Replace(s)
}

// Item maps one pushed object. Whatever goes wrong, Raw is kept verbatim
// and Err says why, so the engine can quarantine the payload.
func (m Mapping) Item(integration string, raw json.RawMessage, now time.Time) connector.Item {
	it := connector.Item{Raw: raw}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var doc any
	if err := dec.Decode(&doc); err != nil {
		it.Err = fmt.Errorf("decode pushed alert: %w", err)
		return it
	}
	obj, ok := doc.(map[string]any)
	if !ok {
		it.Err = errors.New("pushed alert is not a JSON object")
		return it
	}
	a, err := m.Alert(integration, obj, now)
	if a != nil {
		it.VendorID = a.VendorID
		if idErr := checkVendorID(a.VendorID, raw); idErr != nil {
			// The item is quarantined under a readable form of the id.
			it.VendorID, _ = model.CleanText(a.VendorID)
			it.VendorID, _ = model.TruncateBytes(it.VendorID, model.MaxVendorIDLen)
			err = idErr
		}
	}
	if err != nil {
		it.Err = err
		return it
	}
	a.Raw = raw
	it.Alert = a
	return it
}

// checkVendorID refuses an id that cannot be stored and written back as
// the sender sent it: model.CheckVendorID's rules, plus invalid UTF-8,
// which the JSON decoder has already replaced with U+FFFD by the time the
// id is read (a replacement character in the id of a payload that is not
// valid UTF-8 is taken as one).
func checkVendorID(id string, raw []byte) error {
	if err := model.CheckVendorID(id); err != nil {
		return err
	}
	if strings.ContainsRune(id, utf8.RuneError) && !utf8.Valid(raw) {
		return errors.New("vendor id contains invalid UTF-8")
	}
	return nil
}

// Alert maps a decoded object (numbers as json.Number). It returns the
// partly filled alert with the error, so the vendor id of a bad payload is
// still known when it was found.
func (m Mapping) Alert(integration string, obj map[string]any, now time.Time) (*model.Alert, error) {
	a := &model.Alert{Integration: integration}
	var err error
	if a.VendorID, err = m.required(obj, "vendor_id"); err != nil {
		return nil, err
	}
	steps := []func() error{
		func() (err error) { a.Title, err = m.required(obj, "title"); return err },
		func() (err error) { a.Description, err = m.optional(obj, "description"); return err },
		func() (err error) { a.Source, err = m.optional(obj, "source"); return err },
		func() (err error) { a.Severity, err = m.severity(obj); return err },
		func() (err error) { a.Status, a.RemoteStatus, err = m.status(obj); return err },
		func() error { return m.times(obj, a, now) },
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return a, err
		}
	}
	a.Entities = model.Entities{
		Hosts: m.list(obj, "hosts"), Users: m.list(obj, "users"), IPs: m.list(obj, "ips"),
		FileHashes: m.list(obj, "file_hashes"), Processes: m.list(obj, "processes"),
	}.Normalize()
	return a, nil
}

func (m Mapping) path(field string) string { return strings.Join(m.paths[field], ".") }

// optional returns the scalar at field's path, or "" when absent.
func (m Mapping) optional(obj map[string]any, field string) (string, error) {
	for _, v := range lookup(obj, m.paths[field]) {
		if v == nil {
			continue
		}
		s, ok := scalar(v)
		if !ok {
			return "", fmt.Errorf("%s at %q is not a string or number", field, m.path(field))
		}
		return strings.TrimSpace(s), nil
	}
	return "", nil
}

// required is optional that fails on an absent or empty value.
func (m Mapping) required(obj map[string]any, field string) (string, error) {
	s, err := m.optional(obj, field)
	if err == nil && s == "" {
		err = fmt.Errorf("no %s at %q", field, m.path(field))
	}
	return s, err
}

func (m Mapping) severity(obj map[string]any) (model.Severity, error) {
	v, err := m.optional(obj, "severity")
	if err != nil || v == "" {
		return model.SeverityUnknown, err
	}
	if sev, ok := m.severities[normKey(v)]; ok {
		return sev, nil
	}
	return "", fmt.Errorf("unknown severity %q (add it to severity_map)", v)
}

// status returns the canonical status and the sender's own word for it,
// which the echo ledger compares against what write-back reported.
func (m Mapping) status(obj map[string]any) (model.Status, string, error) {
	v, err := m.optional(obj, "status")
	if err != nil || v == "" {
		return model.StatusNew, "", err
	}
	if st, ok := m.statuses[normKey(v)]; ok {
		return st, v, nil
	}
	return "", v, fmt.Errorf("unknown status %q (add it to status_map)", v)
}

func (m Mapping) times(obj map[string]any, a *model.Alert, now time.Time) error {
	a.CreatedAt, a.UpdatedAt = now.UTC(), time.Time{}
	for _, f := range []string{"created_at", "updated_at"} {
		v := first(lookup(obj, m.paths[f]))
		if v == nil {
			continue
		}
		t, err := parseTime(v)
		if err != nil {
			return fmt.Errorf("%s at %q: %w", f, m.path(f), err)
		}
		if f == "created_at" {
			a.CreatedAt = t
		} else {
			a.UpdatedAt = t
		}
	}
	if a.UpdatedAt.IsZero() {
		a.UpdatedAt = a.CreatedAt
	}
	return nil
}

// list collects the scalars at field's path, flattening arrays; other
// shapes are skipped because entities are best effort.
func (m Mapping) list(obj map[string]any, field string) []string {
	var out []string
	for _, v := range lookup(obj, m.paths[field]) {
		vals := []any{v}
		if arr, ok := v.([]any); ok {
			vals = arr
		}
		for _, e := range vals {
			if s, ok := scalar(e); ok && s != "" {
				out = append(out, s)
			}
		}
	}
	return out
}
