package elastic

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// Kibana validates request bodies with zod schemas: a body that is not
// the expected object is a 400 naming the path and what was received,
// and keys the schema does not declare are stripped silently (zod's
// default), so a client's search_after or from never reaches
// Elasticsearch.

// readObject reads a JSON object body; msg is zod's complaint otherwise.
func readObject(r *http.Request) (map[string]any, string) {
	raw, err := io.ReadAll(io.LimitReader(r.Body, 8<<20))
	if err != nil {
		return nil, "Expected object, received undefined"
	}
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return nil, "Expected object, received null"
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, "Unexpected token in JSON body"
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, "Expected object, received " + zodType(v)
	}
	return m, ""
}

// zodType names a JSON value's type the way zod's messages do.
func zodType(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case string:
		return "string"
	case json.Number:
		if strings.ContainsAny(x.String(), ".eE") {
			return "float"
		}
		return "number"
	case bool:
		return "boolean"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return "unknown"
}

func expected(field, want string, got any) string {
	return fmt.Sprintf("%s: Expected %s, received %s", field, want, zodType(got))
}

// stringList reads a non-empty array of non-empty strings (AlertIds).
func stringList(field string, v any) ([]string, string) {
	arr, ok := v.([]any)
	if !ok {
		return nil, expected(field, "array", v)
	}
	if len(arr) == 0 {
		return nil, field + ": Array must contain at least 1 element(s)"
	}
	out := make([]string, 0, len(arr))
	for i, e := range arr {
		s, ok := e.(string)
		if !ok {
			return nil, expected(fmt.Sprintf("%s.%d", field, i), "string", e)
		}
		if s == "" {
			return nil, fmt.Sprintf("%s.%d: String must contain at least 1 character(s)", field, i)
		}
		out = append(out, s)
	}
	return out, ""
}

// nonNegativeInt reads zod's z.number().int().min(0).
func nonNegativeInt(field string, v any) (int, string) {
	n, ok := v.(json.Number)
	if !ok {
		return 0, expected(field, "number", v)
	}
	i, err := n.Int64()
	if err != nil {
		return 0, expected(field, "integer", v)
	}
	if i < 0 {
		return 0, field + ": Number must be greater than or equal to 0"
	}
	return int(i), ""
}
