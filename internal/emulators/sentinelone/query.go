package sentinelone

import (
	"cmp"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// MaxLimit is the most items one list page holds, and the deepest skip.
const MaxLimit = 1000

// fieldError is a refused parameter in SentinelOne's wording, which names
// the field and writes the problem as a sentence ("limit: Must be between
// 1 and 1000."); it becomes a Validation Error's detail.
type fieldError string

func (e fieldError) Error() string { return string(e) }

func refuse(format string, args ...any) error { return fieldError(fmt.Sprintf(format, args...)) }

// listSpec is what one list endpoint accepts, as its v2.1 swagger entry
// declares it: anything else is refused as an unknown field (SentinelOne
// validates query strings strictly; the wording of that refusal is
// unconfirmed).
type listSpec struct {
	times    []string // fields with __gt, __gte, __lt and __lte filters
	status   string   // the incident-status filter's name
	statuses []string // its values
	verdict  string   // the analyst-verdict filter's name
	verdicts []string
	sortBy   []string
	bools    []string // extra boolean filters ("resolved")
	// defaultSort is the sortBy of a query that names none ("id" when
	// empty).
	defaultSort string
}

// listQuery is a checked list query.
type listQuery struct {
	limit, skip         int
	cursor              *cursorPos
	sortBy, sortOrder   string
	ids, sites, account set
	times               []timeCond
	statuses, verdicts  set
	bools               map[string]bool
	countOnly           bool
}

type set map[string]bool

// has reports whether v passes: an unset filter passes everything.
func (s set) has(v string) bool { return s == nil || s[v] }

type timeCond struct {
	field, op string
	at        time.Time
}

func (c timeCond) holds(t time.Time) bool {
	switch c.op {
	case "gt":
		return t.After(c.at)
	case "gte":
		return !t.Before(c.at)
	case "lt":
		return t.Before(c.at)
	}
	return !t.After(c.at)
}

// cursorPos is the keyset position a nextCursor encodes: the sort it
// belongs to and the last item returned.
type cursorPos struct {
	By    string `json:"by"`
	Order string `json:"order"`
	Key   string `json:"key"`
	ID    string `json:"id"`
}

func (c cursorPos) encode() string {
	b, _ := json.Marshal(c)
	return base64.StdEncoding.EncodeToString(b)
}

var common = []string{"limit", "skip", "cursor", "sortBy", "sortOrder", "ids", "siteIds", "accountIds", "groupIds", "skipCount", "countOnly", "tenant"}

func (s listSpec) known(name string) bool {
	if slices.Contains(common, name) || name == s.status || name == s.verdict || slices.Contains(s.bools, name) {
		return true
	}
	field, op, ok := strings.Cut(name, "__")
	return ok && slices.Contains(s.times, field) && slices.Contains([]string{"gt", "gte", "lt", "lte"}, op)
}

// parse checks v against the spec. Errors read "<param>: <problem>".
func (s listSpec) parse(v url.Values) (listQuery, error) {
	names := make([]string, 0, len(v))
	for k := range v {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		if !s.known(k) {
			return listQuery{}, refuse("%s: Unknown field.", k)
		}
	}
	q := listQuery{limit: 10, sortBy: cmp.Or(s.defaultSort, "id"), sortOrder: "asc", bools: map[string]bool{}}
	var err error
	if q.limit, err = intParam(v, "limit", 10, 1, MaxLimit); err != nil {
		return q, err
	}
	if q.skip, err = intParam(v, "skip", 0, 0, MaxLimit); err != nil {
		return q, err
	}
	if err := s.parseSort(v, &q); err != nil {
		return q, err
	}
	q.ids, q.sites, q.account = csvSet(v, "ids"), csvSet(v, "siteIds"), csvSet(v, "accountIds")
	if q.statuses, err = enumSet(v, s.status, s.statuses); err != nil {
		return q, err
	}
	if q.verdicts, err = enumSet(v, s.verdict, s.verdicts); err != nil {
		return q, err
	}
	for _, name := range append([]string{"countOnly"}, s.bools...) {
		if raw := v.Get(name); raw != "" {
			b, err := strconv.ParseBool(raw)
			if err != nil {
				return q, refuse("%s: Not a valid boolean.", name)
			}
			q.bools[name] = b
		}
	}
	q.countOnly = q.bools["countOnly"]
	return q, s.parseTimes(v, &q)
}

func (s listSpec) parseSort(v url.Values, q *listQuery) error {
	if by := v.Get("sortBy"); by != "" {
		if !slices.Contains(s.sortBy, by) {
			return refuse("sortBy: Must be one of: %s.", strings.Join(s.sortBy, ", "))
		}
		q.sortBy = by
	}
	if o := v.Get("sortOrder"); o != "" {
		if o != "asc" && o != "desc" {
			return refuse("sortOrder: Must be one of: asc, desc.")
		}
		q.sortOrder = o
	}
	if raw := v.Get("cursor"); raw != "" {
		var c cursorPos
		b, err := base64.StdEncoding.DecodeString(raw)
		if err != nil || json.Unmarshal(b, &c) != nil || c.By != q.sortBy || c.Order != q.sortOrder {
			return refuse("cursor: Invalid cursor for this query.")
		}
		q.cursor = &c
	}
	return nil
}

func (s listSpec) parseTimes(v url.Values, q *listQuery) error {
	for _, f := range s.times {
		for _, op := range []string{"gt", "gte", "lt", "lte"} {
			raw := v.Get(f + "__" + op)
			if raw == "" {
				continue
			}
			t, err := time.Parse(time.RFC3339Nano, raw)
			if err != nil {
				return refuse("%s__%s: Not a valid datetime.", f, op)
			}
			q.times = append(q.times, timeCond{f, op, t.UTC()})
		}
	}
	return nil
}

func intParam(v url.Values, name string, def, lo, hi int) (int, error) {
	raw := v.Get(name)
	if raw == "" {
		return def, nil
	}
	n, err := strconv.Atoi(raw)
	if err != nil || n < lo || n > hi {
		return 0, refuse("%s: Must be between %d and %d.", name, lo, hi)
	}
	return n, nil
}

// csvSet reads a comma-separated list parameter; nil when absent.
func csvSet(v url.Values, name string) set {
	raw := v.Get(name)
	if raw == "" {
		return nil
	}
	out := set{}
	for _, s := range strings.Split(raw, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out[s] = true
		}
	}
	return out
}

func enumSet(v url.Values, name string, allowed []string) (set, error) {
	if name == "" {
		return nil, nil
	}
	s := csvSet(v, name)
	for k := range s {
		if !slices.Contains(allowed, k) {
			return nil, refuse("%s: Must be one of: %s.", name, strings.Join(allowed, ", "))
		}
	}
	return s, nil
}
