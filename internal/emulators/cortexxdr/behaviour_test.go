package cortexxdr

import (
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/alertsync/alertsync/internal/emulators/emukit"
)

func TestSearchPagesInOrder(t *testing.T) {
	t.Parallel()
	e := setup(t, 40)
	var got []string
	var last int64
	for from := 0; ; from += 15 {
		var p alertPage
		reply(t, e.call(t, pathAlertsV2, map[string]any{
			"filters":     []any{map[string]any{"field": "last_modified_ts", "operator": "gte", "value": 0}},
			"search_from": from, "search_to": from + 15, "sort": map[string]any{"field": "last_modified_ts", "keyword": "asc"},
		}), &p)
		if p.TotalCount != 40 || p.ResultCount != len(p.Alerts) {
			t.Fatalf("total %d result %d for %d alerts", p.TotalCount, p.ResultCount, len(p.Alerts))
		}
		for _, a := range p.Alerts {
			if a.LastModifiedTS < last {
				t.Errorf("alert %s out of order", a.AlertID)
			}
			last = a.LastModifiedTS
		}
		got = append(got, ids(p.Alerts)...)
		if len(p.Alerts) < 15 {
			break
		}
	}
	slices.Sort(got)
	if len(slices.Compact(got)) != 40 {
		t.Errorf("paged %d distinct alerts, want 40", len(got))
	}
}

func TestSearchStopsCountingAt9999(t *testing.T) {
	t.Parallel()
	e := setup(t, 0)
	e.emu.Seed(MaxSearchTotal+20, 5)
	var p alertPage
	reply(t, e.call(t, pathAlertsV2, map[string]any{"search_from": 9990, "search_to": 10010}), &p)
	if p.TotalCount != MaxSearchTotal || len(p.Alerts) != 9 {
		t.Errorf("total_count %d with %d alerts past 9990, want %d and 9", p.TotalCount, len(p.Alerts), MaxSearchTotal)
	}
}

func TestUpdateAlertsVocabularies(t *testing.T) {
	t.Parallel()
	e := setup(t, 12)
	all := e.emu.Alerts()
	for i, write := range alertWriteStatuses {
		id := all[i].AlertID
		before := all[i].LastModifiedTS
		e.clock.Advance(time.Second)
		var r struct {
			AlertsIDs []string `json:"alerts_ids"`
		}
		reply(t, e.call(t, pathUpdateAlerts, map[string]any{"alert_id_list": []string{id}, "update_data": map[string]any{"status": write}}), &r)
		a, _ := e.emu.Alert(id)
		if !slices.Equal(r.AlertsIDs, []string{id}) || a.ResolutionStatus != alertReadStatus[write] {
			t.Errorf("%s: answered %v, alert reads %q", write, r.AlertsIDs, a.ResolutionStatus)
		}
		if a.ResolutionStatus != all[i].ResolutionStatus && a.LastModifiedTS <= before {
			t.Errorf("%s: last_modified_ts not bumped", write)
		}
	}
}

func TestResolutionCommentIsOverwritten(t *testing.T) {
	t.Parallel()
	e := setup(t, 3)
	id := e.emu.Alerts()[0].AlertID
	for _, c := range []string{"first note", "second note"} {
		reply(t, e.call(t, pathUpdateAlerts, map[string]any{"alert_id_list": []int{int(idNum(id))}, "update_data": map[string]any{"comment": c}}), &map[string]any{})
	}
	if got := e.emu.ResolutionComment(id); got != "second note" {
		t.Errorf("resolution comment %q, want the last one only", got)
	}
}

func TestUpdateAlertsReportsPerItem(t *testing.T) {
	t.Parallel()
	e := setup(t, 4)
	all := ids(e.emu.Alerts())
	e.emu.FailItems([]string{all[1]})
	var r struct {
		AlertsIDs []string `json:"alerts_ids"`
	}
	reply(t, e.call(t, pathUpdateAlerts, map[string]any{"alert_id_list": []string{all[0], all[1], "42"},
		"update_data": map[string]any{"status": "resolved_other"}}), &r)
	if !slices.Equal(r.AlertsIDs, []string{all[0]}) {
		t.Errorf("alerts_ids %v, want only %s (one refused, one unknown)", r.AlertsIDs, all[0])
	}
	if a, _ := e.emu.Alert(all[1]); a.ResolutionStatus == "STATUS_070_RESOLVED_OTHER" {
		t.Error("the refused alert changed")
	}
}

func TestIncidentCommentThread(t *testing.T) {
	t.Parallel()
	e := setup(t, 0)
	id, members := e.emu.SeedIncident(2)
	before, _ := e.emu.Incident(id)
	e.clock.Advance(time.Second)
	for _, c := range []string{"looking", "still looking"} {
		reply(t, e.call(t, pathUpdateIncident, map[string]any{"incident_id": id,
			"update_data": map[string]any{"comment": map[string]any{"comment_action": "add", "value": c}}}), new(bool))
	}
	reply(t, e.call(t, pathUpdateIncident, map[string]any{"incident_id": id,
		"update_data": map[string]any{"status": "resolved_false_positive", "resolve_comment": "benign"}}), new(bool))
	in, _ := e.emu.Incident(id)
	var thread []string
	for _, c := range in.Comments() {
		thread = append(thread, c.Value)
	}
	if !slices.Equal(thread, []string{"looking", "still looking"}) || in.Status != "resolved_false_positive" ||
		in.ResolveComment == nil || *in.ResolveComment != "benign" || in.ModificationTime <= before.ModificationTime {
		t.Errorf("incident: thread %q, status %s, resolve comment %v, modified %d -> %d",
			thread, in.Status, in.ResolveComment, before.ModificationTime, in.ModificationTime)
	}
	for _, m := range members { // resolving an incident leaves its alerts as they were
		if a, _ := e.emu.Alert(m); a.ResolutionStatus != "STATUS_010_NEW" {
			t.Errorf("member %s: %s", m, a.ResolutionStatus)
		}
	}
	reply(t, e.call(t, pathUpdateIncident, map[string]any{"incident_id": id, "update_data": map[string]any{"status": "under_investigation"}}), new(bool))
	if in, _ := e.emu.Incident(id); in.ResolveComment != nil || in.ResolvedTimestamp != nil {
		t.Error("reopening kept the resolve comment")
	}
}

func TestIncidentExtraData(t *testing.T) {
	t.Parallel()
	e := setup(t, 0)
	big, members := e.emu.SeedIncident(AlertsPerIncidentMulti + 5)
	var x extraData
	reply(t, e.call(t, pathExtra, map[string]any{"incident_id": big, "alerts_limit": 1000}), &x)
	if x.Incident.IncidentID != big || x.Alerts.TotalCount != len(members) || len(x.Alerts.Data) != len(members) {
		t.Errorf("extra data: incident %s, %d of %d alerts", x.Incident.IncidentID, len(x.Alerts.Data), x.Alerts.TotalCount)
	}
	var m struct {
		Limit     int         `json:"alerts_limit_per_incident"`
		Incidents []extraData `json:"incidents"`
	}
	reply(t, e.call(t, pathMultiExtra, map[string]any{"filters": []any{map[string]any{"field": "incident_id_list", "operator": "in", "value": []string{big}}}}), &m)
	if len(m.Incidents) != 1 || m.Limit != AlertsPerIncidentMulti || len(m.Incidents[0].Alerts.Data) != AlertsPerIncidentMulti || m.Incidents[0].Alerts.TotalCount != len(members) {
		t.Errorf("multiple extra data: %d incidents, limit %d", len(m.Incidents), m.Limit)
	}
	for range 9 { // 10 a minute, one spent above
		reply(t, e.call(t, pathExtra, map[string]any{"incident_id": big}), &x)
	}
	a := e.call(t, pathExtra, map[string]any{"incident_id": big})
	if a.status != http.StatusTooManyRequests || a.header.Get("Retry-After") == "" {
		t.Errorf("11th extra data call in a minute: %d", a.status)
	}
	e.clock.Advance(time.Minute)
	if a := e.call(t, pathExtra, map[string]any{"incident_id": big}); a.status != http.StatusOK {
		t.Errorf("a minute later: %d", a.status)
	}
}

func TestSeedIsDeterministic(t *testing.T) {
	t.Parallel()
	a, b := New(Options{Clock: emukit.NewFakeClock(t0), Alerts: 30, Seed: 9}), New(Options{Clock: emukit.NewFakeClock(t0), Alerts: 30, Seed: 9})
	if !slices.Equal(ids(a.Alerts()), ids(b.Alerts())) || len(a.Alerts()) != 30 {
		t.Error("one seed gave two data sets")
	}
	for _, in := range a.Incidents() {
		if in.AlertCount != len(in.AlertIDs()) || in.Description == "" || len(in.Hosts) != 1 {
			t.Errorf("incident %s: %+v", in.IncidentID, in)
		}
	}
}
