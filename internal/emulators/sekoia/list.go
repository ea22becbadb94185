package sekoia

import (
	"cmp"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// matchers are the match[...] filters the emulator applies, each a
// comma-separated OR list (the documentation: "Multiple values are
// separated by a comma ... treated as a logical OR"); the others the
// swagger lists are accepted and ignored.
var matchers = map[string]func(Alert) string{
	"uuid":            func(a Alert) string { return a.UUID },
	"short_id":        func(a Alert) string { return a.ShortID },
	"community_uuid":  func(a Alert) string { return a.CommunityUUID },
	"status_uuid":     func(a Alert) string { return a.Status.UUID },
	"status_name":     func(a Alert) string { return a.Status.Name },
	"rule_name":       func(a Alert) string { return a.Rule.Name },
	"rule_uuid":       func(a Alert) string { return a.Rule.UUID },
	"entity_uuid":     func(a Alert) string { return a.Entity.UUID },
	"entity_name":     func(a Alert) string { return a.Entity.Name },
	"source":          func(a Alert) string { return a.Source },
	"target":          func(a Alert) string { return a.Target },
	"urgency_display": func(a Alert) string { return a.Urgency.Display },
}

// sorters are the swagger's sort enum.
var sorters = map[string]func(a, b Alert) int{
	"created_at": func(a, b Alert) int { return cmp.Compare(a.CreatedAt, b.CreatedAt) },
	"updated_at": func(a, b Alert) int { return cmp.Compare(a.UpdatedAt, b.UpdatedAt) },
	"urgency":    func(a, b Alert) int { return cmp.Compare(a.Urgency.CurrentValue, b.Urgency.CurrentValue) },
	"status":     func(a, b Alert) int { return strings.Compare(a.Status.Name, b.Status.Name) },
	"rule_name":  func(a, b Alert) int { return strings.Compare(a.Rule.Name, b.Rule.Name) },
	"source":     func(a, b Alert) int { return strings.Compare(a.Source, b.Source) },
	"target":     func(a, b Alert) int { return strings.Compare(a.Target, b.Target) },
	"entity":     func(a, b Alert) int { return strings.Compare(a.Entity.Name, b.Entity.Name) },
	"type":       func(a, b Alert) int { return strings.Compare(a.AlertType.Value, b.AlertType.Value) },
	"similar":    func(a, b Alert) int { return cmp.Compare(a.Similar, b.Similar) },
}

// listQuery is a parsed GET /alerts.
type listQuery struct {
	limit, offset int
	withCount     bool
	filters       []func(Alert) bool
	order         func(a, b Alert) int
}

// list answers GET /alerts.
func (e *Emulator) list(w http.ResponseWriter, r *http.Request) {
	q, err := e.parseList(r.URL.Query())
	if err != nil {
		e.fail4xx(w, r, http.StatusBadRequest, err.Error())
		return
	}
	var hits []Alert
	for _, a := range e.Alerts() {
		if q.keep(a) {
			hits = append(hits, a)
		}
	}
	slices.SortStableFunc(hits, q.order)
	lo, hi := min(q.offset, len(hits)), min(q.offset+q.limit, len(hits))
	out := listReply{Items: hits[lo:hi], HasMore: hi < len(hits)}
	if out.Items == nil {
		out.Items = []Alert{}
	}
	if q.withCount {
		n := len(hits)
		out.Total = &n
	}
	writeOK(w, out)
}

func (q listQuery) keep(a Alert) bool {
	for _, f := range q.filters {
		if !f(a) {
			return false
		}
	}
	return true
}

// parseList reads limit (1-100, the swagger's range), offset, with_count,
// sort, direction and the filters; anything malformed is a 400.
func (e *Emulator) parseList(v url.Values) (listQuery, error) {
	q := listQuery{limit: e.opts.PageSize, withCount: v.Get("with_count") != "false"}
	var err error
	if s := v.Get("limit"); s != "" {
		if q.limit, err = strconv.Atoi(s); err != nil || q.limit < 1 || q.limit > 100 {
			return q, fmt.Errorf("limit: allowed range is 1-100, got %q", s)
		}
	}
	if s := v.Get("offset"); s != "" {
		if q.offset, err = strconv.Atoi(s); err != nil || q.offset < 0 {
			return q, fmt.Errorf("offset: want 0 or more, got %q", s)
		}
	}
	if q.order, err = order(v.Get("sort"), v.Get("direction")); err != nil {
		return q, err
	}
	for name, field := range matchers {
		if s := v.Get("match[" + name + "]"); s != "" {
			want := strings.Split(s, ",")
			q.filters = append(q.filters, func(a Alert) bool { return slices.Contains(want, field(a)) })
		}
	}
	for name, field := range map[string]func(Alert) int64{
		"created_at": func(a Alert) int64 { return a.CreatedAt }, "updated_at": func(a Alert) int64 { return a.UpdatedAt },
	} {
		f, err := dateFilter(name, v.Get("date["+name+"]"), field)
		if err != nil {
			return q, err
		}
		if f != nil {
			q.filters = append(q.filters, f)
		}
	}
	return q, nil
}

// order is the sort the query asks for; the default is created_at
// descending [U: the swagger gives no default], ties by uuid.
func order(field, direction string) (func(a, b Alert) int, error) {
	if field == "" {
		field = "created_at"
	}
	by, ok := sorters[field]
	if !ok {
		return nil, fmt.Errorf("sort: %q is not a sortable field", field)
	}
	sign := -1
	switch direction {
	case "asc":
		sign = 1
	case "", "desc":
	default:
		return nil, fmt.Errorf("direction: accepted values are 'asc' and 'desc', got %q", direction)
	}
	return func(a, b Alert) int { return cmp.Or(sign*by(a, b), strings.Compare(a.UUID, b.UUID)) }, nil
}

// dateFilter reads a date[...] range: "from,to" in RFC 3339 (the form
// Sekoia's automation library sends), both bounds inclusive, to the
// second of the epoch-second field [U: bounds' inclusiveness]; either side
// may be empty for an open range [U].
func dateFilter(name, s string, field func(Alert) int64) (func(Alert) bool, error) {
	if s == "" {
		return nil, nil
	}
	from, to, ok := strings.Cut(s, ",")
	if !ok {
		return nil, fmt.Errorf("date[%s]: want \"<from>,<to>\" in RFC 3339, got %q", name, s)
	}
	lo, hi := int64(-1<<62), int64(1<<62)
	for _, b := range []struct {
		text string
		dst  *int64
	}{{from, &lo}, {to, &hi}} {
		if b.text == "" {
			continue
		}
		t, err := time.Parse(time.RFC3339Nano, b.text)
		if err != nil {
			return nil, fmt.Errorf("date[%s]: %q is not an RFC 3339 date", name, b.text)
		}
		*b.dst = t.Unix()
	}
	return func(a Alert) bool { v := field(a); return v >= lo && v <= hi }, nil
}
