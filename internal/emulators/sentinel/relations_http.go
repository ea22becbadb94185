package sentinel

import (
	"net/http"
	"strings"

	"github.com/alertsync/alertsync/internal/emulators/emukit"
)

// relationFields are the properties $filter and $orderby may name on
// IncidentRelations_List.
var relationFields = map[string]func(Relation) any{
	"name":                           func(r Relation) any { return r.Name },
	"properties/relatedresourceid":   func(r Relation) any { return r.Properties.RelatedResourceID },
	"properties/relatedresourcename": func(r Relation) any { return r.Properties.RelatedResourceName },
	"properties/relatedresourcetype": func(r Relation) any { return r.Properties.RelatedResourceType },
	"properties/relatedresourcekind": func(r Relation) any { return r.Properties.RelatedResourceKind },
}

type relationList struct {
	Value    []Relation `json:"value"`
	NextLink string     `json:"nextLink,omitempty"`
}

func (e *Emulator) handleListRelations(w http.ResponseWriter, r *http.Request) {
	lq, err := parseListQuery(r.URL.Query(), e.opts.PageSize, relationFields)
	if err != nil {
		e.writeStoreError(w, r, err)
		return
	}
	rels, err := e.Relations(r.PathValue("id"))
	if err != nil {
		e.writeStoreError(w, r, err)
		return
	}
	sel, err := orderItems(rels, lq, relationFields)
	if err != nil {
		e.writeStoreError(w, r, err)
		return
	}
	items, next := page(r, sel, lq)
	emukit.WriteJSON(w, http.StatusOK, relationList{Value: items, NextLink: next})
}

func (e *Emulator) handleGetRelation(w http.ResponseWriter, r *http.Request) {
	rel, err := e.relation(r.PathValue("id"), r.PathValue("rel"))
	if err != nil {
		e.writeStoreError(w, r, err)
		return
	}
	emukit.WriteJSON(w, http.StatusOK, rel)
}

// relationBody is a relation PUT body; like an incident's, its etag
// travels in the body.
type relationBody struct {
	Etag       *string `json:"etag"`
	Properties *struct {
		RelatedResourceID string `json:"relatedResourceId"`
	} `json:"properties"`
}

func (e *Emulator) handlePutRelation(w http.ResponseWriter, r *http.Request) {
	var body relationBody
	if !decodeBody(w, r, &body) {
		return
	}
	related := ""
	if body.Properties != nil {
		related = strings.TrimSpace(body.Properties.RelatedResourceID)
	}
	rel, created, err := e.PutRelation(r.PathValue("id"), r.PathValue("rel"), body.Etag, related, principalName(r))
	if err != nil {
		e.writeStoreError(w, r, err)
		return
	}
	writePut(w, created, rel)
}

func (e *Emulator) handleDeleteRelation(w http.ResponseWriter, r *http.Request) {
	e.writeDeleted(w, r, e.DeleteRelation(r.PathValue("id"), r.PathValue("rel"), principalName(r)))
}
