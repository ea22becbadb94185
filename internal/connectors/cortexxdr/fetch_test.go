package cortexxdr

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"github.com/alertsync/alertsync/internal/connector"
	xdremu "github.com/alertsync/alertsync/internal/emulators/cortexxdr"
	"github.com/alertsync/alertsync/internal/model"
)

// searches returns the request_data of every alert search.
func (e *env) searches(t *testing.T) []searchRequest {
	t.Helper()
	var out []searchRequest
	for _, r := range e.emu.Recorder().Filter(http.MethodPost, "/"+pathAlerts) {
		var body struct {
			RequestData searchRequest `json:"request_data"`
		}
		if err := json.Unmarshal(r.Body, &body); err != nil {
			t.Fatalf("search body %s: %v", r.Body, err)
		}
		out = append(out, body.RequestData)
	}
	return out
}

// pollAlerts polls from cursor until More is false and counts deliveries.
func pollAlerts(t *testing.T, c *Connector, cursor string) (map[string]int, string) {
	t.Helper()
	seen := map[string]int{}
	for range 1000 {
		p, err := c.FetchAlerts(t.Context(), cursor)
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range p.Items {
			seen[it.VendorID]++
		}
		if cursor = p.Cursor; !p.More {
			return seen, cursor
		}
	}
	t.Fatal("FetchAlerts never ends")
	return nil, ""
}

// TestPagesPastTheSearchCap: more alerts than the search counts (9,999;
// lowered here to 60 so the test stays quick) are all delivered, once
// each, with search_from staying at 0: pages move the time filter, and
// every page asks for at most page_size records.
func TestPagesPastTheSearchCap(t *testing.T) {
	t.Parallel()
	const n = 150
	e := setupWith(t, xdremu.Options{SearchCap: 60}, map[string]any{"page_size": 20})
	e.emu.SeedAlerts(n)
	seen, _ := pollAlerts(t, e.conn, "")
	if len(seen) != n {
		t.Errorf("%d alerts delivered, want %d", len(seen), n)
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("alert %s delivered %d times", id, n)
		}
	}
	for _, s := range e.searches(t) {
		if s.SearchFrom != 0 || s.SearchTo-s.SearchFrom > 20 || s.Sort == nil || s.Sort.Field != "last_modified_ts" {
			t.Fatalf("search %+v: want keyset pages of at most 20 sorted by last_modified_ts", s)
		}
	}
}

// TestPageSharingOneMillisecond: a bulk update stamps its alerts with one
// time; more of them than a page are read with the offset, none lost.
func TestPageSharingOneMillisecond(t *testing.T) {
	t.Parallel()
	e := setup(t, 0, nil)
	ids := e.emu.SeedAlerts(12)
	_, cursor := pollAlerts(t, e.conn, "")
	changes := make([]connector.StateChange, len(ids))
	for i, id := range ids {
		changes[i] = connector.StateChange{VendorID: id, Status: model.StatusInProgress, IdempotencyKey: id}
	}
	if _, err := e.conn.SetStates(t.Context(), changes); err != nil {
		t.Fatal(err)
	}
	e.emu.Recorder().Reset()
	seen, _ := pollAlerts(t, e.conn, cursor)
	if len(seen) != len(ids) {
		t.Errorf("%d of %d changed alerts delivered", len(seen), len(ids))
	}
	offset := false
	for _, s := range e.searches(t) {
		offset = offset || s.SearchFrom > 0
	}
	if !offset {
		t.Error("a page of one millisecond was read without moving the offset")
	}
}

// TestIncidentMembersBeyondTheMultiLimit: an incident with more alerts
// than get_multiple_incidents_extra_data returns is read again with
// get_incident_extra_data, once.
func TestIncidentMembersBeyondTheMultiLimit(t *testing.T) {
	t.Parallel()
	e := setup(t, 0, nil)
	big, members := e.emu.SeedIncident(60)
	small, few := e.emu.SeedIncident(2)
	got := map[string][]string{}
	cursor := ""
	for {
		p, err := e.inc.FetchIncidents(t.Context(), cursor)
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range p.Items {
			got[it.VendorID] = it.Incident.RemoteAlerts
		}
		if cursor = p.Cursor; !p.More {
			break
		}
	}
	if len(got[big]) != len(members) || len(got[small]) != len(few) {
		t.Errorf("members: %d of %d, %d of %d", len(got[big]), len(members), len(got[small]), len(few))
	}
	if n := len(e.emu.Recorder().Filter(http.MethodPost, "/"+pathExtraData)); n != 1 {
		t.Errorf("%d get_incident_extra_data calls, want 1", n)
	}
}

// TestIncidentsWaitForTheExtraDataBudget: when get_incident_extra_data's
// budget is spent, the incidents before the one that needs it are
// delivered and the rest follow on the next call.
func TestIncidentsWaitForTheExtraDataBudget(t *testing.T) {
	t.Parallel()
	e := setup(t, 0, nil)
	a, _ := e.emu.SeedIncident(2)
	b, _ := e.emu.SeedIncident(60)
	c, _ := e.emu.SeedIncident(1)
	e.inc.extra = rate.NewLimiter(rate.Every(time.Hour), 1)
	e.inc.extra.Allow()
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Second)
	defer cancel()
	p, err := e.inc.FetchIncidents(ctx, "")
	if err != nil || len(p.Items) != 1 || p.Items[0].VendorID != a || !p.More {
		t.Fatalf("first call: %d items, more %v, err %v; want only %s and more", len(p.Items), p.More, err, a)
	}
	e.inc.extra = rate.NewLimiter(rate.Inf, 1)
	p, err = e.inc.FetchIncidents(t.Context(), p.Cursor)
	if err != nil || len(p.Items) != 2 || p.Items[0].VendorID != b || p.Items[1].VendorID != c || len(p.Items[0].Incident.RemoteAlerts) != 60 {
		t.Fatalf("second call: %+v, %v; want %s with 60 members and %s", p.Items, err, b, c)
	}
}
