package cortexxdr

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// MaxPage is the most records one search returns: search_to minus
// search_from may not exceed it.
const MaxPage = 100

// decodeRequest reads the {"request_data":{…}} envelope every call takes
// and decodes request_data strictly into dst: a field the call does not
// know is refused, so a misspelt one does not pass silently.
func decodeRequest(r *http.Request, dst any) error {
	raw, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		return fmt.Errorf("read request body: %w", err)
	}
	var env map[string]json.RawMessage
	if err := json.Unmarshal(bytes.TrimSpace(raw), &env); err != nil || env == nil {
		return errors.New("request body must be a JSON object")
	}
	for k := range env {
		if k != "request_data" {
			return fmt.Errorf("unexpected top-level field %q; parameters go in request_data", k)
		}
	}
	data, ok := env["request_data"]
	if !ok || bytes.Equal(bytes.TrimSpace(data), []byte("null")) {
		return errors.New("request_data is required")
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	dec.UseNumber()
	if err := dec.Decode(dst); err != nil {
		return fmt.Errorf("request_data: %w", err)
	}
	return nil
}

// search is the part of a listing call's request_data that filters,
// pages and sorts.
type search struct {
	Filters    []filter  `json:"filters"`
	SearchFrom *int      `json:"search_from"`
	SearchTo   *int      `json:"search_to"`
	Sort       *sortSpec `json:"sort"`
}

type filter struct {
	Field    string          `json:"field"`
	Operator string          `json:"operator"`
	Value    json.RawMessage `json:"value"`
}

type sortSpec struct {
	Field   string `json:"field"`
	Keyword string `json:"keyword"`
}

// window returns the [from, to) bounds the request asks for: search_from
// defaults to 0 and search_to to search_from + 100, and a range over 100
// is refused.
func (s search) window() (from, to int, err error) {
	if s.SearchFrom != nil {
		from = *s.SearchFrom
	}
	to = from + MaxPage
	if s.SearchTo != nil {
		to = *s.SearchTo
	}
	switch {
	case from < 0 || to < 0:
		return 0, 0, errors.New("search_from and search_to must be zero or more")
	case to < from:
		return 0, 0, errors.New("search_to must not be smaller than search_from")
	case to-from > MaxPage:
		return 0, 0, fmt.Errorf("the result set size (search_to - search_from) may not exceed %d; got %d", MaxPage, to-from)
	}
	return from, to, nil
}

// order checks the sort against the fields a call sorts by; it returns
// the field ("" for the call's own order) and whether it is descending.
func (s search) order(fields []string) (string, bool, error) {
	if s.Sort == nil {
		return "", false, nil
	}
	ok := false
	for _, f := range fields {
		ok = ok || f == s.Sort.Field
	}
	if !ok {
		return "", false, fmt.Errorf("sort field %q is not supported; use one of %s", s.Sort.Field, strings.Join(fields, ", "))
	}
	switch strings.ToLower(s.Sort.Keyword) {
	case "asc":
		return s.Sort.Field, false, nil
	case "desc":
		return s.Sort.Field, true, nil
	}
	return "", false, fmt.Errorf("sort keyword %q is not supported; use asc or desc", s.Sort.Keyword)
}
