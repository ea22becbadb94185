package crowdstrike

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
)

// Limits the alerts service documents: the combined endpoint pages up to
// 1,000 alerts (100 by default), the id query up to 10,000.
const (
	combinedMax     = 1000
	queryMax        = 10000
	defaultLimit    = 100
	maxOffsetWindow = 10000 // offset+limit beyond this is refused [U: exact rule]
)

// errInvalidElement is the service's answer to a body whose keys or
// value types it does not expect (falconpy issue #1166: `ids` where
// `composite_ids` belongs). It is used for every structural problem of a
// body [U: the service may word other problems differently].
var errInvalidElement = errors.New("invalid element in the request")

// decodeBody reads a JSON object whose keys must all be in allowed.
func decodeBody(r *http.Request, allowed ...string) (map[string]json.RawMessage, error) {
	raw, err := io.ReadAll(io.LimitReader(r.Body, 8<<20))
	if err != nil {
		return nil, errInvalidElement
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(bytes.TrimSpace(raw), &m); err != nil || m == nil {
		return nil, errInvalidElement
	}
	for k := range m {
		if !slices.Contains(allowed, k) {
			return nil, errInvalidElement
		}
	}
	return m, nil
}

// field decodes one property strictly into out (absent leaves it as is).
func field(m map[string]json.RawMessage, name string, out any) error {
	raw, ok := m[name]
	if !ok || string(raw) == "null" {
		return nil
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return errInvalidElement
	}
	return nil
}

// selectLocked returns the alerts matching filter in order.
func (e *Emulator) selectLocked(terms []term, o order) []*Alert {
	var out []*Alert
	for _, a := range e.alerts {
		if match(a, terms) {
			out = append(out, a)
		}
	}
	slices.SortFunc(out, func(a, b *Alert) int { return o.compareKeys(o.key(a), a.CompositeID, o.key(b), b.CompositeID) })
	return out
}

type combinedPaging struct {
	After string `json:"after,omitempty"`
	Limit int    `json:"limit"`
	Total int    `json:"total"`
}

// combined serves POST /alerts/combined/alerts/v1: full alerts, paged
// with `after` (search-after on the sort values, so records changing
// while a client pages move instead of shifting pages) until a page
// comes without one.
func (e *Emulator) combined(w http.ResponseWriter, r *http.Request) {
	m, err := decodeBody(r, "after", "filter", "limit", "sort")
	var body struct {
		After, Filter, Sort string
		Limit               int
	}
	for _, f := range []struct {
		name string
		out  any
	}{{"after", &body.After}, {"filter", &body.Filter}, {"sort", &body.Sort}, {"limit", &body.Limit}} {
		if err == nil {
			err = field(m, f.name, f.out)
		}
	}
	terms, o, err := e.query(err, body.Filter, body.Sort)
	if err == nil && (body.Limit < 0 || body.Limit > combinedMax) {
		err = fmt.Errorf("limit must be between 1 and %d", combinedMax)
	}
	if err != nil {
		e.badRequest(w, r, err.Error())
		return
	}
	limit := cmpOr(body.Limit, defaultLimit)
	e.mu.Lock()
	sel := e.selectLocked(terms, o)
	start := 0
	if body.After != "" {
		key, id, derr := decodeAfter(body.After, o)
		if derr != nil {
			e.mu.Unlock()
			e.badRequest(w, r, derr.Error())
			return
		}
		start, _ = slices.BinarySearchFunc(sel, struct{}{}, func(a *Alert, _ struct{}) int {
			if o.compareKeys(o.key(a), a.CompositeID, key, id) <= 0 {
				return -1
			}
			return 1
		})
	}
	end := min(start+limit, len(sel))
	page := make([]Alert, 0, end-start)
	for _, a := range sel[start:end] {
		page = append(page, a.clone())
	}
	pg := combinedPaging{Limit: limit, Total: len(sel)}
	if end < len(sel) {
		pg.After = encodeAfter(o, len(sel), sel[end-1])
	}
	e.mu.Unlock()
	mt := newMeta(w, poweredByDetects)
	mt.Pagination = pg
	writeOK(w, reply{Meta: mt, Resources: page, Errors: []apiError{}})
}

func cmpOr(v, def int) int {
	if v == 0 {
		return def
	}
	return v
}

// query parses a filter and a sort unless err is already set.
func (e *Emulator) query(err error, filter, sort string) ([]term, order, error) {
	if err != nil {
		return nil, order{}, err
	}
	terms, err := parseFilter(filter)
	if err != nil {
		return nil, order{}, err
	}
	o, err := parseSort(sort)
	return terms, o, err
}

type offsetPaging struct {
	Offset int `json:"offset"`
	Limit  int `json:"limit"`
	Total  int `json:"total"`
}

// queries serves GET /alerts/queries/alerts/v2: composite ids, paged by
// offset and limit (at most 10,000). q (free text) is accepted and not
// applied.
func (e *Emulator) queries(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	terms, o, err := e.query(nil, q.Get("filter"), q.Get("sort"))
	offset, limit := 0, defaultLimit
	if err == nil && q.Has("offset") {
		offset, err = strconv.Atoi(q.Get("offset"))
	}
	if err == nil && q.Has("limit") {
		limit, err = strconv.Atoi(q.Get("limit"))
	}
	if err == nil && (limit < 1 || limit > queryMax || offset < 0 || offset+limit > maxOffsetWindow) {
		err = fmt.Errorf("limit must be between 1 and %d and offset+limit at most %d", queryMax, maxOffsetWindow)
	}
	if err != nil {
		e.badRequest(w, r, err.Error())
		return
	}
	e.mu.Lock()
	sel := e.selectLocked(terms, o)
	e.mu.Unlock()
	lo, hi := min(offset, len(sel)), min(offset+limit, len(sel))
	ids := make([]string, 0, hi-lo)
	for _, a := range sel[lo:hi] {
		ids = append(ids, a.CompositeID)
	}
	mt := newMeta(w, poweredByDetects)
	mt.Pagination = offsetPaging{Offset: offset, Limit: limit, Total: len(sel)}
	writeOK(w, reply{Meta: mt, Resources: ids, Errors: []apiError{}})
}

// entities serves POST /alerts/entities/alerts/v2: the alerts named by
// composite_ids (required). Ids it does not know are listed in errors
// with code 404 [U: the service's answer for unknown ids is undocumented].
func (e *Emulator) entities(w http.ResponseWriter, r *http.Request) {
	ids, err := e.compositeIDs(r, "composite_ids")
	if err != nil {
		e.badRequest(w, r, err.Error())
		return
	}
	out, errs := []Alert{}, []apiError{}
	e.mu.Lock()
	for _, id := range ids {
		if a, ok := e.alerts[id]; ok {
			out = append(out, a.clone())
		} else {
			errs = append(errs, notFound(id))
		}
	}
	e.mu.Unlock()
	writeOK(w, reply{Meta: newMeta(w, poweredByDetects), Resources: out, Errors: errs})
}

func notFound(id string) apiError {
	return apiError{Code: http.StatusNotFound, ID: id, Message: "alert not found"}
}

// compositeIDs decodes a body of only composite_ids (and, for PATCH,
// action_parameters, read by the caller from m).
func (e *Emulator) compositeIDs(r *http.Request, allowed ...string) ([]string, error) {
	m, err := decodeBody(r, allowed...)
	if err != nil {
		return nil, err
	}
	return idsOf(m)
}

func idsOf(m map[string]json.RawMessage) ([]string, error) {
	var ids []string
	if err := field(m, "composite_ids", &ids); err != nil || len(ids) == 0 || slices.Contains(ids, "") {
		return nil, errInvalidElement
	}
	if len(ids) > MaxIDs {
		return nil, fmt.Errorf("too many composite_ids: at most %d per request", MaxIDs)
	}
	return ids, nil
}
