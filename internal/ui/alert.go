package ui

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/alertsync/alertsync/internal/api"
	"github.com/alertsync/alertsync/internal/model"
	"github.com/alertsync/alertsync/internal/store"
)

// timelineLimit bounds the entries one page shows.
const timelineLimit = 500

type alertData struct {
	Alert      model.Alert
	Timeline   api.Timeline
	Deliveries []deliveryView
	Why        []string
	Validation *store.Validation
	Verdicts   []string
}

// alertPage answers GET /alerts/{id}: the alert, its timeline (the API's
// own, with audit-log evidence, validation passes and write-backs), its
// deliveries kept live by htmx polling, why it did or did not sync, and
// the actions an analyst may take.
func (c *console) alertPage(w http.ResponseWriter, r *http.Request) {
	a, ok := c.alertOf(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	tl, err := c.views.Timeline(ctx, model.KindAlert, a.ID, timelineLimit)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	ds, err := c.deliveriesOf(r, a)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	d := alertData{Alert: a, Timeline: tl, Deliveries: ds, Verdicts: verdicts[1:]}
	if d.Why, err = c.whyNotSynced(ctx, a, ds); err != nil {
		c.fail(w, r, err)
		return
	}
	switch v, err := c.store.ValidationGet(ctx, a.ID); {
	case err == nil:
		d.Validation = &v
	case !errors.Is(err, store.ErrNotFound):
		c.fail(w, r, err)
		return
	}
	c.render(w, r, http.StatusOK, "alert", c.view(r, "alerts", a.Title, d))
}

// alertDeliveries answers GET /alerts/{id}/deliveries: the fragment the
// alert page polls, so a write-back visibly turns confirmed; it also
// updates the matching timeline entries out of band.
func (c *console) alertDeliveries(w http.ResponseWriter, r *http.Request) {
	a, ok := c.alertOf(w, r)
	if !ok {
		return
	}
	ds, err := c.deliveriesOf(r, a)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	d := alertData{Alert: a, Deliveries: ds}
	if d.Why, err = c.whyNotSynced(r.Context(), a, ds); err != nil {
		c.fail(w, r, err)
		return
	}
	v := c.view(r, "alerts", "", d)
	v.Live = true
	c.fragment(w, r, "alert", "live", v)
}

// alertOf reads the alert the path names, or answers 404.
func (c *console) alertOf(w http.ResponseWriter, r *http.Request) (model.Alert, bool) {
	id, ok := pathID(r)
	if !ok {
		c.notFound(w, r)
		return model.Alert{}, false
	}
	a, err := c.store.AlertGet(r.Context(), id)
	switch {
	case errors.Is(err, store.ErrNotFound):
		c.errorPage(w, r, http.StatusNotFound, "There is no alert with that id.")
		return model.Alert{}, false
	case err != nil:
		c.fail(w, r, err)
		return model.Alert{}, false
	}
	return a, true
}

// alertOCSF answers GET /alerts/{id}/ocsf.json: the API's OCSF export,
// as a download.
func (c *console) alertOCSF(w http.ResponseWriter, r *http.Request) {
	a, ok := c.alertOf(w, r)
	if !ok {
		return
	}
	b, err := model.AlertOCSF(a)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	writeDownload(w, "alert-"+strconv.FormatInt(a.ID, 10)+".ocsf.json", b)
}

func writeDownload(w http.ResponseWriter, name string, b []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	_, _ = w.Write(b)
}

// pathID reads the numeric {id} path value.
func pathID(r *http.Request) (int64, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	return id, err == nil && id > 0
}
