package connectortest

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
)

func TestMalformCutsDownTheRecord(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, body, id string
		keep           []string
		want           string
	}{
		{"top-level id", `{"value":[{"id":"a1","title":"x","updated":"t1"},{"id":"a2","title":"y","updated":"t2"}]}`,
			"a2", []string{"updated"}, `{"value":[{"id":"a1","title":"x","updated":"t1"},{"id":"a2","updated":"t2"}]}`},
		{"nested id and kept path", `{"value":[{"name":"n","properties":{"systemAlertId":"s1","title":"x","time":"t"}}]}`,
			"s1", []string{"properties.time"}, `{"value":[{"properties":{"systemAlertId":"s1","time":"t"}}]}`},
		{"numeric id", `{"data":[{"alertId":1234,"alertName":"x"}]}`, "1234", nil, `{"data":[{"alertId":1234}]}`},
		{"a list of bare ids is left alone", `{"resources":["a1","a2"]}`, "a1", nil, `{"resources":["a1","a2"]}`},
		{"a kept path that is absent", `[{"id":"a1","title":"x"}]`, "a1", []string{"missing.path"}, `[{"id":"a1"}]`},
		{"no such id", `{"value":[{"id":"a1"}]}`, "zz", nil, `{"value":[{"id":"a1"}]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := malform([]byte(tt.body), "application/json; charset=utf-8", map[string][]string{tt.id: tt.keep})
			if !sameJSON(t, got, []byte(tt.want)) {
				t.Errorf("malform = %s, want %s", got, tt.want)
			}
		})
	}
}

func TestMalformLeavesOtherBodiesAlone(t *testing.T) {
	t.Parallel()
	ids := map[string][]string{"a1": nil}
	for _, tt := range []struct{ body, contentType string }{
		{`[{"id":"a1","title":"x"}]`, "text/plain"},
		{`[{"id":"a1",`, "application/json"},
	} {
		if got := malform([]byte(tt.body), tt.contentType, ids); string(got) != tt.body {
			t.Errorf("malform(%q, %q) = %q, want it unchanged", tt.body, tt.contentType, got)
		}
	}
}

// TestMalformerServes checks both ways in, as a handler and as a
// transport: answers pass untouched until Break names a record.
func TestMalformerServes(t *testing.T) {
	t.Parallel()
	vendor := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"value":[{"id":"a1","title":"x"},{"id":"a2","title":"y"}]}`))
	})
	var m Malformer
	viaHandler := httptest.NewServer(m.Handler(vendor))
	t.Cleanup(viaHandler.Close)
	plain := httptest.NewServer(vendor)
	t.Cleanup(plain.Close)
	viaTransport := &http.Client{Transport: m.Transport(http.DefaultTransport)}
	// titles reads the titles of the listed records.
	titles := func(c *http.Client, url string) string {
		req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, url, nil)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = resp.Body.Close() }()
		var page struct{ Value []struct{ Title string } }
		if err := json.NewDecoder(resp.Body).Decode(&page); err != nil {
			t.Fatalf("answer does not decode: %v", err)
		}
		var out []string
		for _, v := range page.Value {
			out = append(out, v.Title)
		}
		return strings.Join(out, ",")
	}
	ways := map[string]struct {
		client *http.Client
		url    string
	}{"handler": {http.DefaultClient, viaHandler.URL}, "transport": {viaTransport, plain.URL}}
	for name, c := range ways {
		if got := titles(c.client, c.url); got != "x,y" {
			t.Errorf("through the %s before Break: titles %q", name, got)
		}
	}
	m.Break("a2")
	for name, c := range ways {
		if got := titles(c.client, c.url); got != "x," {
			t.Errorf("through the %s after Break: titles %q, want a2 without its title", name, got)
		}
	}
}

func sameJSON(t *testing.T, a, b []byte) bool {
	t.Helper()
	var x, y any
	if err := json.Unmarshal(a, &x); err != nil {
		t.Fatalf("%s: %v", a, err)
	}
	if err := json.Unmarshal(b, &y); err != nil {
		t.Fatalf("%s: %v", b, err)
	}
	return reflect.DeepEqual(x, y)
}
