package ui

import (
	"fmt"
	"net/url"
	"reflect"
	"strconv"
	"strings"

	"github.com/alertsync/alertsync/internal/engine"
	"github.com/alertsync/alertsync/internal/model"
)

// policyField is one input of the policy form. The form is generated from
// engine.Policy itself, field by field, so a new policy setting shows up
// in the console without HTML of its own, for every vendor alike.
type policyField struct {
	// Name is the field's JSON path ("auto_validate.min_severity").
	Name  string
	Label string
	// Type is "bool", "int" or "severity".
	Type    string
	Value   string
	Default string
	Checked bool
	Options []string
}

var severityType = reflect.TypeFor[model.Severity]()

var severities = []string{"", string(model.SeverityInformational), string(model.SeverityLow), string(model.SeverityMedium),
	string(model.SeverityHigh), string(model.SeverityCritical)}

// policyFields lists cur's settings with def's values beside them.
func policyFields(cur, def engine.Policy) []policyField {
	var out []policyField
	walkPolicy(reflect.ValueOf(&cur).Elem(), reflect.ValueOf(&def).Elem(), "", func(name string, v, d reflect.Value) {
		f := policyField{Name: name, Label: labelOf(name), Value: fmt.Sprint(v.Interface()), Default: fmt.Sprint(d.Interface())}
		switch {
		case v.Kind() == reflect.Bool:
			f.Type, f.Checked = "bool", v.Bool()
			f.Default = map[bool]string{true: "on", false: "off"}[d.Bool()]
		case v.Type() == severityType:
			f.Type, f.Options = "severity", severities
			if f.Default == "" {
				f.Default = "any"
			}
		default:
			f.Type = "int"
		}
		out = append(out, f)
	})
	return out
}

// policyFromForm reads a posted policy form: every field is set from the
// form (an unticked checkbox is not posted, so it reads as off).
func policyFromForm(form url.Values) (engine.Policy, error) {
	p := engine.DefaultPolicy()
	var err error
	walkPolicy(reflect.ValueOf(&p).Elem(), reflect.ValueOf(&p).Elem(), "", func(name string, v, _ reflect.Value) {
		raw := strings.TrimSpace(form.Get(name))
		switch {
		case v.Kind() == reflect.Bool:
			v.SetBool(form.Has(name))
		case v.Type() == severityType:
			if !validSeverity(raw) {
				err = fmt.Errorf("%s: %q is not a severity", labelOf(name), raw)
				return
			}
			v.SetString(raw)
		case v.CanInt():
			n, perr := strconv.Atoi(raw)
			if perr != nil || n < 1 {
				err = fmt.Errorf("%s must be a whole number of at least 1", labelOf(name))
				return
			}
			v.SetInt(int64(n))
		}
	})
	return p, err
}

func validSeverity(s string) bool {
	for _, v := range severities {
		if s == v {
			return true
		}
	}
	return false
}

// walkPolicy calls fn for every leaf field of v (a struct), with the
// same field of def, named by its JSON path.
func walkPolicy(v, def reflect.Value, prefix string, fn func(name string, v, def reflect.Value)) {
	t := v.Type()
	for i := range t.NumField() {
		tag, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		if tag == "" || tag == "-" {
			continue
		}
		name := prefix + tag
		if t.Field(i).Type.Kind() == reflect.Struct {
			walkPolicy(v.Field(i), def.Field(i), name+".", fn)
			continue
		}
		fn(name, v.Field(i), def.Field(i))
	}
}

// labelOf turns a JSON path into words: "auto_validate.min_severity"
// reads "Auto validate: min severity".
func labelOf(name string) string {
	parts := strings.Split(name, ".")
	for i, p := range parts {
		parts[i] = strings.ReplaceAll(p, "_", " ")
	}
	s := strings.Join(parts, ": ")
	return strings.ToUpper(s[:1]) + s[1:]
}
