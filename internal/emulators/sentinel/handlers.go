package sentinel

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/alertsync/alertsync/internal/emulators/emukit"
	"github.com/alertsync/alertsync/internal/emulators/emukit/arm"
)

// pathLiterals are the fixed path segments, matched case-insensitively.
var pathLiterals = []string{
	"subscriptions", "resourceGroups", "providers", "Microsoft.OperationalInsights", "workspaces",
	"Microsoft.SecurityInsights", "incidents", "comments", "alerts", "relations",
}

const basePattern = "/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.OperationalInsights/workspaces/{ws}/providers/Microsoft.SecurityInsights"

func (e *Emulator) routes() http.Handler {
	mux := http.NewServeMux()
	inc := basePattern + "/incidents/{id}"
	mux.HandleFunc("GET "+basePattern+"/incidents", e.inWorkspace(e.handleList))
	mux.HandleFunc("GET "+inc, e.inWorkspace(e.handleGet))
	mux.HandleFunc("PUT "+inc, e.inWorkspace(e.handlePut))
	mux.HandleFunc("DELETE "+inc, e.inWorkspace(e.handleDelete))
	mux.HandleFunc("POST "+inc+"/alerts", e.inWorkspace(e.handleAlerts))
	mux.HandleFunc("GET "+inc+"/comments", e.inWorkspace(e.handleListComments))
	mux.HandleFunc("GET "+inc+"/comments/{cid}", e.inWorkspace(e.handleGetComment))
	mux.HandleFunc("PUT "+inc+"/comments/{cid}", e.inWorkspace(e.handlePutComment))
	mux.HandleFunc("DELETE "+inc+"/comments/{cid}", e.inWorkspace(e.handleDeleteComment))
	mux.HandleFunc("GET "+inc+"/relations", e.inWorkspace(e.handleListRelations))
	mux.HandleFunc("GET "+inc+"/relations/{rel}", e.inWorkspace(e.handleGetRelation))
	mux.HandleFunc("PUT "+inc+"/relations/{rel}", e.inWorkspace(e.handlePutRelation))
	mux.HandleFunc("DELETE "+inc+"/relations/{rel}", e.inWorkspace(e.handleDeleteRelation))
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		arm.WriteCloudError(w, http.StatusNotFound, "NotFound",
			fmt.Sprintf("The requested path '%s' with method '%s' is not served by Microsoft.SecurityInsights.", r.URL.Path, r.Method))
	})
	return mux
}

// inWorkspace answers ARM's 404 unless the path names the emulated
// workspace.
func (e *Emulator) inWorkspace(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !arm.ValidSubscription(w, r.PathValue("sub")) {
			return
		}
		if !strings.EqualFold(r.PathValue("sub"), e.opts.SubscriptionID) ||
			!strings.EqualFold(r.PathValue("rg"), e.opts.ResourceGroup) ||
			!strings.EqualFold(r.PathValue("ws"), e.opts.Workspace) {
			arm.WriteCloudError(w, http.StatusNotFound, "ResourceNotFound",
				fmt.Sprintf("The Resource 'Microsoft.OperationalInsights/workspaces/%s' under resource group '%s' was not found.",
					r.PathValue("ws"), r.PathValue("rg")))
			return
		}
		h(w, r)
	}
}

// writeStoreError maps a store error to its ARM answer.
func (e *Emulator) writeStoreError(w http.ResponseWriter, r *http.Request, err error) {
	switch {
	case errors.Is(err, ErrConflict):
		res := e.incidentID(r.PathValue("id"))
		if rel := r.PathValue("rel"); rel != "" {
			res += "/relations/" + rel
		}
		arm.WriteCloudError(w, http.StatusConflict, "Conflict",
			fmt.Sprintf("New version of resource '%s' exists. Data was not saved", res))
	case errors.Is(err, ErrNotFound):
		arm.WriteCloudError(w, http.StatusNotFound, "NotFound", notFoundMessage(r))
	case errors.Is(err, ErrInvalid):
		arm.WriteCloudError(w, http.StatusBadRequest, "BadRequest", strings.TrimPrefix(err.Error(), ErrInvalid.Error()+": "))
	default:
		e.log.Error("sentinel request failed", "path", r.URL.Path, "err", err)
		arm.WriteCloudError(w, http.StatusInternalServerError, "InternalServerError", "Encountered internal server error. Please try again.")
	}
}

func notFoundMessage(r *http.Request) string {
	if cid := r.PathValue("cid"); cid != "" && r.Method != http.MethodPut {
		return fmt.Sprintf("Comment '%s' was not found in incident '%s'.", cid, r.PathValue("id"))
	}
	if rel := r.PathValue("rel"); rel != "" && r.Method != http.MethodPut {
		return fmt.Sprintf("Relation '%s' was not found in incident '%s'.", rel, r.PathValue("id"))
	}
	return fmt.Sprintf("Incident '%s' was not found.", r.PathValue("id"))
}

type incidentList struct {
	Value    []Incident `json:"value"`
	NextLink string     `json:"nextLink,omitempty"`
}

func (e *Emulator) handleList(w http.ResponseWriter, r *http.Request) {
	lq, err := parseListQuery(r.URL.Query(), e.opts.PageSize, incidentFields)
	if err != nil {
		e.writeStoreError(w, r, err)
		return
	}
	sel, err := selectIncidents(e.Incidents(), lq)
	if err != nil {
		e.writeStoreError(w, r, err)
		return
	}
	items, next := page(r, sel, lq)
	emukit.WriteJSON(w, http.StatusOK, incidentList{Value: items, NextLink: next})
}

func (e *Emulator) handleGet(w http.ResponseWriter, r *http.Request) {
	inc, err := e.getIncident(r.PathValue("id"))
	if err != nil {
		e.writeStoreError(w, r, err)
		return
	}
	emukit.WriteJSON(w, http.StatusOK, inc)
}

// incidentBody is a PUT body: the etag travels here, not in If-Match.
type incidentBody struct {
	Etag       *string             `json:"etag"`
	Properties *IncidentProperties `json:"properties"`
}

func (e *Emulator) handlePut(w http.ResponseWriter, r *http.Request) {
	var body incidentBody
	if !decodeBody(w, r, &body) {
		return
	}
	if body.Properties == nil {
		arm.WriteCloudError(w, http.StatusBadRequest, "BadRequest", "required properties missing: title, severity, status")
		return
	}
	inc, created, resolve, err := e.putIncident(r.PathValue("id"), body.Etag, *body.Properties, principalName(r))
	if err != nil {
		e.writeStoreError(w, r, err)
		return
	}
	e.ledger.State("incident", inc.Name, body.Properties)
	e.syncBack(r.Context(), resolve)
	writePut(w, created, inc)
}

func (e *Emulator) handleDelete(w http.ResponseWriter, r *http.Request) {
	e.writeDeleted(w, r, e.deleteIncident(r.PathValue("id")))
}

type alertList struct {
	Value []SecurityAlert `json:"value"`
}

func (e *Emulator) handleAlerts(w http.ResponseWriter, r *http.Request) {
	as, err := e.incidentAlerts(r.PathValue("id"))
	if err != nil {
		e.writeStoreError(w, r, err)
		return
	}
	emukit.WriteJSON(w, http.StatusOK, alertList{Value: as})
}

type commentList struct {
	Value    []Comment `json:"value"`
	NextLink string    `json:"nextLink,omitempty"`
}

func (e *Emulator) handleListComments(w http.ResponseWriter, r *http.Request) {
	lq, err := parseListQuery[Comment](r.URL.Query(), e.opts.PageSize, nil)
	if err != nil {
		e.writeStoreError(w, r, err)
		return
	}
	cs, err := e.listComments(r.PathValue("id"))
	if err != nil {
		e.writeStoreError(w, r, err)
		return
	}
	items, next := page(r, cs, lq)
	emukit.WriteJSON(w, http.StatusOK, commentList{Value: items, NextLink: next})
}

func (e *Emulator) handleGetComment(w http.ResponseWriter, r *http.Request) {
	c, err := e.getComment(r.PathValue("id"), r.PathValue("cid"))
	if err != nil {
		e.writeStoreError(w, r, err)
		return
	}
	emukit.WriteJSON(w, http.StatusOK, c)
}

type commentBody struct {
	Properties struct {
		Message string `json:"message"`
	} `json:"properties"`
}

func (e *Emulator) handlePutComment(w http.ResponseWriter, r *http.Request) {
	var body commentBody
	if !decodeBody(w, r, &body) {
		return
	}
	author := ClientInfo{Name: principalName(r)}
	if p, ok := emukit.PrincipalFrom(r.Context()); ok && arm.IsGUID(p.ClientID) {
		author.ObjectID = p.ClientID
	}
	c, created, err := e.putComment(r.PathValue("id"), r.PathValue("cid"), body.Properties.Message, author)
	if err != nil {
		e.writeStoreError(w, r, err)
		return
	}
	if created {
		e.ledger.Comment("incident", e.incidentName(r.PathValue("id")), body.Properties.Message)
	}
	writePut(w, created, c)
}

func (e *Emulator) handleDeleteComment(w http.ResponseWriter, r *http.Request) {
	e.writeDeleted(w, r, e.deleteComment(r.PathValue("id"), r.PathValue("cid")))
}

// writePut answers a PUT as ARM does: 201 with the resource when the PUT
// created it, 200 when it replaced it.
func writePut(w http.ResponseWriter, created bool, v any) {
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	emukit.WriteJSON(w, status, v)
}

// writeDeleted answers a DELETE as ARM does: 200 when the resource was
// there, 204 when there was nothing to delete.
func (e *Emulator) writeDeleted(w http.ResponseWriter, r *http.Request, err error) {
	switch {
	case err == nil:
		w.WriteHeader(http.StatusOK)
	case errors.Is(err, ErrNotFound):
		w.WriteHeader(http.StatusNoContent)
	default:
		e.writeStoreError(w, r, err)
	}
}

// decodeBody reads a JSON body, answering ARM's InvalidRequestContent when
// it cannot.
func decodeBody(w http.ResponseWriter, r *http.Request, v any) bool {
	b, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err == nil {
		err = json.Unmarshal(b, v)
	}
	if err != nil {
		arm.WriteCloudError(w, http.StatusBadRequest, "InvalidRequestContent",
			"The request content was invalid and could not be deserialized: "+err.Error())
		return false
	}
	return true
}

// principalName is who a write is attributed to in comments and history.
func principalName(r *http.Request) string {
	if p, ok := emukit.PrincipalFrom(r.Context()); ok {
		if p.DisplayName != "" {
			return p.DisplayName
		}
		return p.ClientID
	}
	return ""
}

// incidentName is the name an incident is stored under, as its console
// shows it (a path may spell it in another case).
func (e *Emulator) incidentName(id string) string {
	if in, ok := e.Incident(id); ok {
		return in.Name
	}
	return id
}
