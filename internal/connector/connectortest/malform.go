package connectortest

import (
	"bytes"
	"encoding/json"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
)

// Malformer breaks chosen records in a vendor's answers, for vendors
// whose emulator cannot be made to serve a bad record itself: a test puts
// it in front of the emulator (Handler) or in the connector's transport
// (Transport), seeds records as usual and names one to break.
//
// In every JSON answer, an element of an array that holds the named id as
// one of its values, at any depth, as a string or a number, is cut down
// to that id and the members Break was told to keep (dotted paths, such
// as the time a cursor needs or the tenant a filter checks). What is left
// reads like a truncated, half-written record: no title, no time, which
// no mapping accepts.
type Malformer struct {
	mu   sync.Mutex
	keep map[string][]string // id -> paths kept beside it
}

// Break makes every answer that follows serve the record holding id cut
// down to it and the members at keep.
func (m *Malformer) Break(id string, keep ...string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.keep == nil {
		m.keep = map[string][]string{}
	}
	m.keep[id] = keep
}

func (m *Malformer) broken() map[string][]string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return maps.Clone(m.keep)
}

// Handler serves next's answers through the Malformer.
func (m *Malformer) Handler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ids := m.broken()
		if len(ids) == 0 {
			next.ServeHTTP(w, r)
			return
		}
		rec := httptest.NewRecorder()
		next.ServeHTTP(rec, r)
		body := malform(rec.Body.Bytes(), rec.Header().Get("Content-Type"), ids)
		maps.Copy(w.Header(), rec.Header())
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.WriteHeader(rec.Code)
		_, _ = w.Write(body)
	})
}

// Transport sends requests through next and answers through the
// Malformer.
func (m *Malformer) Transport(next http.RoundTripper) http.RoundTripper {
	return roundTripper(func(req *http.Request) (*http.Response, error) {
		resp, err := next.RoundTrip(req)
		ids := m.broken()
		if err != nil || len(ids) == 0 {
			return resp, err
		}
		b, err := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		if err != nil {
			return nil, err
		}
		b = malform(b, resp.Header.Get("Content-Type"), ids)
		resp.Body, resp.ContentLength = io.NopCloser(bytes.NewReader(b)), int64(len(b))
		resp.Header.Set("Content-Length", strconv.Itoa(len(b)))
		return resp, nil
	})
}

type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// malform rewrites a JSON body; anything else passes as it is.
func malform(body []byte, contentType string, ids map[string][]string) []byte {
	if !strings.Contains(contentType, "json") {
		return body
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var doc any
	if dec.Decode(&doc) != nil {
		return body
	}
	doc, changed := walk(doc, ids)
	if !changed {
		return body
	}
	out, err := json.Marshal(doc)
	if err != nil {
		return body
	}
	return out
}

// walk cuts down the array elements that hold a broken id.
func walk(v any, ids map[string][]string) (any, bool) {
	changed := false
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			var c bool
			x[k], c = walk(e, ids)
			changed = changed || c
		}
	case []any:
		for i, e := range x {
			if cut, ok := cutDown(e, ids); ok {
				x[i], changed = cut, true
				continue
			}
			var c bool
			x[i], c = walk(e, ids)
			changed = changed || c
		}
	}
	return v, changed
}

// cutDown returns an object holding a broken id reduced to the paths that
// lead to the id and the paths kept beside it.
func cutDown(v any, ids map[string][]string) (any, bool) {
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, false
	}
	for id, keep := range ids {
		paths := pathsTo(obj, id, "")
		if len(paths) == 0 {
			continue
		}
		out := map[string]any{}
		for _, p := range append(paths, keep...) {
			if val, ok := at(obj, p); ok {
				put(out, p, val)
			}
		}
		return out, true
	}
	return nil, false
}

// pathsTo lists the dotted paths of obj's members (through objects only)
// whose value is id.
func pathsTo(obj map[string]any, id, prefix string) []string {
	var out []string
	for k, v := range obj {
		switch x := v.(type) {
		case string:
			if x == id {
				out = append(out, prefix+k)
			}
		case json.Number:
			if x.String() == id {
				out = append(out, prefix+k)
			}
		case map[string]any:
			out = append(out, pathsTo(x, id, prefix+k+".")...)
		}
	}
	return out
}

func at(obj map[string]any, path string) (any, bool) {
	head, rest, nested := strings.Cut(path, ".")
	v, ok := obj[head]
	if !ok || !nested {
		return v, ok
	}
	sub, ok := v.(map[string]any)
	if !ok {
		return nil, false
	}
	return at(sub, rest)
}

func put(obj map[string]any, path string, v any) {
	head, rest, nested := strings.Cut(path, ".")
	if !nested {
		obj[head] = v
		return
	}
	sub, ok := obj[head].(map[string]any)
	if !ok {
		sub = map[string]any{}
		obj[head] = sub
	}
	put(sub, rest, v)
}
