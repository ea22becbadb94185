package graph

import (
	"net/http"
	"time"

	"github.com/alertsync/alertsync/internal/emulators/emukit/odata"
)

// incidentsMaxTop is the service's hard limit on $top for incidents.
const incidentsMaxTop = 50

var incidentFields = map[string]field[Incident]{
	"assignedTo":         {get: func(i *Incident) any { return strOrNil(i.AssignedTo) }},
	"classification":     {get: func(i *Incident) any { return i.Classification }, enum: alertClassifications},
	"determination":      {get: func(i *Incident) any { return i.Determination }, enum: alertDeterminations},
	"createdDateTime":    {get: func(i *Incident) any { return i.CreatedDateTime }},
	"lastUpdateDateTime": {get: func(i *Incident) any { return i.LastUpdateDateTime }},
	"severity":           {get: func(i *Incident) any { return i.Severity }, enum: alertSeverities},
	"status":             {get: func(i *Incident) any { return i.Status }, enum: incidentStatuses},
}

var incidentPatchable = map[string]bool{"status": true, "classification": true, "determination": true, "assignedTo": true, "customTags": true, "resolvingComment": true}

// view builds what a client sees, expanding alerts when asked. Callers
// hold e.mu.
func (e *Emulator) viewLocked(in *Incident, expand, include bool) Incident {
	out := in.clone()
	out.Status = evolvable(incidentStatuses, out.Status, include)
	if expand {
		out.Alerts = []Alert{}
		for _, id := range in.alertIDs {
			if a, ok := e.alerts[id]; ok {
				out.Alerts = append(out.Alerts, present(a.clone(), include))
			}
		}
	}
	return out
}

func (e *Emulator) listIncidents(w http.ResponseWriter, r *http.Request) {
	serveList(e, w, r, listing[Incident, Incident]{
		maxTop:   incidentsMaxTop,
		pageSize: incidentsMaxTop,
		typeName: "microsoft.graph.security.incident",
		context:  "security/incidents",
		fields:   incidentFields,
		created:  func(i *Incident) time.Time { return i.CreatedDateTime },
		id:       func(i *Incident) string { return i.ID },
		items:    func() map[string]*Incident { return e.incidents },
		view: func(in *Incident, q odata.Query, include bool) Incident {
			return e.viewLocked(in, q.Expands("alerts"), include)
		},
	})
}

type incidentEntity struct {
	Context string `json:"@odata.context"`
	Incident
}

func (e *Emulator) getIncident(w http.ResponseWriter, r *http.Request) {
	q, ok := e.parseQuery(w, r)
	if !ok {
		return
	}
	id := r.PathValue("id")
	e.mu.Lock()
	in, found := e.incidents[id]
	var out Incident
	if found {
		out = e.viewLocked(in, q.Expands("alerts"), includeUnknown(r))
	}
	e.mu.Unlock()
	if !found {
		e.notFound(w, r, "incident", id)
		return
	}
	e.answer(w, r, incidentEntity{e.base(r) + "/v1.0/$metadata#security/incidents/$entity", out})
}

func (e *Emulator) patchIncident(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	body, ok := e.readObject(w, r)
	if !ok {
		return
	}
	p, err := parsePatch(body, incidentPatchable, "microsoft.graph.security.incident",
		statusRule{incidentStatuses, settableIncidentStatuses, "microsoft.graph.security.incidentStatus"})
	if err != nil {
		e.badRequest(w, r, "%s", err.Error())
		return
	}
	e.mu.Lock()
	in, found := e.incidents[id]
	if !found {
		e.mu.Unlock()
		e.notFound(w, r, "incident", id)
		return
	}
	now := e.ticker.Next()
	e.applyIncidentLocked(in, p, author(r), now)
	e.ledger.State("incident", id, body)
	out := e.viewLocked(in, false, includeUnknown(r))
	e.mu.Unlock()
	e.log.InfoContext(r.Context(), "incident updated", "id", id)
	e.answer(w, r, incidentEntity{e.base(r) + "/v1.0/$metadata#security/incidents/$entity", out})
}

// applyIncidentLocked applies p. Only with
// Options.ResolveAlertsWithIncident (unconfirmed, off by default) does
// resolving an incident also resolve its open alerts.
func (e *Emulator) applyIncidentLocked(in *Incident, p patch, by string, now time.Time) {
	p.applyTriage(&in.Classification, &in.Determination, &in.AssignedTo)
	if p.customTags != nil {
		in.CustomTags = append([]string{}, *p.customTags...)
	}
	if p.resolvingComment != nil {
		in.ResolvingComment = *p.resolvingComment
	}
	if p.status != nil {
		in.Status = *p.status
	}
	in.LastUpdateDateTime = now
	in.LastModifiedBy = &by
	if !e.opts.ResolveAlertsWithIncident || p.status == nil || *p.status != "resolved" {
		return
	}
	e.resolveMembersLocked(in, now)
}

// resolveMembersLocked resolves in's open alerts, handing down the
// incident's classification and determination to those not yet classified.
// [U] Not documented for Graph; see Options.ResolveAlertsWithIncident.
func (e *Emulator) resolveMembersLocked(in *Incident, now time.Time) {
	for _, aid := range in.alertIDs {
		a, ok := e.alerts[aid]
		if !ok || a.Status == "resolved" {
			continue
		}
		if a.Classification == "unknown" {
			a.Classification, a.Determination = in.Classification, in.Determination
		}
		e.setAlertStatusLocked(a, "resolved", now)
		e.ledger.Changed("alert", aid)
	}
}

func (e *Emulator) postIncidentComment(w http.ResponseWriter, r *http.Request) {
	postComment(e, w, r, "incident", "incidents", func() map[string]*Incident { return e.incidents })
}
