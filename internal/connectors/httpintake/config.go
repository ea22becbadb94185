package httpintake

import (
	"fmt"
	"net/url"
	"time"

	"github.com/alertsync/alertsync/internal/config"
	"github.com/alertsync/alertsync/internal/connector"
)

// minKeyLen keeps intake keys out of guessing range.
const minKeyLen = 16

// Config is the decoded settings of one intake integration.
type Config struct {
	IntakeKey      config.Secret     `json:"intake_key"`
	FieldMap       map[string]string `json:"field_map"`
	SeverityMap    map[string]string `json:"severity_map"`
	StatusMap      map[string]string `json:"status_map"`
	WritebackURL   string            `json:"writeback_url"`
	WritebackToken config.Secret     `json:"writeback_token"`
	Timeout        string            `json:"timeout"`
}

// Spec declares the settings; it drives decoding, validation, redaction,
// docs and the settings form.
var Spec = connector.ConfigSpec{
	{Name: "intake_key", Type: connector.TypeSecret, Required: true,
		Description: "Key senders present in the X-Alertsync-Intake-Key header or as \"Authorization: Bearer <key>\"; at least 16 characters."},
	{Name: "field_map", Type: connector.TypeMap,
		Description: "Where each alert field is found in a pushed object, as a dotted path (\"data.alert.id\"; a number indexes an array, and a path crossing an array collects from every element). Keys: " +
			"vendor_id, title, description, severity, status, created_at, updated_at, hosts, users, ips, file_hashes, processes, source. Unset keys use the field's own name, except vendor_id which defaults to \"id\"."},
	{Name: "severity_map", Type: connector.TypeMap,
		Description: "Sender severity → canonical severity (critical, high, medium, low, informational, unknown), case-insensitive; added to built-in words such as critical, high, medium, moderate, low, info."},
	{Name: "status_map", Type: connector.TypeMap,
		Description: "Sender status → canonical status (new, in_progress, suppressed, resolved, unknown), case-insensitive; added to built-in words such as new, open, active, in_progress, resolved, closed, dismissed."},
	{Name: "writeback_url", Type: connector.TypeString,
		Description: "Optional http(s) URL that receives state changes and comments as JSON POSTs; leave empty for an intake-only integration. " +
			"Each POST carries an Idempotency-Key header (also idempotency_key in the body): 64 hex digits, the SHA-256 of alertsync's key for the action, the same on every retry. " +
			"A 4xx answer other than 401, 403, 404, 408, 409, 412, 425 and 429 is taken as final and the action is dead-lettered at once."},
	{Name: "writeback_token", Type: connector.TypeSecret,
		Description: "Optional bearer token sent with write-back requests."},
	{Name: "timeout", Type: connector.TypeDuration, Default: "10s",
		Description: "Time limit for one write-back request."},
}

// settings is Config checked and turned into what the connector uses.
type settings struct {
	mapping      Mapping
	writebackURL string
	timeout      time.Duration
}

func (c Config) check() (settings, error) {
	var s settings
	if len(c.IntakeKey.Reveal()) < minKeyLen {
		return s, &connector.FieldError{Field: "intake_key", Problem: fmt.Sprintf("must be at least %d characters", minKeyLen)}
	}
	m, err := NewMapping(c.FieldMap, c.SeverityMap, c.StatusMap)
	if err != nil {
		return s, err
	}
	s.mapping = m
	s.timeout = 10 * time.Second
	if c.Timeout != "" {
		if s.timeout, err = time.ParseDuration(c.Timeout); err != nil || s.timeout <= 0 {
			return s, &connector.FieldError{Field: "timeout", Problem: "want a positive duration such as \"10s\""}
		}
	}
	if c.WritebackURL == "" {
		if !c.WritebackToken.IsZero() {
			return s, &connector.FieldError{Field: "writeback_token", Problem: "set without writeback_url"}
		}
		return s, nil
	}
	u, err := url.Parse(c.WritebackURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return s, &connector.FieldError{Field: "writeback_url", Problem: "want an absolute http(s) URL"}
	}
	s.writebackURL = c.WritebackURL
	return s, nil
}
