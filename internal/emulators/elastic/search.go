package elastic

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/alertsync/alertsync/internal/emulators/emukit"
)

// maxResultWindow is Elasticsearch's index.max_result_window default.
const maxResultWindow = 10000

// defaultSize is what Elasticsearch returns when size is left out.
const defaultSize = 10

// searchRequest is QueryAlertsBodyParams after zod: only the declared
// keys, type-checked.
type searchRequest struct {
	query     any
	size      int
	sort      []sortKey
	source    any // nil: whole _source
	fields    []string
	trackHits *bool
	aggs      bool
}

// parseSearch checks the body the way the route's zod schema does.
func parseSearch(body map[string]any) (searchRequest, string) {
	req := searchRequest{size: defaultSize}
	if q, ok := body["query"]; ok {
		if _, isObj := q.(map[string]any); !isObj {
			return req, expected("query", "object", q)
		}
		req.query = q
	}
	if v, ok := body["size"]; ok {
		n, msg := nonNegativeInt("size", v)
		if msg != "" {
			return req, msg
		}
		req.size = n
	}
	if v, ok := body["track_total_hits"]; ok {
		b, isBool := v.(bool)
		if !isBool {
			return req, expected("track_total_hits", "boolean", v)
		}
		req.trackHits = &b
	}
	if msg := parseSourceParam(body, &req); msg != "" {
		return req, msg
	}
	for _, k := range []string{"aggs", "runtime_mappings"} {
		if v, ok := body[k]; ok {
			if _, isObj := v.(map[string]any); !isObj {
				return req, expected(k, "object", v)
			}
			req.aggs = req.aggs || k == "aggs"
		}
	}
	if v, ok := body["sort"]; ok {
		keys, err := parseSort(v)
		if err != nil {
			return req, "sort: Invalid input"
		}
		req.sort = keys
	}
	return req, ""
}

func parseSourceParam(body map[string]any, req *searchRequest) string {
	if v, ok := body["_source"]; ok {
		switch x := v.(type) {
		case bool:
			req.source = x
		case string:
			req.source = []string{x}
		case []any:
			var names []string
			for _, e := range x {
				s, isStr := e.(string)
				if !isStr {
					return "_source: Invalid input"
				}
				names = append(names, s)
			}
			req.source = names
		default:
			return "_source: Invalid input"
		}
	}
	if v, ok := body["fields"]; ok {
		arr, isArr := v.([]any)
		if !isArr {
			return expected("fields", "array", v)
		}
		for _, e := range arr {
			if s, isStr := e.(string); isStr {
				req.fields = append(req.fields, s)
			}
		}
	}
	return ""
}

// hit is one search hit as Elasticsearch returns it.
type hit struct {
	Index  string           `json:"_index"`
	ID     string           `json:"_id"`
	Score  *float64         `json:"_score"`
	Source map[string]any   `json:"_source,omitempty"`
	Fields map[string][]any `json:"fields,omitempty"`
	Sort   []any            `json:"sort,omitempty"`
}

type totalHits struct {
	Value    int    `json:"value"`
	Relation string `json:"relation"`
}

type searchResponse struct {
	Took     int  `json:"took"`
	TimedOut bool `json:"timed_out"`
	Shards   struct {
		Total      int `json:"total"`
		Successful int `json:"successful"`
		Skipped    int `json:"skipped"`
		Failed     int `json:"failed"`
	} `json:"_shards"`
	Hits struct {
		Total    *totalHits `json:"total,omitempty"`
		MaxScore *float64   `json:"max_score"`
		Hits     []hit      `json:"hits"`
	} `json:"hits"`
}

// search is POST /api/detection_engine/signals/search (SearchAlerts):
// the raw Elasticsearch answer over the space's alerts index.
func (e *Emulator) search(w http.ResponseWriter, r *http.Request) {
	body, msg := readObject(r)
	if msg != "" {
		e.badBody(w, r, msg)
		return
	}
	req, msg := parseSearch(body)
	if msg != "" {
		e.badBody(w, r, msg)
		return
	}
	if req.aggs {
		e.siem(w, r, http.StatusBadRequest, "aggregations are not implemented by the alertsync emulator")
		return
	}
	if req.size > maxResultWindow {
		e.siem(w, r, http.StatusBadRequest, fmt.Sprintf("Result window is too large, from + size must be less than or equal to: [%d] but was [%d]. "+
			"See the scroll api for a more efficient way to request large data sets. This limit can be set by changing the [index.max_result_window] index level setting.",
			maxResultWindow, req.size))
		return
	}
	resp, err := e.runSearch(spaceOf(r), req)
	if err != nil {
		e.siem(w, r, http.StatusBadRequest, err.Error())
		return
	}
	emukit.WriteJSON(w, http.StatusOK, resp)
}

func (e *Emulator) runSearch(space string, req searchRequest) (searchResponse, error) {
	now := e.clock.Now()
	e.mu.Lock()
	defer e.mu.Unlock()
	matched, err := e.matchLocked(space, req.query, now)
	if err != nil {
		return searchResponse{}, err
	}
	sortDocs(matched, req.sort, now)
	var resp searchResponse
	resp.Took = 1 + len(matched)/500
	resp.Shards.Total, resp.Shards.Successful = 1, 1
	resp.Hits.Total = total(len(matched), req.trackHits)
	if len(req.sort) == 0 {
		zero := 0.0
		resp.Hits.MaxScore = &zero
	}
	resp.Hits.Hits = []hit{}
	for _, d := range matched[:min(req.size, len(matched))] {
		resp.Hits.Hits = append(resp.Hits.Hits, toHit(d, req))
	}
	return resp, nil
}

// matchLocked returns the space's documents matching query (all when nil).
func (e *Emulator) matchLocked(space string, query any, now time.Time) ([]*doc, error) {
	match := func(*doc) bool { return true }
	if query != nil {
		m, err := compile(query, now)
		if err != nil {
			var qe *queryError
			if errors.As(err, &qe) {
				return nil, err
			}
			return nil, fmt.Errorf("compile query: %w", err)
		}
		match = m
	}
	var out []*doc
	for _, d := range e.sortedLocked() {
		if d.space == space && match(d) {
			out = append(out, d)
		}
	}
	return out, nil
}

// total is hits.total: exact up to 10,000 by default, exact always with
// track_total_hits true, left out with false.
func total(n int, track *bool) *totalHits {
	switch {
	case track != nil && !*track:
		return nil
	case track == nil && n > maxResultWindow:
		return &totalHits{Value: maxResultWindow, Relation: "gte"}
	}
	return &totalHits{Value: n, Relation: "eq"}
}

func toHit(d *doc, req searchRequest) hit {
	h := hit{Index: d.index, ID: d.id}
	if len(req.sort) == 0 {
		zero := 0.0
		h.Score = &zero
	}
	switch src := req.source.(type) {
	case nil:
		h.Source = emukit.DeepCopy(d.source)
	case []string:
		h.Source = emukit.DeepCopy(filterSource(d.source, src))
	case bool:
		if src {
			h.Source = emukit.DeepCopy(d.source)
		}
	}
	for _, f := range req.fields {
		if vs := docValues(d, f); len(vs) > 0 {
			if h.Fields == nil {
				h.Fields = map[string][]any{}
			}
			h.Fields[f] = emukit.DeepCopy(vs)
		}
	}
	for _, k := range req.sort {
		h.Sort = append(h.Sort, hitSortValue(d, k.field))
	}
	return h
}
