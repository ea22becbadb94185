package graph

import (
	"cmp"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/alertsync/alertsync/internal/emulators/emukit"
	"github.com/alertsync/alertsync/internal/emulators/emukit/odata"
)

// errQuery is a query the service refuses with 400; its text is the message.
type errQuery struct{ msg string }

func (e *errQuery) Error() string { return e.msg }

func queryErr(format string, args ...any) error { return &errQuery{fmt.Sprintf(format, args...)} }

// field describes one filterable or sortable property.
type field[T any] struct {
	get  func(*T) any
	enum []string // non-nil for enum properties: literals must be members
}

// selectItems applies $filter and $orderby (defaulting to createdDateTime
// descending, most recent first, as the service lists).
func selectItems[T any](items []*T, q odata.Query, fields map[string]field[T], typeName string, created func(*T) time.Time, id func(*T) string) ([]*T, error) {
	for i, c := range q.Filter {
		f, ok := fields[c.Field]
		if !ok {
			return nil, queryErr("Invalid filter clause: Could not find a property named '%s' on type '%s', or the property is not supported in $filter.", c.Field, typeName)
		}
		if f.enum != nil && c.Value.Kind == odata.KindString {
			m, ok := enumMember(f.enum, c.Value.Str)
			if !ok {
				return nil, queryErr("Invalid filter clause: The string '%s' is not a valid enumeration value for property '%s'.", c.Value.Str, c.Field)
			}
			q.Filter[i].Value.Str = m
		}
	}
	out, err := odata.Select(items, q.Filter, func(it *T, name string) any { return fields[name].get(it) }, false)
	if err != nil {
		return nil, queryErr("Invalid filter clause: %v", errors.Unwrap(err))
	}
	order := q.OrderBy
	if len(order) == 0 {
		order = []odata.OrderBy{{Field: "createdDateTime", Desc: true}}
	}
	for _, o := range order {
		if _, ok := fields[o.Field]; !ok {
			return nil, queryErr("Invalid $orderby: property '%s' is not supported for ordering on type '%s'.", o.Field, typeName)
		}
	}
	slices.SortStableFunc(out, func(a, b *T) int {
		for _, o := range order {
			c := compareAny(fields[o.Field].get(a), fields[o.Field].get(b))
			if o.Desc {
				c = -c
			}
			if c != 0 {
				return c
			}
		}
		return cmp.Or(created(a).Compare(created(b)), cmp.Compare(id(a), id(b)))
	})
	return out, nil
}

func compareAny(a, b any) int {
	if p, ok := a.(*time.Time); ok {
		a = derefTime(p)
	}
	if p, ok := b.(*time.Time); ok {
		b = derefTime(p)
	}
	switch x := a.(type) {
	case time.Time:
		y, _ := b.(time.Time)
		return x.Compare(y)
	case string:
		y, _ := b.(string)
		return strings.Compare(x, y)
	}
	return 0
}

func derefTime(p *time.Time) time.Time {
	if p == nil {
		return time.Time{}
	}
	return *p
}

func strOrNil(p *string) any {
	if p == nil {
		return nil
	}
	return *p
}

// includeUnknown reports whether the client asked for evolvable enum members.
func includeUnknown(r *http.Request) bool {
	for _, v := range r.Header.Values("Prefer") {
		for _, p := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(p), "include-unknown-enum-members") {
				return true
			}
		}
	}
	return false
}

// parseQuery reads the OData options or writes the 400.
func (e *Emulator) parseQuery(w http.ResponseWriter, r *http.Request) (odata.Query, bool) {
	q, err := odata.ParseQuery(r.URL.Query())
	if err != nil {
		e.badRequest(w, r, "Invalid query: %v", err)
		return q, false
	}
	return q, true
}

func (e *Emulator) base(r *http.Request) string { return emukit.RequestBase(r, e.opts.BaseURL) }

// collection is Graph's list envelope.
type collection[T any] struct {
	Context  string `json:"@odata.context"`
	Count    *int   `json:"@odata.count,omitempty"`
	NextLink string `json:"@odata.nextLink,omitempty"`
	Value    []T    `json:"value"`
}

// listing describes one Graph collection for serveList.
type listing[T, V any] struct {
	maxTop   int // largest $top accepted
	pageSize int // page size without $top
	typeName string
	context  string // the @odata.context after $metadata#
	fields   map[string]field[T]
	created  func(*T) time.Time
	id       func(*T) string
	items    func() map[string]*T                       // called with e.mu held
	view     func(in *T, q odata.Query, include bool) V // called with e.mu held
}

// serveList answers a list request the way Graph lists every security
// collection: OData options checked, filtered and ordered, paged with
// $top/$skip and @odata.nextLink, counted on $count=true.
func serveList[T, V any](e *Emulator, w http.ResponseWriter, r *http.Request, l listing[T, V]) {
	q, ok := e.parseQuery(w, r)
	if !ok {
		return
	}
	if q.Top > l.maxTop {
		e.topExceeded(w, r, l.maxTop, q.Top)
		return
	}
	e.mu.Lock()
	sel, err := selectItems(slices.Collect(maps.Values(l.items())), q, l.fields, l.typeName, l.created, l.id)
	if err != nil {
		e.mu.Unlock()
		e.badRequest(w, r, "%s", err.Error())
		return
	}
	lo, hi, more := emukit.Page(len(sel), q.Skip, q.Top, l.pageSize)
	include := includeUnknown(r)
	page := make([]V, 0, hi-lo)
	for _, it := range sel[lo:hi] {
		page = append(page, l.view(it, q, include))
	}
	total := len(sel)
	e.mu.Unlock()

	out := collection[V]{Context: e.base(r) + "/v1.0/$metadata#" + l.context, Value: page}
	if q.Count {
		out.Count = &total
	}
	if more {
		out.NextLink = odata.NextLink(r, e.opts.BaseURL, hi, hi-lo)
	}
	e.answer(w, r, out)
}
