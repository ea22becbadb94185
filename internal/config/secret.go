package config

import (
	"encoding/json"
	"log/slog"
)

// Secret holds a credential. It prints, logs and marshals as a placeholder
// so it cannot leak through a format verb, a log line or an API response;
// only Reveal returns the value, at the point of use.
type Secret struct{ v string }

// NewSecret wraps s.
func NewSecret(s string) Secret { return Secret{v: s} }

// Reveal returns the plain value. Call it only where the vendor needs it.
func (s Secret) Reveal() string { return s.v }

// IsZero reports whether no value is set.
func (s Secret) IsZero() bool { return s.v == "" }

const redacted = "[REDACTED]"

func (s Secret) String() string {
	if s.v == "" {
		return ""
	}
	return redacted
}

// GoString keeps %#v from printing the value.
func (s Secret) GoString() string { return "config.Secret{" + s.String() + "}" }

// LogValue keeps slog from printing the value.
func (s Secret) LogValue() slog.Value { return slog.StringValue(s.String()) }

// MarshalJSON always writes the placeholder.
func (s Secret) MarshalJSON() ([]byte, error) { return json.Marshal(s.String()) }

// UnmarshalJSON reads a plain string.
func (s *Secret) UnmarshalJSON(b []byte) error { return json.Unmarshal(b, &s.v) }

// UnmarshalYAML reads a plain string from YAML config.
func (s *Secret) UnmarshalYAML(unmarshal func(any) error) error { return unmarshal(&s.v) }
