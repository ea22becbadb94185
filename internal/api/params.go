package api

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/alertsync/alertsync/internal/model"
)

// Paging limits for every list endpoint.
const (
	defaultLimit = 100
	maxLimit     = 1000
)

// page is the keyset position and size a list request asked for.
type page struct {
	after int64
	limit int
}

// query reads typed query parameters and remembers the first problem, so a
// handler parses everything and then checks once. It also remembers which
// names the handler read: ok refuses any other parameter, so a misspelt
// filter is a 400 instead of an unfiltered list.
type query struct {
	vals url.Values
	read []string
	err  string
}

func newQuery(r *http.Request) *query {
	q := &query{}
	vals, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		q.fail("the query string is malformed")
	}
	q.vals = vals
	return q
}

// str returns the named parameter; every typed reader goes through it.
func (q *query) str(name string) string {
	if !slices.Contains(q.read, name) {
		q.read = append(q.read, name)
	}
	vs := q.vals[name]
	if len(vs) == 0 {
		return ""
	}
	if len(vs) > 1 {
		q.fail("query parameter " + name + ": given more than once")
	}
	if err := model.CheckText("query parameter "+name, vs[0], 0); err != nil {
		q.fail(err.Error())
		return ""
	}
	return vs[0]
}

// int64 reads a non-negative whole number in its canonical decimal form:
// "+5", "05" and " 5" are refused rather than read as 5, so one number has
// one spelling.
func (q *query) int64(name string) int64 {
	v := q.str(name)
	if v == "" {
		return 0
	}
	n, ok := canonicalInt(v)
	if !ok || n < 0 {
		q.fail(name + " must be a non-negative whole number in plain decimal")
		return 0
	}
	return n
}

func (q *query) bool(name string) bool {
	v := q.str(name)
	if v == "" {
		return false
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		q.fail(name + " must be true or false")
	}
	return b
}

// page reads the keyset cursor (named after) and limit.
func (q *query) page(after string) page {
	return page{after: q.int64(after), limit: q.limit()}
}

// limit reads the page size.
func (q *query) limit() int {
	if q.str("limit") == "" {
		return defaultLimit
	}
	n := int(q.int64("limit"))
	if n < 1 || n > maxLimit {
		q.fail("limit must be between 1 and 1000")
	}
	return n
}

// oneOf checks that the named parameter, when set, is one of allowed.
func (q *query) oneOf(name string, allowed ...string) string {
	v := q.str(name)
	if v == "" {
		return ""
	}
	if slices.Contains(allowed, v) {
		return v
	}
	q.fail(name + " must be one of " + strings.Join(allowed, ", "))
	return ""
}

func (q *query) fail(msg string) {
	if q.err == "" {
		q.err = msg
	}
}

// unknown names the first parameter the handler did not read, in sorted
// order so the answer does not depend on map order.
func (q *query) unknown() string {
	var extra []string
	for name := range q.vals {
		if !slices.Contains(q.read, name) {
			extra = append(extra, name)
		}
	}
	if len(extra) == 0 {
		return ""
	}
	slices.Sort(extra)
	name, _ := model.CleanText(extra[0])
	return strconv.Quote(name)
}

// ok answers 400 with the first problem and reports whether there was none.
// Call it after reading every parameter the handler takes.
func (q *query) ok(w http.ResponseWriter) bool {
	if q.err == "" {
		if name := q.unknown(); name != "" {
			q.err = "unknown query parameter " + name
		}
	}
	if q.err != "" {
		invalid(w, "%s", q.err)
		return false
	}
	return true
}

// noQuery wraps a handler that reads no query parameters, so it refuses
// them like the list handlers refuse the ones they do not know.
func noQuery(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if newQuery(r).ok(w) {
			h(w, r)
		}
	}
}

// canonicalInt parses s only when it is the one decimal spelling of an
// int64: no sign, no leading zeros, no spaces.
func canonicalInt(s string) (int64, bool) {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || strconv.FormatInt(n, 10) != s {
		return 0, false
	}
	return n, true
}

// pathID reads the numeric {id} path value. Only the canonical decimal form
// of a positive int64 names an object; anything else ("+5", "0005", "abc")
// names nothing that exists, so it answers 404.
func pathID(w http.ResponseWriter, r *http.Request) (int64, bool) {
	id, ok := canonicalInt(r.PathValue("id"))
	if !ok || id < 1 {
		name, _ := model.CleanText(r.PathValue("id"))
		notFound(w, "no object with id %q", name)
		return 0, false
	}
	return id, true
}

// listBody is the shape of every keyset-paged list.
type listBody[T any] struct {
	Items     []T    `json:"items"`
	NextAfter *int64 `json:"next_after,omitempty"`
}

// paged trims a result fetched with limit+1 rows to limit and sets the
// cursor of the next page when there is one.
func paged[T any](items []T, limit int, key func(T) int64) listBody[T] {
	if items == nil {
		items = []T{}
	}
	if len(items) <= limit {
		return listBody[T]{Items: items}
	}
	items = items[:limit]
	next := key(items[len(items)-1])
	return listBody[T]{Items: items, NextAfter: &next}
}

// time reads an RFC 3339 time; empty is the zero time.
func (q *query) time(name string) time.Time {
	v := q.str(name)
	if v == "" {
		return time.Time{}
	}
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		q.fail(name + " must be an RFC 3339 time, e.g. 2026-01-02T15:04:05Z")
	}
	return t.UTC()
}
