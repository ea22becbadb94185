package ui

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/alertsync/alertsync/internal/api"
	"github.com/alertsync/alertsync/internal/store"
)

// outboxStates are the outbox page's tabs: what waits, what is being
// sent, what gave up, and what is finished.
var outboxStates = []store.OutboxState{store.OutboxPending, store.OutboxLeased, store.OutboxDead, store.OutboxDone, store.OutboxSkipped}

type outboxData struct {
	State     store.OutboxState
	States    []store.OutboxState
	Counts    map[store.OutboxState]int
	Items     []deliveryView
	NextQuery string
}

// outboxPage answers GET /outbox?state=...: pending (queued or waiting to
// be retried, with why), in flight, dead letters with their reason and a
// retry button for admins, done and skipped; keyset-paged by id.
func (c *console) outboxPage(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	state := store.OutboxState(q.Get("state"))
	if !validState(state) {
		state = store.OutboxDead
	}
	after, _ := strconv.ParseInt(q.Get("after"), 10, 64)
	counts, err := c.store.OutboxCounts(r.Context())
	if err != nil {
		c.fail(w, r, err)
		return
	}
	items, err := c.store.OutboxList(r.Context(), store.OutboxListParams{State: state, Integration: q.Get("integration"), AfterID: after, Limit: pageSize + 1})
	if err != nil {
		c.fail(w, r, err)
		return
	}
	d := outboxData{State: state, States: outboxStates, Counts: counts}
	if len(items) > pageSize {
		items = items[:pageSize]
		d.NextQuery = "state=" + string(state) + "&after=" + strconv.FormatInt(items[pageSize-1].ID, 10)
	}
	for _, dl := range c.views.Deliveries(items) {
		d.Items = append(d.Items, outboxItem(dl))
	}
	c.render(w, r, http.StatusOK, "outbox", c.view(r, "outbox", "Outbox", d))
}

func outboxItem(d api.Delivery) deliveryView {
	v := deliveryView{Delivery: d, Status: statusWord(&d), Detail: d.LastError}
	if d.State == store.OutboxPending || d.State == store.OutboxLeased {
		v.Detail = d.Waiting
		if d.LastError != "" {
			v.Detail += " · last error: " + d.LastError
		}
	}
	return v
}

func validState(s store.OutboxState) bool {
	for _, v := range outboxStates {
		if v == s {
			return true
		}
	}
	return false
}

// retryOutbox answers POST /outbox/{id}/retry as the API's retry does: a
// dead item goes back to pending, due now, with a fresh attempt budget.
func (c *console) retryOutbox(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r)
	if !ok {
		c.notFound(w, r)
		return
	}
	err := c.engine.RetryOutbox(r.Context(), id)
	switch {
	case errors.Is(err, store.ErrNotFound):
		c.errorPage(w, r, http.StatusNotFound, "There is no dead outbox item with that id.")
		return
	case errors.Is(err, store.ErrSuperseded):
		c.errorPage(w, r, http.StatusConflict, "A later action on the same remote object has been applied since; retrying this one would undo it.")
		return
	case c.refused(w, r, err):
		return
	}
	c.log.InfoContext(r.Context(), "outbox item retried in the console", "id", id, "by", current(r.Context()).who.Name)
	done(w, r, "/outbox?state=pending", "Item "+strconv.FormatInt(id, 10)+" is pending again.")
}
