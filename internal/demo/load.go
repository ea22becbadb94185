package demo

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/alertsync/alertsync/internal/emulators/emukit"
	"github.com/alertsync/alertsync/internal/emulators/registry"
	"github.com/alertsync/alertsync/internal/model"
	"github.com/alertsync/alertsync/internal/store"
)

const loadSection = "Steady traffic (--duration)"

// verdictCall is one verdict an analyst can give.
type verdictCall struct {
	v         model.Verdict
	published bool
}

var (
	alertCalls    = []verdictCall{{model.VerdictNotAThreat, false}, {model.VerdictSuspicious, false}, {model.VerdictThreat, true}, {model.VerdictHighlySuspicious, false}}
	closingCalls  = []verdictCall{{model.VerdictNotAThreat, false}, {model.VerdictThreat, true}}
	conflictGaps  = []time.Duration{0, 100 * time.Millisecond, time.Second}
	loadReasons   = []string{"benign admin script", "unusual parent process", "credential theft confirmed", "seen on two hosts"}
	commentBodies = []string{"Asked the host owner about the scheduled task.", "Isolated the device pending review.", "Same pattern as last week's pen test."}
)

// load is the traffic of a long demo. Objects it gives a verdict on, or
// that a vendor's own user changed, are not touched again, so each ends
// in a state the scenario can predict.
type load struct {
	s       *scenario
	r       *rand.Rand
	touched map[string]bool // integration/kind:id
	raisers []registry.Raiser
	portals []vendorPortal
	n       struct{ raised, verdicts, conflicts, onIncidents, members, owner, comments int }
	turns   map[string]int // rotation position, by what rotates
}

// load keeps the scenario alive until the deadline, one event at a time
// at rate events a second, in a fixed rotation: detections at every
// vendor that raises them, verdicts (single, conflicting, and on whole
// incidents), changes by the vendors' own users, and analysts' comments.
func (s *scenario) load(until time.Time, rate float64) error {
	l := &load{s: s, r: rand.New(rand.NewPCG(11, 17)), touched: map[string]bool{}, turns: map[string]int{}}
	for _, v := range s.w.set.Vendors() {
		em, _ := s.w.set.Emulator(v.Kind)
		if r, ok := em.(registry.Raiser); ok {
			l.raisers = append(l.raisers, r)
		}
		if p, ok := em.(registry.Portal); ok {
			l.portals = append(l.portals, vendorPortal{v, p})
		}
	}
	steps := []func() error{l.raise, l.verdict, l.comment, l.raise, l.conflict, l.portal, l.raise, l.incidentVerdict, l.comment}
	start := time.Now()
	tick := time.NewTicker(time.Duration(float64(time.Second) / rate))
	defer tick.Stop()
	for i := 0; time.Now().Before(until); i++ {
		if err := steps[i%len(steps)](); err != nil {
			return err
		}
		select {
		case <-s.ctx.Done():
			return s.ctx.Err()
		case <-tick.C:
		}
	}
	s.row(loadSection, fmt.Sprintf("%.0fs of traffic at %.1f events a second", time.Since(start).Seconds(), rate), true, 0,
		"%d alerts raised at the vendors; %d verdicts on alerts, %d conflicting sequences, %d on incidents (%d member alerts); %d changes by vendor users; %d analyst comments",
		l.n.raised, l.n.verdicts, l.n.conflicts, l.n.onIncidents, l.n.members, l.n.owner, l.n.comments)
	return nil
}

func (l *load) key(integration, kind, id string) string { return integration + "/" + kind + ":" + id }

// turn advances the rotation named what over n choices and returns the
// one to start from.
func (l *load) turn(what string, n int) int {
	l.turns[what]++
	return l.turns[what] % n
}

func (l *load) raise() error {
	if len(l.raisers) == 0 {
		return nil
	}
	ids, err := l.raisers[l.turn("raise", len(l.raisers))].Raise(l.r)
	if err != nil {
		return fmt.Errorf("raise an alert: %w", err)
	}
	l.n.raised += len(ids)
	return nil
}

// fresh picks an open alert nobody gave a verdict on and nothing
// touched, from each integration that has one in turn; ok, when set,
// must also accept it.
func (l *load) fresh(ok ...func(model.Alert) bool) (model.Alert, bool) {
	var pools [][]model.Alert
	for _, v := range l.s.w.set.Vendors() {
		var pool []model.Alert
		for _, a := range l.s.alerts(v.ID) {
			if a.Status == model.StatusNew && a.Verdict == model.VerdictNone && !l.touched[l.key(v.ID, registry.KindAlert, a.VendorID)] &&
				(len(ok) == 0 || ok[0](a)) {
				pool = append(pool, a)
			}
		}
		if len(pool) > 0 {
			pools = append(pools, pool)
		}
	}
	if len(pools) == 0 {
		return model.Alert{}, false
	}
	return emukit.Pick(l.r, pools[l.turn("verdict", len(pools))]), true
}

func (l *load) verdict() error {
	a, ok := l.fresh()
	if !ok {
		return nil
	}
	l.touched[l.key(a.Integration, registry.KindAlert, a.VendorID)] = true
	c := emukit.Pick(l.r, alertCalls)
	l.n.verdicts++
	return l.s.verdict(a, c.v, c.published, emukit.Pick(l.r, loadReasons))
}

// conflict gives two or three different verdicts on one alert, close
// together or a moment apart, as analysts who disagree do.
//
// The alert must not belong to another console's incident: there, the
// first verdict closes that incident, and its console (Sentinel)
// resolves its alerts by itself, after any later verdict's write. That
// console's own change wins, as a person's would, so the outcome of a
// conflict would not be the last verdict's.
func (l *load) conflict() error {
	a, ok := l.fresh(l.standalone)
	if !ok {
		return nil
	}
	l.touched[l.key(a.Integration, registry.KindAlert, a.VendorID)] = true
	order := l.r.Perm(len(alertCalls))[:2+l.r.IntN(2)]
	gap := emukit.Pick(l.r, conflictGaps)
	for i, j := range order {
		if i > 0 {
			time.Sleep(gap)
		}
		c := alertCalls[j]
		if err := l.s.verdict(a, c.v, c.published, "second opinion"); err != nil {
			return err
		}
	}
	l.n.conflicts++
	return nil
}

// standalone reports whether a can belong to no incident of another
// integration: its integration is no other's reconcile source, and it is
// in no other integration's incident now. A vendor whose close is final
// is left out too: a later verdict would ask it for a reopen it refuses.
func (l *load) standalone(a model.Alert) bool {
	if v, ok := l.s.exp.vendor(a.Integration); l.s.mirrored[a.Integration] || ok && v.FinalClose {
		return false
	}
	ms, err := l.s.st.MembershipList(l.s.ctx, store.MembershipListParams{AlertID: a.ID})
	if err != nil {
		return false
	}
	for _, m := range ms {
		in, err := l.s.st.IncidentGet(l.s.ctx, m.IncidentID)
		if err != nil || (in.Integration != "" && in.Integration != a.Integration) {
			return false
		}
	}
	return true
}

// incidentVerdict closes a whole incident, preferring one with several
// alerts, from each integration that has one in turn; the hub fans the
// verdict out to every member alert.
func (l *load) incidentVerdict() error {
	type pick struct {
		in      model.Incident
		members []model.Alert
	}
	var picks []pick
	for _, v := range l.s.w.set.Vendors() {
		if in, members, ok := l.freshIncident(v.ID); ok {
			picks = append(picks, pick{in, members})
		}
	}
	if len(picks) == 0 {
		return nil
	}
	p := picks[l.turn("incident", len(picks))]
	l.touched[l.key(p.in.Integration, registry.KindIncident, p.in.VendorID)] = true
	for _, m := range p.members {
		l.touched[l.key(m.Integration, registry.KindAlert, m.VendorID)] = true
	}
	c := emukit.Pick(l.r, closingCalls)
	l.n.onIncidents++
	l.n.members += len(p.members)
	return l.s.incidentVerdict(p.in, p.members, c.v, c.published, "whole incident reviewed")
}

// freshIncident picks an open incident of an integration whose members
// are all open, untouched and without a verdict.
func (l *load) freshIncident(integration string) (model.Incident, []model.Alert, bool) {
	list, err := l.s.st.IncidentList(l.s.ctx, store.IncidentListParams{Integration: integration, Open: true, Limit: 1000})
	if err != nil {
		return model.Incident{}, nil, false
	}
	type cand struct {
		in      model.Incident
		members []model.Alert
	}
	var one, many []cand
	for _, in := range list {
		if in.Status != model.StatusNew || in.Verdict != model.VerdictNone || l.touched[l.key(integration, registry.KindIncident, in.VendorID)] {
			continue
		}
		if members, ok := l.untouchedMembers(in); ok && len(members) > 1 {
			many = append(many, cand{in, members})
		} else if ok && len(members) == 1 {
			one = append(one, cand{in, members})
		}
	}
	pool := many
	if len(pool) == 0 {
		pool = one
	}
	if len(pool) == 0 {
		return model.Incident{}, nil, false
	}
	c := emukit.Pick(l.r, pool)
	return c.in, c.members, true
}

func (l *load) untouchedMembers(in model.Incident) ([]model.Alert, bool) {
	var out []model.Alert
	for _, id := range in.AlertIDs {
		a, err := l.s.st.AlertGet(l.s.ctx, id)
		if err != nil || a.Status != model.StatusNew || a.Verdict != model.VerdictNone || l.touched[l.key(a.Integration, registry.KindAlert, a.VendorID)] {
			return nil, false
		}
		out = append(out, a)
	}
	return out, true
}

// vendorPortal is a vendor whose own users change its objects.
type vendorPortal struct {
	v registry.Vendor
	p registry.Portal
}

// portal has each vendor's own user change one of its objects.
func (l *load) portal() error {
	for _, vp := range l.portals {
		id := vp.v.ID
		o, ok, err := vp.p.PortalChange(l.r, func(o registry.Object) bool { return l.touched[l.key(id, o.Kind, o.ID)] })
		if err != nil {
			return fmt.Errorf("change at %s: %w", vp.v.Kind, err)
		}
		if ok {
			l.touched[l.key(id, o.Kind, o.ID)] = true
			l.n.owner++
		}
	}
	return nil
}

// comment has an analyst comment on an alert or incident of an
// integration with comment sync on, each such integration in turn.
func (l *load) comment() error {
	var ids []string
	for _, v := range l.s.w.set.Vendors() {
		if l.s.exp.policies[v.ID].CommentSync {
			ids = append(ids, v.ID)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	id := ids[l.turn("comment", len(ids))]
	var pool []objRefLocal
	for _, a := range l.s.alerts(id) {
		pool = append(pool, objRefLocal{objRef{id, registry.KindAlert, a.VendorID}, model.KindAlert, a.ID})
	}
	ins, err := l.s.st.IncidentList(l.s.ctx, store.IncidentListParams{Integration: id, Limit: 1000})
	if err != nil {
		return fmt.Errorf("list incidents: %w", err)
	}
	for _, in := range ins {
		pool = append(pool, objRefLocal{objRef{id, registry.KindIncident, in.VendorID}, model.KindIncident, in.ID})
	}
	if len(pool) == 0 {
		return nil
	}
	o := emukit.Pick(l.r, pool)
	body := l.s.exp.token(emukit.Pick(l.r, commentBodies))
	if _, err := l.s.eng.AddComment(l.s.ctx, o.kind, o.id, analyst, body); err != nil {
		return fmt.Errorf("comment on %s: %w", o.ref, err)
	}
	l.s.exp.comment(o.ref, tokenOf(body))
	l.n.comments++
	return nil
}

// objRefLocal is a remote object with the hub's id for it.
type objRefLocal struct {
	ref  objRef
	kind model.Kind
	id   int64
}

// tokenOf is the "[demo-NNNN]" part of a text made by token.
func tokenOf(text string) string {
	if i := strings.LastIndex(text, " [demo-"); i >= 0 {
		return text[i+1:]
	}
	return text
}
