package graph

import (
	"net/http"
	"time"

	"github.com/alertsync/alertsync/internal/emulators/emukit"
	"github.com/alertsync/alertsync/internal/emulators/emukit/odata"
)

var alertFields = map[string]field[Alert]{
	"assignedTo":         {get: func(a *Alert) any { return strOrNil(a.AssignedTo) }},
	"classification":     {get: func(a *Alert) any { return a.Classification }, enum: alertClassifications},
	"determination":      {get: func(a *Alert) any { return a.Determination }, enum: alertDeterminations},
	"createdDateTime":    {get: func(a *Alert) any { return a.CreatedDateTime }},
	"lastUpdateDateTime": {get: func(a *Alert) any { return a.LastUpdateDateTime }},
	"severity":           {get: func(a *Alert) any { return a.Severity }, enum: alertSeverities},
	"serviceSource":      {get: func(a *Alert) any { return a.ServiceSource }, enum: serviceSources},
	"status":             {get: func(a *Alert) any { return a.Status }, enum: alertStatuses},
}

// present returns the alert as a client sees it: evolvable enum members are
// hidden unless the client opted in.
func present(a Alert, include bool) Alert {
	a.ServiceSource = evolvable(serviceSources, a.ServiceSource, include)
	a.DetectionSource = evolvable(detectionSources, a.DetectionSource, include)
	return a
}

func (e *Emulator) listAlerts(w http.ResponseWriter, r *http.Request) {
	serveList(e, w, r, listing[Alert, Alert]{
		maxTop:   e.opts.AlertsMaxTop,
		pageSize: e.opts.AlertsPageSize,
		typeName: "microsoft.graph.security.alert",
		context:  "security/alerts_v2",
		fields:   alertFields,
		created:  func(a *Alert) time.Time { return a.CreatedDateTime },
		id:       func(a *Alert) string { return a.ID },
		items:    func() map[string]*Alert { return e.alerts },
		view:     func(a *Alert, _ odata.Query, include bool) Alert { return present(a.clone(), include) },
	})
}

// answer writes 200 with v, echoing an honoured Prefer.
func (e *Emulator) answer(w http.ResponseWriter, r *http.Request, v any) {
	if includeUnknown(r) {
		w.Header().Set("Preference-Applied", "include-unknown-enum-members")
	}
	w.Header().Set("OData-Version", "4.0")
	emukit.WriteJSON(w, http.StatusOK, v)
}

type alertEntity struct {
	Context string `json:"@odata.context"`
	Alert
}

func (e *Emulator) writeAlert(w http.ResponseWriter, r *http.Request, a Alert) {
	e.answer(w, r, alertEntity{e.base(r) + "/v1.0/$metadata#security/alerts_v2/$entity", present(a, includeUnknown(r))})
}

func (e *Emulator) getAlert(w http.ResponseWriter, r *http.Request) {
	a, ok := e.Alert(r.PathValue("id"))
	if !ok {
		e.notFound(w, r, "alert", r.PathValue("id"))
		return
	}
	e.writeAlert(w, r, a)
}

// alertPatchable are the only properties the service lets a client change.
var alertPatchable = map[string]bool{"status": true, "classification": true, "determination": true, "assignedTo": true}

func (e *Emulator) patchAlert(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	body, ok := e.readObject(w, r)
	if !ok {
		return
	}
	p, err := parsePatch(body, alertPatchable, "microsoft.graph.security.alert",
		statusRule{alertStatuses, settableAlertStatuses, "microsoft.graph.security.alertStatus"})
	if err != nil {
		e.badRequest(w, r, "%s", err.Error())
		return
	}
	e.mu.Lock()
	a, found := e.alerts[id]
	if !found {
		e.mu.Unlock()
		e.notFound(w, r, "alert", id)
		return
	}
	now := e.ticker.Next()
	p.applyAlert(a, now)
	e.ledger.State("alert", id, body)
	a.LastUpdateDateTime = now
	if p.status != nil {
		e.setAlertStatusLocked(a, *p.status, now)
	}
	out := a.clone()
	e.mu.Unlock()
	e.log.InfoContext(r.Context(), "alert updated", "id", id)
	e.writeAlert(w, r, out)
}

func (e *Emulator) postAlertComment(w http.ResponseWriter, r *http.Request) {
	postComment(e, w, r, "alert", "alerts_v2", func() map[string]*Alert { return e.alerts })
}

// author is the app's display name, which Graph shows on comments written
// through the API.
func author(r *http.Request) string {
	if p, ok := emukit.PrincipalFrom(r.Context()); ok && p.DisplayName != "" {
		return p.DisplayName
	}
	if p, ok := emukit.PrincipalFrom(r.Context()); ok {
		return p.ClientID
	}
	return "Unknown"
}
