package cortexxdr

import (
	"cmp"
	"maps"
	"net/http"
	"slices"

	"github.com/alertsync/alertsync/internal/emulators/emukit"
)

// Incident listing limits: get_incident_extra_data returns up to 1,000
// alerts of one incident, get_multiple_incidents_extra_data up to 50 per
// incident (it says so in alerts_limit_per_incident).
const (
	MaxExtraDataAlerts     = 1000
	AlertsPerIncidentMulti = 50
)

var incidentSorts = []string{"modification_time", "creation_time"}

type incidentsReply struct {
	Reply struct {
		TotalCount  int        `json:"total_count"`
		ResultCount int        `json:"result_count"`
		Incidents   []Incident `json:"incidents"`
	} `json:"reply"`
}

func (e *Emulator) getIncidents(w http.ResponseWriter, r *http.Request) {
	var req search
	sel, from, to, ok := e.selectIncidents(w, r, &req, incidentFilters)
	if !ok {
		return
	}
	var out incidentsReply
	out.Reply.TotalCount = len(sel)
	out.Reply.Incidents = []Incident{}
	e.mu.Lock()
	lo, hi, _ := emukit.Page(len(sel), from, to-from, MaxPage)
	for _, in := range sel[lo:hi] {
		out.Reply.Incidents = append(out.Reply.Incidents, in.clone())
	}
	e.mu.Unlock()
	out.Reply.ResultCount = len(out.Reply.Incidents)
	emukit.WriteJSON(w, http.StatusOK, out)
}

// selectIncidents decodes a listing request into req (whose embedded
// search it checks), and returns the matching incidents in order with the
// page bounds; on a bad request it has answered and returns false.
func (e *Emulator) selectIncidents(w http.ResponseWriter, r *http.Request, req any, fs filterSet[Incident]) ([]*Incident, int, int, bool) {
	if err := decodeRequest(r, req); err != nil {
		e.badRequest(w, r, "%s", err.Error())
		return nil, 0, 0, false
	}
	s := searchOf(req)
	from, to, err := s.window()
	if err == nil {
		var match func(*Incident) bool
		var field string
		var desc bool
		if field, desc, err = s.order(incidentSorts); err == nil {
			if match, err = fs.compile(s.Filters); err == nil {
				e.mu.Lock()
				sel := slices.Collect(maps.Values(e.incidents))
				sel = slices.DeleteFunc(sel, func(in *Incident) bool { return !match(in) })
				slices.SortFunc(sel, incidentOrder(field, desc))
				e.mu.Unlock()
				return sel, from, to, true
			}
		}
	}
	e.badRequest(w, r, "%s", err.Error())
	return nil, 0, 0, false
}

func searchOf(req any) search {
	switch v := req.(type) {
	case *search:
		return *v
	case *multiRequest:
		return v.search
	}
	return search{}
}

func incidentOrder(field string, desc bool) func(a, b *Incident) int {
	key := func(in *Incident) int64 {
		if field == "modification_time" {
			return in.ModificationTime
		}
		return in.CreationTime
	}
	return func(a, b *Incident) int {
		c := cmp.Compare(key(a), key(b))
		if desc {
			c = -c
		}
		return cmp.Or(c, cmp.Compare(idNum(a.IncidentID), idNum(b.IncidentID)))
	}
}

// extraData is one incident with its alerts and artifacts, as
// get_incident_extra_data answers and get_multiple_incidents_extra_data
// lists.
type extraData struct {
	Incident         Incident  `json:"incident"`
	Alerts           artifacts `json:"alerts"`
	NetworkArtifacts artifacts `json:"network_artifacts"`
	FileArtifacts    artifacts `json:"file_artifacts"`
}

type artifacts struct {
	TotalCount int   `json:"total_count"`
	Data       []any `json:"data"`
}

// extraLocked builds in's extra data with at most limit alerts.
func (e *Emulator) extraLocked(in *Incident, limit int) extraData {
	x := extraData{Incident: in.clone(), Alerts: artifacts{TotalCount: len(in.alerts), Data: []any{}},
		NetworkArtifacts: artifacts{Data: []any{}}, FileArtifacts: artifacts{Data: []any{}}}
	for _, id := range in.alerts {
		if len(x.Alerts.Data) == limit {
			break
		}
		if a, ok := e.alerts[id]; ok {
			x.Alerts.Data = append(x.Alerts.Data, a.clone())
		}
	}
	return x
}

type extraDataRequest struct {
	IncidentID           string   `json:"incident_id"`
	AlertsLimit          *int     `json:"alerts_limit"`
	AlertFieldsToExclude []string `json:"alert_fields_to_exclude"`
	DropNulls            bool     `json:"drop_nulls"`
}

// getExtraData answers get_incident_extra_data, which Cortex XDR allows
// 10 times a minute (see Handler).
func (e *Emulator) getExtraData(w http.ResponseWriter, r *http.Request) {
	var req extraDataRequest
	if err := decodeRequest(r, &req); err != nil {
		e.badRequest(w, r, "%s", err.Error())
		return
	}
	limit := MaxExtraDataAlerts
	if req.AlertsLimit != nil {
		limit = *req.AlertsLimit
	}
	if limit < 0 || limit > MaxExtraDataAlerts {
		e.badRequest(w, r, "alerts_limit must be between 0 and %d", MaxExtraDataAlerts)
		return
	}
	e.mu.Lock()
	in, ok := e.incidents[req.IncidentID]
	var x extraData
	if ok {
		x = e.extraLocked(in, limit)
	}
	e.mu.Unlock()
	if !ok {
		e.badRequest(w, r, "Incident %s was not found", req.IncidentID)
		return
	}
	emukit.WriteJSON(w, http.StatusOK, map[string]any{"reply": x})
}

type multiRequest struct {
	search
	FieldsToExclude      []string `json:"fields_to_exclude"`
	AlertFieldsToExclude []string `json:"alert_fields_to_exclude"`
	DropNulls            bool     `json:"drop_nulls"`
}

type multiReply struct {
	Reply struct {
		TotalCount             int         `json:"total_count"`
		ResultCount            int         `json:"result_count"`
		AlertsLimitPerIncident int         `json:"alerts_limit_per_incident"`
		Incidents              []extraData `json:"incidents"`
	} `json:"reply"`
}

// getMultipleExtraData answers get_multiple_incidents_extra_data: a page
// of incidents, each with at most 50 of its alerts.
func (e *Emulator) getMultipleExtraData(w http.ResponseWriter, r *http.Request) {
	var req multiRequest
	sel, from, to, ok := e.selectIncidents(w, r, &req, multiIncidentFilters)
	if !ok {
		return
	}
	var out multiReply
	out.Reply.TotalCount, out.Reply.AlertsLimitPerIncident = len(sel), AlertsPerIncidentMulti
	out.Reply.Incidents = []extraData{}
	e.mu.Lock()
	lo, hi, _ := emukit.Page(len(sel), from, to-from, MaxPage)
	for _, in := range sel[lo:hi] {
		out.Reply.Incidents = append(out.Reply.Incidents, e.extraLocked(in, AlertsPerIncidentMulti))
	}
	e.mu.Unlock()
	out.Reply.ResultCount = len(out.Reply.Incidents)
	emukit.WriteJSON(w, http.StatusOK, out)
}

// Incident returns a copy of an incident.
func (e *Emulator) Incident(id string) (Incident, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return emukit.CopyOf(e.incidents, id, Incident.clone)
}

// Incidents returns copies of every incident, oldest first.
func (e *Emulator) Incidents() []Incident {
	e.mu.Lock()
	defer e.mu.Unlock()
	return emukit.SortedCopies(e.incidents, Incident.clone, func(a, b Incident) int {
		return cmp.Compare(idNum(a.IncidentID), idNum(b.IncidentID))
	})
}

// Comments returns the comment thread of an incident, oldest first.
func (e *Emulator) Comments(incidentID string) []Comment {
	in, _ := e.Incident(incidentID)
	return in.Comments()
}
