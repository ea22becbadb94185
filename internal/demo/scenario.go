package demo

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/alertsync/alertsync/internal/app"
	"github.com/alertsync/alertsync/internal/config"
	"github.com/alertsync/alertsync/internal/engine"
	"github.com/alertsync/alertsync/internal/model"
	"github.com/alertsync/alertsync/internal/store"
)

// scenario walks the demo steps; each step records one Row.
type scenario struct {
	ctx context.Context
	app *app.App
	// tenant is the hub tenant the scenario runs in, st and eng its part
	// of the hub; w is that tenant's organisation at the vendors.
	tenant string
	st     store.Scoped
	eng    *engine.Engine
	w      *world
	poll   time.Duration
	sum    *Summary
	race   *analystRace
	// rc is the external tool the demo playbook posts to.
	rc *receiver
	// exp collects what the verdicts and comments should leave at the
	// vendors and times them; nil when a test uses the steps alone.
	exp *expectations
	// mirrored are the integrations whose alerts another integration's
	// incidents hold (its reconcile alerts_from).
	mirrored map[string]bool
	// second is the scenario of the hub's second tenant, run beside
	// this one (the default tenant's) when the demo has one.
	second *scenario
}

var analyst = model.Actor{Kind: model.ActorAnalyst, Name: "demo-analyst"}

func newScenario(ctx context.Context, a *app.App, w *world, cfg config.Config, poll time.Duration, sum *Summary) *scenario {
	mirrored := map[string]bool{}
	for _, in := range cfg.Integrations {
		if in.Reconcile != nil {
			for _, id := range in.Reconcile.AlertsFrom {
				mirrored[id] = true
			}
		}
	}
	return &scenario{ctx: ctx, app: a, tenant: model.DefaultTenant, st: a.Store(), eng: a.Engine(), w: w, poll: poll, sum: sum,
		exp: newExpectations(w, cfg), mirrored: mirrored}
}

// runFor walks the checked rows, keeps traffic flowing until o.Duration
// has passed since the start (and for o.Traffic at least), then settles
// and reads the totals back from the emulators.
func (s *scenario) runFor(o Options) error {
	start := time.Now()
	stop := s.exp.track(s.ctx)
	stopSecond := func() {}
	if s.second != nil {
		stopSecond = s.second.exp.track(s.ctx)
	}
	err := s.run()
	if err == nil && s.second != nil {
		err = s.second.tenantRows(s.w)
	}
	until := start.Add(o.Duration)
	if least := time.Now().Add(o.Traffic); least.After(until) {
		until = least
	}
	if err == nil && until.After(time.Now()) {
		err = s.load(until, o.Rate)
	}
	stop()
	stopSecond()
	if ferr := s.finish(o.Settle); err == nil {
		err = ferr
	}
	if s.second != nil {
		if ferr := s.second.finish(o.Settle); err == nil {
			err = ferr
		}
		tenantSummary(s.sum, []string{s.tenant, s.second.tenant})
	}
	s.sum.Duration = time.Since(start)
	return err
}

func (s *scenario) run() error {
	steps := []func() error{s.ingest, s.everyVendor, s.crossVendor, s.evidence, s.push, s.playbookStep, s.graphNotAThreat, s.mdePublishedThreat, s.graphSuspicious, s.reconciliation}
	for _, step := range steps {
		if err := step(); err != nil {
			return err
		}
	}
	return nil
}

// playbookStep checks the demo playbook, when the run has a receiver.
func (s *scenario) playbookStep() error {
	if s.rc == nil {
		return nil
	}
	return s.playbook(s.rc)
}

func (s *scenario) row(section, name string, ok bool, took time.Duration, detail string, args ...any) {
	s.sum.Rows = append(s.sum.Rows, Row{Section: section, Name: name, OK: ok, Took: took, Detail: fmt.Sprintf(detail, args...)})
}

// waitUntil polls cond until it holds or the limit passes; it returns how
// long it took. The hub's own pollers and outbox worker do the work.
func (s *scenario) waitUntil(limit time.Duration, cond func() bool) (time.Duration, bool) {
	start := time.Now()
	for {
		if cond() {
			return time.Since(start), true
		}
		if time.Since(start) > limit || s.ctx.Err() != nil {
			return time.Since(start), false
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// settle lets the hub poll a few more times, for checks that something
// did NOT happen.
func (s *scenario) settle() { time.Sleep(3 * s.poll) }

func (s *scenario) alerts(integration string) []model.Alert {
	var out []model.Alert
	after := int64(0)
	for {
		page, err := s.st.AlertList(s.ctx, store.AlertListParams{Integration: integration, AfterID: after, Limit: 1000})
		if err != nil || len(page) == 0 {
			return out
		}
		out = append(out, page...)
		after = page[len(page)-1].ID
	}
}

func (s *scenario) ingest() error {
	const section = "Ingest"
	s.sum.Ingest = map[string]int{}
	want := map[string]int{"graph": len(s.w.graph.Alerts()), "mde": len(s.w.mde.Alerts())}
	for _, id := range []string{"graph", "mde"} {
		took, ok := s.waitUntil(60*time.Second, func() bool { return len(s.alerts(id)) >= want[id] })
		got := s.alerts(id)
		s.sum.Ingest[id] = len(got)
		sources := map[string]bool{}
		for _, a := range got {
			sources[a.Source] = true
		}
		s.row(section, fmt.Sprintf("%s: every emulator alert ingested", id), ok && len(got) == want[id], took,
			"%d of %d alerts, %d service sources", len(got), want[id], len(sources))
	}
	wantIncidents := len(s.w.graph.Incidents())
	var incidents []model.Incident
	took, ok := s.waitUntil(60*time.Second, func() bool {
		incidents, _ = s.st.IncidentList(s.ctx, store.IncidentListParams{Integration: "graph", Limit: 1000})
		return len(incidents) >= wantIncidents
	})
	linked := 0
	for _, in := range incidents {
		linked += len(in.AlertIDs)
	}
	s.row(section, "graph: incidents ingested with their member alerts linked", ok && wantIncidents > 0 && linked > 0, took,
		"%d of %d incidents, %d member alerts linked", len(incidents), wantIncidents, linked)
	return nil
}

// pick returns the first stored alert of an integration that is still new
// at the source and has no verdict.
func (s *scenario) pick(integration string, skip ...string) (model.Alert, error) {
	for _, a := range s.alerts(integration) {
		if a.Status == model.StatusNew && a.Verdict == model.VerdictNone && !contains(skip, a.VendorID) {
			return a, nil
		}
	}
	return model.Alert{}, fmt.Errorf("no new %s alert left to validate", integration)
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// verdict gives an analyst's verdict on an alert, and notes what it
// should leave at the vendor.
func (s *scenario) verdict(a model.Alert, v model.Verdict, published bool, reason string) error {
	if s.exp != nil {
		reason = s.exp.token(reason)
	}
	at := time.Now()
	_, err := s.eng.SetAlertVerdict(s.ctx, engine.VerdictParams{ID: a.ID, Verdict: v, Published: published, Reason: reason, Actor: analyst})
	if err != nil {
		return fmt.Errorf("verdict on alert %d: %w", a.ID, err)
	}
	if s.exp != nil {
		s.exp.alertVerdict(a, v, published, tokenOf(reason), at)
	}
	return nil
}

// incidentVerdict gives an analyst's verdict on a whole incident, and
// notes what it should leave at the vendors.
func (s *scenario) incidentVerdict(in model.Incident, members []model.Alert, v model.Verdict, published bool, reason string) error {
	reason = s.exp.token(reason)
	at := time.Now()
	if _, err := s.eng.SetIncidentVerdict(s.ctx, engine.VerdictParams{ID: in.ID, Verdict: v, Published: published, Reason: reason, Actor: analyst}); err != nil {
		return fmt.Errorf("verdict on incident %d: %w", in.ID, err)
	}
	s.exp.incidentVerdict(in, members, v, published, tokenOf(reason), at)
	return nil
}

func (s *scenario) revisionCount(a model.Alert) int {
	revs, err := s.st.RevisionList(s.ctx, store.RevisionListParams{Kind: model.KindAlert, ObjectID: a.ID, Limit: 1000})
	if err != nil {
		return -1
	}
	return len(revs)
}

func (s *scenario) graphNotAThreat() error {
	const section = "State and comment sync: Microsoft Graph v2 (comment sync on)"
	a, err := s.pick("graph")
	if err != nil {
		return err
	}
	if err := s.verdict(a, model.VerdictNotAThreat, false, "scheduled admin script"); err != nil {
		return err
	}
	took, ok := s.waitUntil(30*time.Second, func() bool {
		g, _ := s.w.graph.Alert(a.VendorID)
		return g.Status == "resolved" && g.Classification == "falsePositive" && hasComment(s.graphComments(a.VendorID), "Validated by alertsync: not a threat")
	})
	g, _ := s.w.graph.Alert(a.VendorID)
	s.row(section, "not a threat → alert resolved as falsePositive with an alertsync comment", ok, took,
		"alert %s: status=%s classification=%s determination=%s", a.VendorID, g.Status, g.Classification, g.Determination)

	before := s.revisionCount(a)
	s.settle()
	after := s.revisionCount(a)
	stored, _ := s.st.AlertGet(s.ctx, a.ID)
	s.row(section, "our own write seen on the next polls is an echo: no revision, no action", after == before && stored.Status == model.StatusResolved, 0,
		"revisions %d → %d after %d polls", before, after, 3)
	return nil
}

func (s *scenario) graphComments(id string) []string {
	var out []string
	for _, c := range s.w.graph.Comments(id) {
		out = append(out, c.Comment)
	}
	return out
}

func hasComment(comments []string, prefix string) bool {
	for _, c := range comments {
		if strings.Contains(c, prefix) {
			return true
		}
	}
	return false
}

func (s *scenario) mdePublishedThreat() error {
	const section = "State sync: Defender for Endpoint (ATP API Poll Alerts)"
	a, err := s.pick("mde")
	if err != nil {
		return err
	}
	if err := s.verdict(a, model.VerdictThreat, true, "credential theft confirmed"); err != nil {
		return err
	}
	took, ok := s.waitUntil(30*time.Second, func() bool {
		m, _ := s.w.mde.Alert(a.VendorID)
		return m.Status == "Resolved" && m.Classification != nil && *m.Classification == "TruePositive"
	})
	m, _ := s.w.mde.Alert(a.VendorID)
	var comments []string
	for _, c := range s.w.mde.Comments(a.VendorID) {
		comments = append(comments, c.Comment)
	}
	s.row(section, "published threat → Resolved as TruePositive, closing comment says alertsync", ok && hasComment(comments, "alertsync"), took,
		"alert %s: status=%s comments=%d", a.VendorID, m.Status, len(comments))
	return nil
}

func (s *scenario) graphSuspicious() error {
	const section = "State and comment sync: Microsoft Graph v2 (comment sync on)"
	a, err := s.pick("graph")
	if err != nil {
		return err
	}
	if err := s.verdict(a, model.VerdictSuspicious, false, "unusual parent process"); err != nil {
		return err
	}
	took, ok := s.waitUntil(30*time.Second, func() bool {
		g, _ := s.w.graph.Alert(a.VendorID)
		return g.Status == "inProgress" && hasComment(s.graphComments(a.VendorID), "Validated by alertsync: suspicious")
	})
	s.row(section, "suspicious → kept open as inProgress with an alertsync comment", ok, took, "alert %s", a.VendorID)
	return nil
}

func storeRevisions(in model.Incident) store.RevisionListParams {
	return store.RevisionListParams{Kind: model.KindIncident, ObjectID: in.ID, Limit: 1000}
}
