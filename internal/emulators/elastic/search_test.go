package elastic

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
)

// TestSearchSize: size is optional and defaults to Elasticsearch's 10; an
// empty body is a 400; keys the schema does not declare (from,
// search_after) are stripped, not honoured.
func TestSearchSize(t *testing.T) {
	t.Parallel()
	h := setup(t, 25)
	tests := []struct {
		name, body string
		status     int
		hits       int
		msg        string
	}{
		{"size left out", `{}`, 200, 10, ""},
		{"size 3", `{"size":3}`, 200, 3, ""},
		{"size 0", `{"size":0}`, 200, 0, ""},
		{"size above the alerts", `{"size":100}`, 200, 25, ""},
		{"empty body", ``, 400, 0, "[request body]: Expected object, received null"},
		{"array body", `[]`, 400, 0, "[request body]: Expected object, received array"},
		{"size a string", `{"size":"5"}`, 400, 0, "[request body]: size: Expected number, received string"},
		{"negative size", `{"size":-1}`, 400, 0, "[request body]: size: Number must be greater than or equal to 0"},
		{"size over max_result_window", `{"size":10001}`, 400, 0, "Result window is too large"},
		{"from stripped", `{"size":5,"from":20}`, 200, 5, ""},
		{"query not an object", `{"query":"x"}`, 400, 0, "[request body]: query: Expected object, received string"},
		{"aggregations", `{"size":0,"aggs":{"x":{"terms":{"field":"host.name"}}}}`, 400, 0, "aggregations"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := h.call(t, http.MethodPost, searchPath, tt.body, nil)
			if r.status != tt.status {
				t.Fatalf("status %d, want %d: %s", r.status, tt.status, r.body)
			}
			if tt.status != 200 {
				if msg, _ := r.json(t)["message"].(string); !strings.HasPrefix(msg, tt.msg) && !strings.Contains(msg, tt.msg) {
					t.Errorf("message %q, want %q", msg, tt.msg)
				}
				return
			}
			if got := len(hitIDs(t, r)); got != tt.hits {
				t.Errorf("%d hits, want %d", got, tt.hits)
			}
		})
	}
	first := hitIDs(t, h.call(t, http.MethodPost, searchPath, `{"size":5,"sort":["kibana.alert.uuid"]}`, nil))
	again := hitIDs(t, h.call(t, http.MethodPost, searchPath, `{"size":5,"sort":["kibana.alert.uuid"],"search_after":["`+first[4]+`"]}`, nil))
	if !slices.Equal(first, again) {
		t.Errorf("search_after was honoured: %v then %v", first, again)
	}
}

// TestSearchQueries runs the query DSL subset over documents in both
// shapes Kibana indexes: dotted kibana.alert.* keys and nested objects.
func TestSearchQueries(t *testing.T) {
	t.Parallel()
	h := setup(t, 0)
	ids := h.fixture(t)
	h.clock.Set(t0) // 09:00
	tests := []struct {
		name, query string
		want        []string
	}{
		{"match_all", `{"match_all":{}}`, ids},
		{"term dotted key", `{"term":{"kibana.alert.workflow_status":"open"}}`, []string{ids[0], ids[3]}},
		{"term with value", `{"term":{"kibana.alert.severity":{"value":"low"}}}`, []string{ids[1]}},
		{"term nested object", `{"term":{"host.name":"dc01.contoso.com"}}`, []string{ids[0], ids[2]}},
		{"term dotted host.name", `{"term":{"host.name":"srv-sql-0914.contoso.com"}}`, []string{ids[3]}},
		{"terms", `{"terms":{"kibana.alert.severity":["low","critical"]}}`, []string{ids[1], ids[3]}},
		{"terms _id", `{"terms":{"_id":["a1","a3"]}}`, []string{ids[0], ids[2]}},
		{"ids", `{"ids":{"values":["a2"]}}`, []string{ids[1]}},
		{"range date iso", `{"range":{"@timestamp":{"gte":"2026-03-31T08:05:00.000Z","lt":"2026-03-31T08:20:00Z"}}}`, []string{ids[1], ids[2]}},
		{"range date gt", `{"range":{"@timestamp":{"gt":"2026-03-31T08:05:00.000Z"}}}`, []string{ids[3]}},
		{"range epoch millis", `{"range":{"@timestamp":{"gte":1774944300000}}}`, []string{ids[1], ids[2], ids[3]}},
		{"range date math", `{"range":{"@timestamp":{"gte":"now-45m"}}}`, []string{ids[3]}},
		{"range number", `{"range":{"kibana.alert.risk_score":{"gt":21,"lte":73}}}`, []string{ids[0], ids[2]}},
		{"range keyword", `{"range":{"kibana.alert.uuid":{"gt":"a2"}}}`, []string{ids[2], ids[3]}},
		{"exists", `{"exists":{"field":"kibana.alert.workflow_status_updated_at"}}`, []string{ids[1], ids[2]}},
		{"must_not building block", `{"bool":{"must_not":[{"exists":{"field":"kibana.alert.building_block_type"}}]}}`, []string{ids[0], ids[1], ids[3]}},
		{"should alone needs one", `{"bool":{"should":[{"term":{"kibana.alert.severity":"low"}},{"term":{"kibana.alert.severity":"high"}}]}}`, []string{ids[0], ids[1]}},
		{"should beside filter is optional", `{"bool":{"filter":{"term":{"host.name":"dc01.contoso.com"}},"should":[{"term":{"kibana.alert.severity":"low"}}]}}`, []string{ids[0], ids[2]}},
		{"minimum_should_match", `{"bool":{"filter":[{"exists":{"field":"@timestamp"}}],"should":[{"range":{"kibana.alert.workflow_status_updated_at":{"gte":"2026-03-31T08:20:00Z"}}},{"range":{"@timestamp":{"gte":"2026-03-31T08:20:00Z"}}}],"minimum_should_match":1}}`, []string{ids[1], ids[3]}},
		{"keyset", `{"bool":{"should":[{"range":{"@timestamp":{"gt":"2026-03-31T08:05:00.000Z"}}},{"bool":{"filter":[{"term":{"@timestamp":"2026-03-31T08:05:00.000Z"}},{"range":{"kibana.alert.uuid":{"gt":"a2"}}}]}}],"minimum_should_match":1}}`, []string{ids[2], ids[3]}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := h.call(t, http.MethodPost, searchPath, `{"size":100,"query":`+tt.query+`}`, nil)
			if r.status != 200 {
				t.Fatalf("%d %s", r.status, r.body)
			}
			got := hitIDs(t, r)
			slices.Sort(got)
			want := slices.Clone(tt.want)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Errorf("hits %v, want %v", got, want)
			}
		})
	}
	for _, bad := range []string{`{"match":{"host.name":"x"}}`, `{"term":{"a":1},"range":{}}`, `{"bool":{"filters":[]}}`} {
		r := h.call(t, http.MethodPost, searchPath, `{"query":`+bad+`}`, nil)
		if m := r.json(t); r.status != 400 || m["status_code"] != float64(400) || !strings.Contains(m["message"].(string), "parsing_exception") {
			t.Errorf("query %s: %d %s", bad, r.status, r.body)
		}
	}
}

// TestSearchSortAndSource: sort values are epoch milliseconds for dates
// and the value itself for keywords; _source filtering keeps a field in
// whichever shape the document holds it.
func TestSearchSortAndSource(t *testing.T) {
	t.Parallel()
	h := setup(t, 0)
	h.fixture(t)
	r := h.call(t, http.MethodPost, searchPath, `{"size":10,"sort":[{"@timestamp":{"order":"desc"}},{"kibana.alert.uuid":"asc"}],
		"_source":["kibana.alert.workflow_status","kibana.alert.uuid","host.name"],"query":{"exists":{"field":"kibana.alert.severity"}}}`, nil)
	var resp struct {
		Hits struct {
			Total struct{ Value int }
			Hits  []struct {
				ID     string         `json:"_id"`
				Score  *float64       `json:"_score"`
				Source map[string]any `json:"_source"`
				Sort   []any          `json:"sort"`
			}
		}
	}
	if err := json.Unmarshal(r.body, &resp); err != nil || r.status != 200 {
		t.Fatalf("%d %s", r.status, r.body)
	}
	var order []string
	for _, hit := range resp.Hits.Hits {
		order = append(order, hit.ID)
		if hit.Score != nil {
			t.Errorf("sorted hit %s has a score", hit.ID)
		}
	}
	if !slices.Equal(order, []string{"a4", "a2", "a3", "a1"}) || resp.Hits.Total.Value != 4 {
		t.Fatalf("order %v (total %d)", order, resp.Hits.Total.Value)
	}
	if s := resp.Hits.Hits[1].Sort; len(s) != 2 || s[0] != float64(1774944300000) || s[1] != "a2" {
		t.Errorf("sort values %v", s)
	}
	src := resp.Hits.Hits[1].Source
	if len(src) != 3 || src["kibana.alert.workflow_status"] != "closed" || src["host"].(map[string]any)["name"] != "ws-fin-0142.contoso.com" {
		t.Errorf("filtered _source %v", src)
	}
	r = h.call(t, http.MethodPost, searchPath, `{"size":1,"_source":["kibana.alert.uuid"],"query":{"term":{"kibana.alert.severity":"critical"}}}`, nil)
	if !strings.Contains(string(r.body), `"_source":{"kibana":{"alert":{"uuid":`) {
		t.Errorf("nested _source filter: %s", r.body)
	}
	r = h.call(t, http.MethodPost, searchPath, `{"size":1,"track_total_hits":false,"_source":false}`, nil)
	if strings.Contains(string(r.body), `"hits":{"total"`) || strings.Contains(string(r.body), `"_source"`) {
		t.Errorf("track_total_hits false / _source false: %s", r.body)
	}
}
