package template

import (
	"encoding/json"
	"fmt"
	"reflect"
)

// maxDataDepth bounds how deeply data may nest; it also stops a map that
// contains itself.
const maxDataDepth = 64

// checkData accepts only JSON-like values. gonja calls Go methods it finds
// on values (String, and any method a template names), so a struct, pointer
// or function in the data would give templates more than data.
func checkData(data map[string]any) error {
	for k, v := range data {
		if err := checkValue(v, 1); err != nil {
			return fmt.Errorf("data %q: %w", k, err)
		}
	}
	return nil
}

func checkValue(v any, depth int) error {
	if depth > maxDataDepth {
		return fmt.Errorf("nested more than %d levels", maxDataDepth)
	}
	switch x := v.(type) {
	case nil, string, bool, float64, int, int64, json.Number:
		return nil
	case map[string]any:
		for _, e := range x {
			if err := checkValue(e, depth+1); err != nil {
				return err
			}
		}
		return nil
	case []any:
		for _, e := range x {
			if err := checkValue(e, depth+1); err != nil {
				return err
			}
		}
		return nil
	}
	return checkReflect(reflect.ValueOf(v), depth)
}

// checkReflect handles typed containers ([]string, map[string]int...).
func checkReflect(rv reflect.Value, depth int) error {
	if rv.NumMethod() > 0 {
		return fmt.Errorf("type %s has methods; pass plain values", rv.Type())
	}
	switch rv.Kind() {
	case reflect.String, reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Float32, reflect.Float64:
		return nil
	case reflect.Slice, reflect.Array:
		for i := 0; i < rv.Len(); i++ {
			if err := checkValue(rv.Index(i).Interface(), depth+1); err != nil {
				return err
			}
		}
		return nil
	case reflect.Map:
		if rv.Type().Key().Kind() != reflect.String {
			return fmt.Errorf("map keys must be strings, not %s", rv.Type().Key())
		}
		for it := rv.MapRange(); it.Next(); {
			if err := checkValue(it.Value().Interface(), depth+1); err != nil {
				return err
			}
		}
		return nil
	}
	return fmt.Errorf("unsupported type %s (use maps, slices, strings, numbers, booleans)", rv.Type())
}
