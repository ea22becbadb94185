package config

import (
	"fmt"
	"reflect"
	"strings"
)

// Keys lists every key the config file takes, as dotted paths with [] for
// list items ("integrations[].policy.auto_validate.min_severity"). A map
// of free keys (an integration's settings, reconcile.rules) is one key;
// reconcile.on_alert, whose keys are statuses, lists its entries' fields
// under <status>. docs/configuration.md is tested against this listing, so
// a field added here without documentation fails a test.
func Keys() []string {
	var out []string
	walkKeys(reflect.TypeOf(Config{}), "", &out)
	return out
}

func walkKeys(t reflect.Type, prefix string, out *[]string) {
	for i := range t.NumField() {
		f := t.Field(i)
		name := yamlName(f)
		if name == "" {
			continue
		}
		path := prefix + name
		ft := f.Type
		for ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		switch {
		case ft == reflect.TypeOf(Secret{}):
			*out = append(*out, path)
		case ft.Kind() == reflect.Struct && ft.PkgPath() == reflect.TypeOf(Config{}).PkgPath():
			walkKeys(ft, path+".", out)
		case ft.Kind() == reflect.Slice && ft.Elem().Kind() == reflect.Struct:
			walkKeys(ft.Elem(), path+"[].", out)
		case ft.Kind() == reflect.Map && ft.Elem().Kind() == reflect.Struct:
			walkKeys(ft.Elem(), path+".<status>.", out)
		default:
			*out = append(*out, path)
		}
	}
}

func yamlName(f reflect.StructField) string {
	name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
	if name == "-" || !f.IsExported() {
		return ""
	}
	return name
}

// walkSecrets calls fn with every Secret field in v (a struct, reached
// through pointers and slices) and its key path ("api.tokens[0].token"),
// so a Secret field added anywhere in Config takes references without
// being listed by hand.
func walkSecrets(v reflect.Value, prefix string, fn func(path string, s *Secret) error) error {
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			return nil
		}
		return walkSecrets(v.Elem(), prefix, fn)
	case reflect.Slice:
		for i := range v.Len() {
			if err := walkSecrets(v.Index(i), fmt.Sprintf("%s[%d]", prefix, i), fn); err != nil {
				return err
			}
		}
		return nil
	case reflect.Struct:
	default:
		return nil
	}
	if s, ok := v.Addr().Interface().(*Secret); ok {
		return fn(prefix, s)
	}
	for i := range v.NumField() {
		f := v.Type().Field(i)
		name := yamlName(f)
		if name == "" {
			continue
		}
		path := name
		if prefix != "" {
			path = prefix + "." + name
		}
		if err := walkSecrets(v.Field(i), path, fn); err != nil {
			return err
		}
	}
	return nil
}
