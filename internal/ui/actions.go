package ui

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/alertsync/alertsync/internal/engine"
	"github.com/alertsync/alertsync/internal/model"
	"github.com/alertsync/alertsync/internal/store"
)

// kindOf says whether the route is about an alert or an incident.
func kindOf(r *http.Request) model.Kind {
	if strings.HasPrefix(r.URL.Path, "/incidents/") {
		return model.KindIncident
	}
	return model.KindAlert
}

// objectPage is where an object's page lives.
func objectPage(kind model.Kind, id int64) string {
	if kind == model.KindIncident {
		return fmt.Sprintf("/incidents/%d", id)
	}
	return fmt.Sprintf("/alerts/%d", id)
}

// analyst is the person acting, as revisions and comments record them.
func analyst(r *http.Request) model.Actor {
	return model.Actor{Kind: model.ActorAnalyst, Name: current(r.Context()).who.Name}
}

// setVerdict answers POST /{alerts|incidents}/{id}/verdict through the
// engine calls the API's verdict uses: the policy decides what is written
// back, in the same transaction.
func (c *console) setVerdict(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r)
	if !ok {
		c.notFound(w, r)
		return
	}
	kind := kindOf(r)
	p := engine.VerdictParams{ID: id, Verdict: model.Verdict(r.PostFormValue("verdict")),
		Published: r.PostFormValue("published") != "", Reason: strings.TrimSpace(r.PostFormValue("reason")), Actor: analyst(r)}
	var err error
	if kind == model.KindAlert {
		_, err = c.engine.SetAlertVerdict(r.Context(), p)
	} else {
		_, err = c.engine.SetIncidentVerdict(r.Context(), p)
	}
	if c.refused(w, r, err) {
		return
	}
	done(w, r, objectPage(kind, id), "Verdict set: "+string(p.Verdict)+". Write-backs are below.")
}

// addComment answers POST /{alerts|incidents}/{id}/comments.
func (c *console) addComment(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r)
	if !ok {
		c.notFound(w, r)
		return
	}
	kind := kindOf(r)
	_, _, err := c.engine.AddCommentOnce(r.Context(), kind, id, analyst(r), strings.TrimSpace(r.PostFormValue("body")), r.PostFormValue("request_key"))
	if c.refused(w, r, err) {
		return
	}
	done(w, r, objectPage(kind, id), "Comment added.")
}

// startValidation answers POST /alerts/{id}/validation.
func (c *console) startValidation(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r)
	if !ok {
		c.notFound(w, r)
		return
	}
	if c.refused(w, r, c.engine.StartValidation(r.Context(), id)) {
		return
	}
	done(w, r, objectPage(model.KindAlert, id), "Validation started: correlation passes run from now on.")
}

// stopValidation answers POST /alerts/{id}/validation/stop: the schedule
// is marked done, as a verdict would, so no further pass runs. The engine
// has no call for it; marking the schedule done is what its own finish
// does.
func (c *console) stopValidation(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r)
	if !ok {
		c.notFound(w, r)
		return
	}
	err := c.store.WithTx(r.Context(), func(tx store.Tx) error {
		v, err := tx.ValidationGet(r.Context(), id)
		if err != nil {
			return fmt.Errorf("get validation of alert %d: %w", id, err)
		}
		if v.Done {
			return nil
		}
		v.Done = true
		return tx.ValidationUpsert(r.Context(), v)
	})
	if c.refused(w, r, err) {
		return
	}
	c.log.InfoContext(r.Context(), "validation stopped in the console", "alert", id, "by", current(r.Context()).who.Name)
	done(w, r, objectPage(model.KindAlert, id), "Validation stopped: no further passes run.")
}

// refused answers an engine or store error, if any: the caller's mistake
// (a refused verdict says why), a missing object, or an internal failure.
func (c *console) refused(w http.ResponseWriter, r *http.Request, err error) bool {
	switch {
	case err == nil:
		return false
	case errors.Is(err, engine.ErrInvalid):
		c.errorPage(w, r, http.StatusBadRequest, strings.TrimPrefix(err.Error(), engine.ErrInvalid.Error()+": "))
	case errors.Is(err, store.ErrNotFound):
		c.errorPage(w, r, http.StatusNotFound, "There is no such object.")
	case errors.Is(err, store.ErrConflict):
		c.errorPage(w, r, http.StatusConflict, "Someone changed it at the same moment; reload and try again.")
	default:
		c.fail(w, r, err)
	}
	return true
}
