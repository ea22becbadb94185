package ui

import (
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/alertsync/alertsync/internal/model"
	"github.com/alertsync/alertsync/internal/store"
)

// Paging: a page shows pageSize rows. The store applies every filter but
// one: it takes one entity value, so with both a host and a user the user
// is checked here, on at most scanBudget rows a page, so a rare match
// costs a bounded read and the page says how far it looked instead of
// scanning a million rows.
const (
	pageSize   = 50
	scanBudget = 5000
	scanChunk  = 1000
)

// timeInput is how a datetime-local input sends a time; the console
// reads and shows times in UTC.
const timeInput = "2006-01-02T15:04"

// listFilter is what the alerts and incidents lists filter by.
type listFilter struct {
	Source, Status, Verdict, Severity, Host, User string
	From, To                                      string
	After                                         int64
	from, to                                      time.Time
}

func filterFrom(q url.Values) listFilter {
	f := listFilter{
		Source: strings.TrimSpace(q.Get("source")), Status: oneOf(q.Get("status"), statuses),
		Verdict: oneOf(q.Get("verdict"), verdicts), Severity: oneOf(q.Get("severity"), severities),
		Host: strings.ToLower(strings.TrimSpace(q.Get("host"))), User: strings.ToLower(strings.TrimSpace(q.Get("user"))),
		From: q.Get("from"), To: q.Get("to"),
	}
	f.After, _ = strconv.ParseInt(q.Get("after"), 10, 64)
	f.from, _ = time.Parse(timeInput, f.From)
	f.to, _ = time.Parse(timeInput, f.To)
	return f
}

var (
	statuses = []string{"", string(model.StatusNew), string(model.StatusInProgress), string(model.StatusSuppressed),
		string(model.StatusResolved), string(model.StatusUnknown)}
	verdicts = []string{"", string(model.VerdictNotAThreat), string(model.VerdictSuspicious),
		string(model.VerdictHighlySuspicious), string(model.VerdictThreat)}
)

func oneOf(v string, allowed []string) string {
	for _, a := range allowed {
		if v == a {
			return v
		}
	}
	return ""
}

// alertParams is the part of the filter the store applies: source,
// status, verdict, severity, one entity value and the window, which for
// alerts is when alertsync first stored them (ids grow with that time,
// so the store keeps a window a bounded walk; see AlertListParams).
func (f listFilter) alertParams() store.AlertListParams {
	p := store.AlertListParams{Integration: f.Source, Status: model.Status(f.Status), Verdict: model.Verdict(f.Verdict),
		Severity: model.Severity(f.Severity), Entity: f.Host, SeenFrom: f.from, SeenTo: f.to}
	if p.Entity == "" {
		p.Entity = f.User
	}
	return p
}

// incidentParams is the whole filter for incidents, whose window is their
// creation time (they have no first-seen time of their own).
func (f listFilter) incidentParams() store.IncidentListParams {
	return store.IncidentListParams{Integration: f.Source, Status: model.Status(f.Status), Verdict: model.Verdict(f.Verdict),
		Severity: model.Severity(f.Severity), CreatedFrom: f.from, CreatedTo: f.to}
}

// scanned reports whether some of the filter is applied by the console:
// a user beside a host.
func (f listFilter) scanned() bool { return f.Host != "" && f.User != "" }

func (f listFilter) matchAlert(a model.Alert) bool {
	return !f.scanned() || contains(a.Entities.Normalize().Users, f.User)
}

func contains(list []string, v string) bool {
	for _, s := range list {
		if s == v {
			return true
		}
	}
	return false
}

// query is the filter as a query string, for the next page's link.
func (f listFilter) query(after int64) string {
	q := url.Values{}
	for k, v := range map[string]string{"source": f.Source, "status": f.Status, "verdict": f.Verdict, "severity": f.Severity,
		"host": f.Host, "user": f.User, "from": f.From, "to": f.To} {
		if v != "" {
			q.Set(k, v)
		}
	}
	if after > 0 {
		q.Set("after", strconv.FormatInt(after, 10))
	}
	return q.Encode()
}

// listPage is one page of a filtered list.
type listPage[T any] struct {
	Items []T
	// Next is the cursor of the next page; 0 when this is the last.
	Next int64
	// Scanned is how many rows the console read to apply its own filters;
	// Exhausted says the budget ran out before the page filled.
	Scanned   int
	Exhausted bool
}

// scan pages through fetch (keyset by id, ascending) and keeps the rows
// match accepts, until a page is full, the rows end, or the budget is
// spent.
func scan[T any](after int64, filtered bool, fetch func(after int64, limit int) ([]T, error), id func(T) int64, match func(T) bool) (listPage[T], error) {
	var out listPage[T]
	if !filtered {
		rows, err := fetch(after, pageSize+1)
		if err != nil {
			return out, err
		}
		if len(rows) > pageSize {
			rows = rows[:pageSize]
			out.Next = id(rows[pageSize-1])
		}
		out.Items = rows
		return out, nil
	}
	for out.Scanned < scanBudget {
		rows, err := fetch(after, scanChunk)
		if err != nil {
			return out, err
		}
		for _, row := range rows {
			out.Scanned++
			after = id(row)
			if !match(row) {
				continue
			}
			if len(out.Items) == pageSize {
				out.Next = id(out.Items[pageSize-1])
				return out, nil
			}
			out.Items = append(out.Items, row)
		}
		if len(rows) < scanChunk {
			return out, nil
		}
	}
	out.Next, out.Exhausted = after, true
	return out, nil
}
