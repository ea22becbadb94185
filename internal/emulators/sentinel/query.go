package sentinel

import (
	"cmp"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/alertsync/alertsync/internal/emulators/emukit"
	"github.com/alertsync/alertsync/internal/emulators/emukit/arm"
	"github.com/alertsync/alertsync/internal/emulators/emukit/odata"
)

// listQuery is a parsed Incidents_List / IncidentComments_List query.
type listQuery struct {
	top     int // page size
	offset  int
	filter  []odata.Clause
	orderBy []odata.OrderBy
}

// parseListQuery reads $top (at most MaxTop), $filter, $orderby and
// $skipToken; errors wrap ErrInvalid.
func parseListQuery[T any](q url.Values, pageSize int, fields map[string]func(T) any) (listQuery, error) {
	lq := listQuery{top: pageSize}
	if s := q.Get("$top"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > MaxTop {
			return listQuery{}, fmt.Errorf("%w: the value of $top must be an integer between 1 and %d, got '%s'", ErrInvalid, MaxTop, s)
		}
		lq.top = n
	}
	var err error
	if lq.offset, err = arm.DecodeSkipToken(q.Get("$skipToken")); err != nil {
		return listQuery{}, fmt.Errorf("%w: invalid $skipToken", ErrInvalid)
	}
	if lq.filter, err = odata.ParseFilter(q.Get("$filter")); err != nil {
		return listQuery{}, fmt.Errorf("%w: invalid $filter: %w", ErrInvalid, err)
	}
	if lq.orderBy, err = odata.ParseOrderBy(q.Get("$orderby")); err != nil {
		return listQuery{}, fmt.Errorf("%w: invalid $orderby: %w", ErrInvalid, err)
	}
	for _, c := range lq.filter {
		if fields[strings.ToLower(c.Field)] == nil {
			return listQuery{}, fmt.Errorf("%w: invalid $filter: property '%s' is not supported", ErrInvalid, c.Field)
		}
	}
	for _, o := range lq.orderBy {
		if fields[strings.ToLower(o.Field)] == nil {
			return listQuery{}, fmt.Errorf("%w: invalid $orderby: property '%s' is not supported", ErrInvalid, o.Field)
		}
	}
	return lq, nil
}

// incidentFields are the properties $filter and $orderby may name.
var incidentFields = map[string]func(Incident) any{
	"name":                                  func(i Incident) any { return i.Name },
	"properties/title":                      func(i Incident) any { return i.Properties.Title },
	"properties/status":                     func(i Incident) any { return i.Properties.Status },
	"properties/severity":                   func(i Incident) any { return i.Properties.Severity },
	"properties/classification":             func(i Incident) any { return i.Properties.Classification },
	"properties/incidentnumber":             func(i Incident) any { return i.Properties.IncidentNumber },
	"properties/createdtimeutc":             func(i Incident) any { return i.Properties.CreatedTimeUtc },
	"properties/lastmodifiedtimeutc":        func(i Incident) any { return i.Properties.LastModifiedTimeUtc },
	"properties/owner/userprincipalname":    func(i Incident) any { return i.Properties.Owner.UserPrincipalName },
	"properties/owner/objectid":             func(i Incident) any { return i.Properties.Owner.ObjectID },
	"properties/providerincidentid":         func(i Incident) any { return i.Properties.ProviderIncidentID },
	"properties/lastactivitytimeutc":        func(i Incident) any { return i.Properties.LastActivityTimeUtc },
	"properties/firstactivitytimeutc":       func(i Incident) any { return i.Properties.FirstActivityTimeUtc },
	"properties/additionaldata/alertscount": func(i Incident) any { return i.Properties.AdditionalData.AlertsCount },
}

// selectIncidents filters and orders incidents; with no $orderby they come
// in incident number order.
func selectIncidents(all []Incident, lq listQuery) ([]Incident, error) {
	out, err := odata.Select(all, lq.filter,
		func(inc Incident, name string) any { return incidentFields[strings.ToLower(name)](inc) }, true)
	if err != nil {
		return nil, fmt.Errorf("%w: invalid $filter: %w", ErrInvalid, err)
	}
	slices.SortStableFunc(out, func(a, b Incident) int {
		for _, o := range lq.orderBy {
			get := incidentFields[strings.ToLower(o.Field)]
			if c := compareAny(get(a), get(b)); c != 0 {
				if o.Desc {
					return -c
				}
				return c
			}
		}
		return cmp.Compare(a.Properties.IncidentNumber, b.Properties.IncidentNumber)
	})
	return out, nil
}

func compareAny(a, b any) int {
	switch x := a.(type) {
	case string:
		return strings.Compare(strings.ToLower(x), strings.ToLower(b.(string)))
	case int:
		return cmp.Compare(x, b.(int))
	case time.Time:
		return x.Compare(b.(time.Time))
	}
	return 0
}

// orderItems applies $filter and $orderby to items with the given field
// getters; items keep their order where $orderby does not decide.
func orderItems[T any](items []T, lq listQuery, fields map[string]func(T) any) ([]T, error) {
	out, err := odata.Select(items, lq.filter,
		func(it T, name string) any { return fields[strings.ToLower(name)](it) }, true)
	if err != nil {
		return nil, fmt.Errorf("%w: invalid $filter: %w", ErrInvalid, err)
	}
	slices.SortStableFunc(out, func(a, b T) int {
		for _, o := range lq.orderBy {
			get := fields[strings.ToLower(o.Field)]
			if c := compareAny(get(a), get(b)); c != 0 {
				if o.Desc {
					return -c
				}
				return c
			}
		}
		return 0
	})
	return out, nil
}

// page cuts items to the query's page and builds the nextLink.
func page[T any](r *http.Request, items []T, lq listQuery) ([]T, string) {
	lo, hi, more := emukit.Page(len(items), lq.offset, lq.top, lq.top)
	out := append(make([]T, 0, hi-lo), items[lo:hi]...)
	if !more {
		return out, ""
	}
	return out, arm.SkipTokenLink(r, r.URL.Query(), hi)
}
