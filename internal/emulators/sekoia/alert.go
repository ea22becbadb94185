package sekoia

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/alertsync/alertsync/internal/emulators/emukit"
)

// invalidAction is the 409's text, the swagger's own words.
const invalidAction = "Invalid action given current status"

// routes serves the API under /v1/sic and, as the automation modules
// call it, /api/v1/sic.
func (e *Emulator) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1/sic/alerts", e.need(PermViewAlerts, e.list))
	mux.HandleFunc("GET /v1/sic/alerts/{uuid}", e.need(PermViewAlerts, e.get))
	mux.HandleFunc("GET /v1/sic/alerts/{uuid}/workflow", e.need(PermViewAlerts, e.workflow))
	mux.HandleFunc("PATCH /v1/sic/alerts/{uuid}/workflow", e.need(PermUpdateStatus, e.act))
	mux.HandleFunc("PATCH /v1/sic/alerts/bulk/workflow", e.need(PermUpdateStatus, e.bulk))
	mux.HandleFunc("GET /v1/sic/alerts/{uuid}/comments", e.need(PermViewAlerts, e.comments))
	mux.HandleFunc("POST /v1/sic/alerts/{uuid}/comments", e.need(PermComment, e.comment))
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		e.fail4xx(w, r, http.StatusNotFound, "Not Found")
	})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if rest, ok := strings.CutPrefix(r.URL.Path, "/api/v1/sic/"); ok {
			r = r.Clone(r.Context())
			r.URL.Path, r.URL.RawPath = "/v1/sic/"+rest, ""
		}
		mux.ServeHTTP(w, r)
	})
}

// get answers GET /alerts/{uuid}, by uuid or short id, with comments and
// history unless the query turns them off.
func (e *Emulator) get(w http.ResponseWriter, r *http.Request) {
	a, ok := e.Alert(r.PathValue("uuid"))
	if !ok {
		e.fail4xx(w, r, http.StatusNotFound, "Unknown alert")
		return
	}
	q := r.URL.Query()
	d := detail{Alert: a, Comments: []Comment{}, History: []HistoryItem{}, Countermeasures: []any{}}
	if q.Get("comments") != "false" {
		d.Comments = append(d.Comments, a.Comments...)
	}
	if q.Get("history") != "false" {
		d.History = append(d.History, a.History...)
	}
	writeOK(w, d)
}

// workflow answers GET /alerts/{uuid}/workflow: the actions the current
// status allows.
func (e *Emulator) workflow(w http.ResponseWriter, r *http.Request) {
	a, ok := e.Alert(r.PathValue("uuid"))
	if !ok {
		e.fail4xx(w, r, http.StatusNotFound, "Unknown alert")
		return
	}
	writeOK(w, workflowReply{Actions: Allowed(a.Status.UUID)})
}

// act answers PATCH /alerts/{uuid}/workflow: 200 with the new status's
// actions, 409 when the action does not fit the current status.
func (e *Emulator) act(w http.ResponseWriter, r *http.Request) {
	var body workflowBody
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil || body.ActionUUID == "" {
		e.fail4xx(w, r, http.StatusBadRequest, "action_uuid: missing required parameter")
		return
	}
	e.mu.Lock()
	a := e.find(r.PathValue("uuid"))
	if a == nil {
		e.mu.Unlock()
		e.fail4xx(w, r, http.StatusNotFound, "Unknown alert")
		return
	}
	act, ok := resolve(a.Status.UUID, body.ActionUUID)
	if !ok || e.fail[a.UUID] {
		e.mu.Unlock()
		e.fail4xx(w, r, http.StatusConflict, invalidAction)
		return
	}
	st, _ := statusByUUID(act.To)
	e.moveTo(a, st, "apikey", body.Comment)
	e.ledger.State("alert", a.UUID, body)
	e.mu.Unlock()
	writeOK(w, workflowReply{Actions: Allowed(st.UUID)})
}

// bulk answers PATCH /alerts/bulk/workflow?match[uuid]=a,b: the action
// goes to every named alert that can take it and 204 comes back with no
// per-alert result; alerts that cannot take it, or are unknown, are left
// as they are, and only when none could is the answer 409 [U: Sekoia
// documents 204 and 409 but not a mixed batch].
func (e *Emulator) bulk(w http.ResponseWriter, r *http.Request) {
	ids := r.URL.Query().Get("match[uuid]")
	var body workflowBody
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil || body.ActionUUID == "" || ids == "" {
		e.fail4xx(w, r, http.StatusBadRequest, "match[uuid] and action_uuid are required")
		return
	}
	e.mu.Lock()
	moved := 0
	for _, id := range strings.Split(ids, ",") {
		a := e.find(id)
		if a == nil || e.fail[a.UUID] {
			continue
		}
		if act, ok := resolve(a.Status.UUID, body.ActionUUID); ok {
			st, _ := statusByUUID(act.To)
			e.moveTo(a, st, "apikey", body.Comment)
			e.ledger.State("alert", a.UUID, body)
			moved++
		}
	}
	e.mu.Unlock()
	if moved == 0 {
		e.fail4xx(w, r, http.StatusConflict, invalidAction)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// writeOK answers 200 with v.
func writeOK(w http.ResponseWriter, v any) { emukit.WriteJSON(w, http.StatusOK, v) }
