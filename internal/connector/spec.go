package connector

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/alertsync/alertsync/internal/config"
)

// FieldType is the type of one config field.
type FieldType string

// Field types.
const (
	TypeString   FieldType = "string"
	TypeSecret   FieldType = "secret"
	TypeInt      FieldType = "int"
	TypeBool     FieldType = "bool"
	TypeDuration FieldType = "duration"
	TypeList     FieldType = "list"
	TypeMap      FieldType = "map"
)

// Field declares one setting of a connector. One declaration drives strict
// decoding, validation, redaction, docs and the settings form.
type Field struct {
	Name        string    `json:"name"`
	Type        FieldType `json:"type"`
	Default     any       `json:"default,omitempty"`
	Required    bool      `json:"required,omitempty"`
	Enum        []string  `json:"enum,omitempty"`
	Description string    `json:"description"`
}

// Secret reports whether the field holds a credential.
func (f Field) Secret() bool { return f.Type == TypeSecret }

// ConfigSpec is the ordered list of a connector's fields.
type ConfigSpec []Field

// FieldError names the offending field and what is wrong with it.
type FieldError struct {
	Field   string
	Problem string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Problem }

// Normalize checks settings against the spec and returns a copy with
// defaults applied. Unknown keys, missing required fields, wrong types and
// values outside an enum are errors that name the field. A secret field
// written as ${env:NAME} or ${file:PATH} is resolved here (see
// config.ResolveSecretRef), so every connector takes its credentials from
// the environment or a file without code of its own; in any other field
// such a value is an error, since it would otherwise be used literally.
func (s ConfigSpec) Normalize(settings map[string]any) (map[string]any, error) {
	out := make(map[string]any, len(s))
	known := make(map[string]Field, len(s))
	for _, f := range s {
		known[f.Name] = f
	}
	keys := make([]string, 0, len(settings))
	for k := range settings {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		f, ok := known[k]
		if !ok {
			return nil, &FieldError{Field: k, Problem: "unknown setting (known: " + strings.Join(s.names(), ", ") + ")"}
		}
		v, err := coerce(f, settings[k])
		if err != nil {
			return nil, &FieldError{Field: k, Problem: err.Error()}
		}
		out[k] = v
	}
	for _, f := range s {
		if _, ok := out[f.Name]; ok {
			continue
		}
		if f.Required {
			return nil, &FieldError{Field: f.Name, Problem: "required"}
		}
		if f.Default != nil {
			out[f.Name] = f.Default
		}
	}
	return out, nil
}

// Decode normalises settings and decodes them strictly into dst, a pointer
// to the connector's Config struct with json tags matching field names.
func (s ConfigSpec) Decode(settings map[string]any, dst any) error {
	norm, err := s.Normalize(settings)
	if err != nil {
		return err
	}
	b, err := json.Marshal(norm)
	if err != nil {
		return fmt.Errorf("encode settings: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return fmt.Errorf("decode settings: %w", err)
	}
	return nil
}

// Redact returns settings with every secret field replaced by a placeholder,
// for the API and logs.
func (s ConfigSpec) Redact(settings map[string]any) map[string]any {
	out := make(map[string]any, len(settings))
	for k, v := range settings {
		out[k] = v
	}
	for _, f := range s {
		if f.Secret() {
			if _, ok := out[f.Name]; ok {
				out[f.Name] = "[REDACTED]"
			}
		}
	}
	return out
}

// SecretFields lists the names of secret fields.
func (s ConfigSpec) SecretFields() []string {
	var out []string
	for _, f := range s {
		if f.Secret() {
			out = append(out, f.Name)
		}
	}
	return out
}

func (s ConfigSpec) names() []string {
	out := make([]string, len(s))
	for i, f := range s {
		out[i] = f.Name
	}
	return out
}

func coerce(f Field, v any) (any, error) {
	if str, ok := v.(string); ok && config.IsSecretRef(str) {
		if !f.Secret() {
			return nil, errors.New("${env:...} and ${file:...} references are resolved only in secret settings")
		}
		return config.ResolveSecretRef(str)
	}
	switch f.Type {
	case TypeString, TypeSecret:
		str, ok := v.(string)
		if !ok {
			return nil, fmt.Errorf("want a string, got %T", v)
		}
		if len(f.Enum) > 0 && !slices.Contains(f.Enum, str) {
			return nil, fmt.Errorf("%q is not one of %s", str, strings.Join(f.Enum, ", "))
		}
		return str, nil
	case TypeInt:
		switch n := v.(type) {
		case int:
			return n, nil
		case int64:
			return int(n), nil
		case float64:
			if n != float64(int(n)) {
				return nil, fmt.Errorf("want a whole number, got %v", n)
			}
			return int(n), nil
		}
		return nil, fmt.Errorf("want a whole number, got %T", v)
	case TypeBool:
		b, ok := v.(bool)
		if !ok {
			return nil, fmt.Errorf("want true or false, got %T", v)
		}
		return b, nil
	case TypeDuration:
		str, ok := v.(string)
		if !ok {
			return nil, fmt.Errorf("want a duration such as \"30s\", got %T", v)
		}
		if _, err := time.ParseDuration(str); err != nil {
			return nil, fmt.Errorf("want a duration such as \"30s\": %w", err)
		}
		return str, nil
	case TypeList:
		return coerceList(v)
	case TypeMap:
		m, ok := v.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("want a mapping, got %T", v)
		}
		return m, nil
	}
	return nil, fmt.Errorf("field type %q unknown", f.Type)
}

func coerceList(v any) (any, error) {
	switch l := v.(type) {
	case []string:
		return l, nil
	case []any:
		out := make([]string, len(l))
		for i, e := range l {
			s, ok := e.(string)
			if !ok {
				return nil, fmt.Errorf("item %d: want a string, got %T", i, e)
			}
			out[i] = s
		}
		return out, nil
	}
	return nil, fmt.Errorf("want a list of strings, got %T", v)
}
