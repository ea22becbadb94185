package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/alertsync/alertsync/internal/engine"
	"github.com/alertsync/alertsync/internal/model"
	"github.com/alertsync/alertsync/internal/playbook"
	"github.com/alertsync/alertsync/internal/store"
)

// playbookRow is a playbook as the API lists it.
type playbookRow struct {
	ID         string              `json:"id"`
	Name       string              `json:"name"`
	Enabled    bool                `json:"enabled"`
	Trigger    playbook.Trigger    `json:"trigger"`
	Steps      int                 `json:"steps"`
	Origin     string              `json:"origin"`
	Definition playbook.Definition `json:"definition"`
}

type playbooksBody struct {
	Items []playbookRow `json:"items"`
}

// playbookRequest carries a definition as the YAML a file would hold.
type playbookRequest struct {
	Definition string `json:"definition"`
}

// runRequest names the object a manual run or a dry run is about.
type runRequest struct {
	AlertID    int64 `json:"alert_id"`
	IncidentID int64 `json:"incident_id"`
}

func (q runRequest) object() (model.Kind, int64, error) {
	switch {
	case q.AlertID > 0 && q.IncidentID == 0:
		return model.KindAlert, q.AlertID, nil
	case q.IncidentID > 0 && q.AlertID == 0:
		return model.KindIncident, q.IncidentID, nil
	}
	return "", 0, fmt.Errorf("%w: give alert_id or incident_id", engine.ErrInvalid)
}

func (s *server) playbookRow(ctx context.Context, p *playbook.Playbook) playbookRow {
	origin := store.OriginFile
	if sp, err := s.store.PlaybookGet(ctx, p.Def.ID); err == nil {
		origin = sp.Origin
	}
	return playbookRow{ID: p.Def.ID, Name: p.Def.Name, Enabled: p.Def.IsEnabled(), Trigger: p.Def.Trigger,
		Steps: len(p.Def.Steps), Origin: origin, Definition: p.Def}
}

// listPlaybooks answers GET /api/v1/playbooks.
func (s *server) listPlaybooks(w http.ResponseWriter, r *http.Request) {
	out := playbooksBody{Items: []playbookRow{}}
	for _, p := range s.playbooks.List() {
		out.Items = append(out.Items, s.playbookRow(r.Context(), p))
	}
	writeJSON(w, http.StatusOK, out)
}

// getPlaybook answers GET /api/v1/playbooks/{id}.
func (s *server) getPlaybook(w http.ResponseWriter, r *http.Request) {
	p, ok := s.playbooks.Get(r.PathValue("id"))
	if !ok {
		notFound(w, "no playbook %q", cleanID(r.PathValue("id")))
		return
	}
	writeJSON(w, http.StatusOK, s.playbookRow(r.Context(), p))
}

// putPlaybook answers PUT /api/v1/playbooks/{id}: the definition is
// checked and compiled before it is stored, so a playbook that would
// fail is refused with its reason; a file's playbook is not replaced.
func (s *server) putPlaybook(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	var req playbookRequest
	if !decodeBody(w, r, &req) {
		return
	}
	d, err := playbook.Parse([]byte(req.Definition))
	if err == nil && d.ID != id {
		err = fmt.Errorf("the definition's id %q is not the path's %q", d.ID, id)
	}
	var p *playbook.Playbook
	if err == nil {
		p, err = s.playbooks.Compile(d)
	}
	if err != nil {
		invalid(w, "%v", err)
		return
	}
	if _, known := s.playbooks.Get(id); known {
		if sp, gerr := s.store.PlaybookGet(r.Context(), id); errors.Is(gerr, store.ErrNotFound) || gerr == nil && sp.Origin == store.OriginFile {
			writeError(w, http.StatusConflict, codeConflict, "playbook "+cleanID(id)+" is defined by a file; change the file")
			return
		}
	}
	err = s.store.WithTx(r.Context(), func(tx store.Tx) error {
		return tx.PlaybookUpsert(r.Context(), store.StoredPlaybook{ID: id, Definition: req.Definition, Origin: store.OriginAPI, UpdatedAt: s.engine.Now()})
	})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.playbooks.Put(p)
	writeJSON(w, http.StatusOK, s.playbookRow(r.Context(), p))
}

// deletePlaybook answers DELETE /api/v1/playbooks/{id}; its runs stay.
func (s *server) deletePlaybook(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	sp, err := s.store.PlaybookGet(r.Context(), id)
	switch {
	case errors.Is(err, store.ErrNotFound):
		notFound(w, "no playbook %q managed through the API", cleanID(id))
		return
	case err != nil:
		s.fail(w, r, err)
		return
	case sp.Origin == store.OriginFile:
		writeError(w, http.StatusConflict, codeConflict, "playbook "+cleanID(id)+" is defined by a file; remove the file")
		return
	}
	if err := s.store.WithTx(r.Context(), func(tx store.Tx) error { return tx.PlaybookDelete(r.Context(), id) }); err != nil {
		s.fail(w, r, err)
		return
	}
	s.playbooks.Remove(id)
	w.WriteHeader(http.StatusNoContent)
}

type runStarted struct {
	RunID int64 `json:"run_id"`
}

// startRun answers POST /api/v1/playbooks/{id}/runs: a manual run on an
// alert or incident.
func (s *server) startRun(w http.ResponseWriter, r *http.Request) {
	var req runRequest
	if !decodeBody(w, r, &req) {
		return
	}
	kind, objID, err := req.object()
	if err == nil {
		err = s.checkExists(r.Context(), kind, objID)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	id := r.PathValue("id")
	ev := engine.Event{Trigger: playbook.TriggerManual, Kind: kind, ID: objID}
	runID, err := s.playbooks.Start(r.Context(), id, ev, "")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusAccepted, runStarted{RunID: runID})
}

type dryRunBody struct {
	Steps []playbook.Preview `json:"steps"`
}

// dryRun answers POST /api/v1/playbooks/{id}/dry-run: each step rendered
// against a stored object, nothing sent.
func (s *server) dryRun(w http.ResponseWriter, r *http.Request) {
	var req runRequest
	if !decodeBody(w, r, &req) {
		return
	}
	kind, objID, err := req.object()
	if err != nil {
		s.fail(w, r, err)
		return
	}
	steps, err := s.playbooks.DryRun(r.Context(), r.PathValue("id"), kind, objID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, dryRunBody{Steps: steps})
}
