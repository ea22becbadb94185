package api

import (
	"net/http"
	"strconv"
	"strings"
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
// handler parses everything and then checks once.
type query struct {
	r   *http.Request
	err string
}

func newQuery(r *http.Request) *query { return &query{r: r} }

func (q *query) str(name string) string { return q.r.URL.Query().Get(name) }

func (q *query) int64(name string) int64 {
	v := q.str(name)
	if v == "" {
		return 0
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		q.fail(name + " must be a non-negative whole number")
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
	p := page{after: q.int64(after), limit: defaultLimit}
	if q.str("limit") != "" {
		p.limit = int(q.int64("limit"))
		if p.limit < 1 || p.limit > maxLimit {
			q.fail("limit must be between 1 and 1000")
		}
	}
	return p
}

// oneOf checks that the named parameter, when set, is one of allowed.
func (q *query) oneOf(name string, allowed ...string) string {
	v := q.str(name)
	if v == "" {
		return ""
	}
	for _, a := range allowed {
		if v == a {
			return v
		}
	}
	q.fail(name + " must be one of " + strings.Join(allowed, ", "))
	return ""
}

func (q *query) fail(msg string) {
	if q.err == "" {
		q.err = msg
	}
}

// ok answers 400 with the first problem and reports whether there was none.
func (q *query) ok(w http.ResponseWriter) bool {
	if q.err != "" {
		invalid(w, "%s", q.err)
		return false
	}
	return true
}

// pathID reads the numeric {id} path value; a malformed id names nothing
// that exists, so it answers 404.
func pathID(w http.ResponseWriter, r *http.Request) (int64, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id < 1 {
		notFound(w, "no object with id %q", r.PathValue("id"))
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
