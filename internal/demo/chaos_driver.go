package demo

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strings"
	"syscall"
	"time"

	"github.com/alertsync/alertsync/internal/emulators/emukit"
	"github.com/alertsync/alertsync/internal/emulators/registry"
	"github.com/alertsync/alertsync/internal/model"
)

// driver is the chaos run's analysts: it raises alerts at the vendors and
// gives verdicts and comments through the API of whichever replica is
// alive. Each object gets at most one verdict, so the state the vendors
// should end in is known; exp notes it.
type driver struct {
	c       *cluster
	w       *world
	exp     *expectations
	r       *rand.Rand
	raisers []registry.Raiser
	touched map[string]bool            // integration/kind:id given a verdict
	fresh   map[string][]model.Alert   // open alerts without a verdict, by integration
	objects map[string][]commentTarget // what can be commented on, by integration
	// commented counts the comments given on each object: an analyst
	// stops at perObjectComments, as a vendor's console stops people at
	// its own limit (Sentinel: 100 an incident), which a long SQLite run
	// would otherwise reach and whose refusals are dead letters by design.
	commented map[objRef]int
	turn      int
	writes    int // names each write's Idempotency-Key
	n         driverCounts
}

// driverCounts is what the driver did.
type driverCounts struct {
	Raised   int `json:"raised"`
	Verdicts int `json:"verdicts"`
	Comments int `json:"comments"`
	// Unknown counts the calls whose answer was lost (a replica killed
	// mid-call, a connection cut, a 5xx): each was read back before it
	// was sent again.
	Unknown int `json:"answers_lost"`
	Resent  int `json:"resent"`
}

// commentTarget is an alert or incident the API can take comments on.
type commentTarget struct {
	ref  objRef
	kind model.Kind
	id   int64
}

func newDriver(c *cluster, w *world, exp *expectations, seed int64) *driver {
	d := &driver{c: c, w: w, exp: exp, r: rand.New(rand.NewPCG(uint64(seed), 17)), touched: map[string]bool{},
		fresh: map[string][]model.Alert{}, objects: map[string][]commentTarget{}, commented: map[objRef]int{}}
	for _, v := range w.set.Vendors() {
		em, _ := w.set.Emulator(v.Kind)
		if r, ok := em.(registry.Raiser); ok {
			d.raisers = append(d.raisers, r)
		}
	}
	return d
}

// step does the next action of the rotation: raise, verdict, comment,
// verdict. It reports whether it made a change through the API.
func (d *driver) step(ctx context.Context) (bool, error) {
	d.turn++
	switch d.turn % 4 {
	case 0:
		return false, d.raise()
	case 2:
		return d.comment(ctx)
	default:
		return d.verdict(ctx)
	}
}

func (d *driver) raise() error {
	if len(d.raisers) == 0 {
		return nil
	}
	ids, err := d.raisers[d.turn%len(d.raisers)].Raise(d.r)
	if err != nil {
		return fmt.Errorf("raise an alert: %w", err)
	}
	d.n.Raised += len(ids)
	return nil
}

// verdict gives one verdict on an open alert nobody gave one, from each
// integration that has one in turn.
func (d *driver) verdict(ctx context.Context) (bool, error) {
	a, ok, err := d.pick(ctx)
	if err != nil || !ok {
		return false, err
	}
	d.touched[a.Integration+"/"+a.VendorID] = true
	c := emukit.Pick(d.r, alertCalls)
	reason := d.exp.token(emukit.Pick(d.r, loadReasons))
	at := time.Now()
	path := fmt.Sprintf("/api/v1/alerts/%d/verdict", a.ID)
	body := verdictBody{Verdict: c.v, Published: c.published, Reason: reason}
	err = d.write(ctx, path, body, func(ctx context.Context) (bool, error) {
		var now model.Alert
		if err := d.c.get(ctx, fmt.Sprintf("/api/v1/alerts/%d", a.ID), &now); err != nil {
			return false, err
		}
		return now.Verdict == c.v, nil
	})
	if err != nil {
		return false, err
	}
	d.exp.alertVerdict(a, c.v, c.published, tokenOf(reason), at)
	d.n.Verdicts++
	return true, nil
}

type verdictBody struct {
	Verdict   model.Verdict `json:"verdict"`
	Published bool          `json:"published"`
	Reason    string        `json:"reason"`
}

// pick returns an untouched open alert without a verdict.
func (d *driver) pick(ctx context.Context) (model.Alert, bool, error) {
	vendors := d.w.set.Vendors()
	for i := range vendors {
		id := vendors[(d.turn/4+i)%len(vendors)].ID
		if len(d.fresh[id]) == 0 {
			if err := d.refresh(ctx, id); err != nil {
				return model.Alert{}, false, err
			}
		}
		pool := d.fresh[id]
		for len(pool) > 0 {
			a := pool[0]
			pool = pool[1:]
			if !d.touched[a.Integration+"/"+a.VendorID] {
				d.fresh[id] = pool
				return a, true, nil
			}
		}
		d.fresh[id] = nil
	}
	return model.Alert{}, false, nil
}

// alertPage is one page of GET /api/v1/alerts.
type alertPage struct {
	Items     []model.Alert `json:"items"`
	NextAfter *int64        `json:"next_after"`
}

// refresh reads an integration's open alerts without a verdict.
func (d *driver) refresh(ctx context.Context, integration string) error {
	var out []model.Alert
	after := int64(0)
	for {
		var page alertPage
		path := fmt.Sprintf("/api/v1/alerts?integration=%s&status=new&limit=1000&after=%d", integration, after)
		if err := d.c.get(ctx, path, &page); err != nil {
			return fmt.Errorf("list %s alerts: %w", integration, err)
		}
		for _, a := range page.Items {
			if a.Verdict == model.VerdictNone && !d.touched[a.Integration+"/"+a.VendorID] {
				out = append(out, a)
			}
		}
		if page.NextAfter == nil {
			break
		}
		after = *page.NextAfter
	}
	d.r.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	d.fresh[integration] = out
	return nil
}

// perObjectComments is how many comments the analysts give one object at
// most: half of the lowest documented vendor limit (Sentinel's 100).
const perObjectComments = 50

// comment has an analyst comment on an alert or incident of an
// integration with comment sync on, each such integration in turn.
func (d *driver) comment(ctx context.Context) (bool, error) {
	var ids []string
	for _, v := range d.w.set.Vendors() {
		if d.exp.policies[v.ID].CommentSync {
			ids = append(ids, v.ID)
		}
	}
	if len(ids) == 0 {
		return false, nil
	}
	id := ids[(d.turn/4)%len(ids)]
	if len(d.objects[id]) == 0 || d.r.IntN(50) == 0 {
		if err := d.commentTargets(ctx, id); err != nil {
			return false, err
		}
	}
	if len(d.objects[id]) == 0 {
		return false, nil
	}
	o := emukit.Pick(d.r, d.objects[id])
	for tries := 0; d.commented[o.ref] >= perObjectComments; tries++ {
		if tries == 10 {
			d.objects[id] = nil // read the targets again next time
			return false, nil
		}
		o = emukit.Pick(d.r, d.objects[id])
	}
	d.commented[o.ref]++
	body := d.exp.token(emukit.Pick(d.r, commentBodies))
	path := fmt.Sprintf("/api/v1/%ss/%d/comments", o.kind, o.id)
	err := d.write(ctx, path, map[string]string{"body": body}, func(ctx context.Context) (bool, error) {
		var cs struct {
			Items []model.Comment `json:"items"`
		}
		if err := d.c.get(ctx, path, &cs); err != nil {
			return false, err
		}
		for _, c := range cs.Items {
			if c.Body == body {
				return true, nil
			}
		}
		return false, nil
	})
	if err != nil {
		return false, err
	}
	d.exp.comment(o.ref, tokenOf(body))
	d.n.Comments++
	return true, nil
}

// commentTargets reads the first page of an integration's alerts and
// incidents.
func (d *driver) commentTargets(ctx context.Context, integration string) error {
	var alerts alertPage
	if err := d.c.get(ctx, "/api/v1/alerts?limit=500&integration="+integration, &alerts); err != nil {
		return fmt.Errorf("list %s alerts: %w", integration, err)
	}
	var incidents struct {
		Items []model.Incident `json:"items"`
	}
	if err := d.c.get(ctx, "/api/v1/incidents?limit=500&integration="+integration, &incidents); err != nil {
		return fmt.Errorf("list %s incidents: %w", integration, err)
	}
	out := make([]commentTarget, 0, len(alerts.Items)+len(incidents.Items))
	for _, a := range alerts.Items {
		out = append(out, commentTarget{objRef{integration, registry.KindAlert, a.VendorID}, model.KindAlert, a.ID})
	}
	for _, in := range incidents.Items {
		out = append(out, commentTarget{objRef{integration, registry.KindIncident, in.VendorID}, model.KindIncident, in.ID})
	}
	d.objects[integration] = out
	return nil
}

// write makes one change through whichever replica is alive. A call
// refused before it was sent (the replica is down) goes to another; a
// call whose answer was lost (the replica died mid-call, a connection
// was cut, the API failed) leaves the change's fate unknown, so applied
// reads it back before it is sent again: the driver never makes a change
// twice. Every send of one change carries one Idempotency-Key too: a
// read-back can run while the lost call is still being handled (a
// replica held up by a restarting database commits it later), and only
// the key then keeps the resend from adding a second comment.
func (d *driver) write(ctx context.Context, path string, body any, applied func(context.Context) (bool, error)) error {
	b, err := json.Marshal(body)
	if err != nil {
		return fmt.Errorf("encode %s: %w", path, err)
	}
	d.writes++
	key := fmt.Sprintf("chaos-write-%d", d.writes)
	for attempt := 0; ctx.Err() == nil; attempt++ {
		if err := d.c.failure(); err != nil {
			return err
		}
		rs := d.c.alive(d.turn + attempt)
		if len(rs) == 0 {
			pause(ctx, 200*time.Millisecond)
			continue
		}
		if attempt > 0 {
			d.n.Resent++
		}
		done, err := d.send(ctx, rs[0], path, b, key)
		switch {
		case done:
			return nil
		case errors.Is(err, errNotSent):
			pause(ctx, 100*time.Millisecond)
			continue
		case err != nil:
			return err
		}
		d.n.Unknown++
		ok, err := applied(ctx)
		if err != nil {
			return fmt.Errorf("read back %s: %w", path, err)
		}
		if ok {
			return nil
		}
		pause(ctx, 200*time.Millisecond)
	}
	return ctx.Err()
}

// errNotSent is a call refused before anything was sent.
var errNotSent = errors.New("not sent")

// send posts b to path at r: done when the API took it; an error for a
// call that was refused on purpose (a 4xx, a bug in the driver or the
// hub) or never sent; neither when the outcome is unknown.
func (d *driver) send(ctx context.Context, r *replica, path string, b []byte, key string) (done bool, err error) {
	resp, err := d.c.request(ctx, r, http.MethodPost, path, bytes.NewReader(b), key)
	if err != nil {
		if errors.Is(err, syscall.ECONNREFUSED) {
			return false, errNotSent
		}
		return false, nil
	}
	defer func() { _ = resp.Body.Close() }()
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 1024))
	switch {
	case resp.StatusCode < 300:
		return true, nil
	case resp.StatusCode < 500 && resp.StatusCode != http.StatusTooManyRequests && resp.StatusCode != http.StatusRequestTimeout:
		return false, fmt.Errorf("POST %s: %s: %s", path, resp.Status, strings.TrimSpace(string(msg)))
	}
	return false, nil
}

// pause waits d or until ctx ends.
func pause(ctx context.Context, d time.Duration) {
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}
