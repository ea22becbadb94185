package demo

import (
	"fmt"
	"github.com/alertsync/alertsync/internal/procstat"
	"strings"
	"time"

	"github.com/alertsync/alertsync/internal/emulators/registry"
	"github.com/alertsync/alertsync/internal/model"
	"github.com/alertsync/alertsync/internal/store"
)

const totalsSection = "Totals, read back from the vendors' consoles"

// IntegrationReport is one integration's totals in the summary: counts
// of what the scenario expected against what the vendor's console shows.
type IntegrationReport struct {
	// Tenant is the hub tenant the integration belongs to.
	Tenant              string     `json:"tenant"`
	ID                  string     `json:"id"`
	Kind                string     `json:"kind"`
	Ingested            int        `json:"ingested"`
	Verdicts            int        `json:"verdicts"`
	CommentSync         bool       `json:"comment_sync"`
	StateWritesExpected int        `json:"state_writes_expected"`
	StateWritesObserved int        `json:"state_writes_observed"`
	CommentsExpected    int        `json:"comments_expected"`
	CommentsObserved    int        `json:"comments_observed"`
	DuplicateComments   int        `json:"duplicate_comments"`
	DeadLetters         int        `json:"dead_letters"`
	Mismatches          []Mismatch `json:"mismatches"`
	// EvidenceSource marks an audit log (Office 365): Ingested counts its
	// records stored as evidence and Linked those naming a user or IP
	// some alert names.
	EvidenceSource bool `json:"evidence_source"`
	Linked         int  `json:"linked"`

	p50, p99 time.Duration // verdict → vendor, for people only
	timed    int
	alerts   int // of Ingested, the alerts
}

// clean reports whether the integration ended as it should.
func (r IntegrationReport) clean() bool {
	return r.StateWritesObserved == r.StateWritesExpected && r.CommentsObserved == r.CommentsExpected &&
		r.DuplicateComments == 0 && r.DeadLetters == 0 && len(r.Mismatches) == 0
}

// finish waits for hub and vendors to settle, then fills the summary's
// totals and adds one checked row per integration and one for the
// outbox.
//
// The summary's outbox counts add up every tenant's; its verdict → vendor
// times and playbook runs are the default tenant's.
func (s *scenario) finish(limit time.Duration) error {
	s.converge(limit)
	s.exp.observe()
	counts, err := s.st.OutboxCounts(s.ctx)
	if err != nil {
		return fmt.Errorf("read outbox counts: %w", err)
	}
	if s.rc != nil {
		c := s.runCounts()
		_, total, _ := s.rc.received("")
		s.sum.Playbooks = ReportPlaybooks{RunsSucceeded: c.Succeeded, RunsFailed: c.Failed, ReceiverRequests: total}
	}
	if s.sum.Outbox == nil {
		s.sum.Outbox = map[string]int{}
	}
	for k, v := range counts {
		s.sum.Outbox[string(k)] += v
	}
	section := s.section(totalsSection)
	for _, v := range s.w.set.Vendors() {
		rep, err := s.report(v)
		if err != nil {
			return err
		}
		s.sum.Integrations = append(s.sum.Integrations, rep)
		s.row(section, fmt.Sprintf("%s (%s): every expected write shown by the vendor, no comment twice, hub and vendor agree", rep.ID, rep.Kind),
			rep.clean(), 0, "%s", rep.detail())
	}
	p50, p99, n := s.exp.percentiles("")
	if s.tenant == model.DefaultTenant {
		s.sum.VerdictToRemote = Latency{P50: ms(p50), P99: ms(p99), N: n}
	}
	s.sum.RSSMB = procstat.PeakRSSMB()
	pending := counts[store.OutboxPending] + counts[store.OutboxLeased]
	s.row(section, "Outbox drained, no dead letters", pending == 0 && counts[store.OutboxDead] == 0, 0,
		"%d delivered, %d skipped (superseded or not needed), %d pending, %d dead; verdict → vendor p50 %.0f ms, p99 %.0f ms over %d changes",
		counts[store.OutboxDone], counts[store.OutboxSkipped], pending, counts[store.OutboxDead], ms(p50), ms(p99), n)
	return nil
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// report reads one integration's totals back from its vendor.
func (s *scenario) report(v registry.Vendor) (IntegrationReport, error) {
	rep := IntegrationReport{Tenant: s.tenant, ID: v.ID, Kind: v.Kind}
	hub, err := s.hubObjects(v.ID)
	if err != nil {
		return rep, err
	}
	em, _ := s.w.set.Emulator(v.Kind)
	console := em.Console().Objects()
	byKey := make(map[string]registry.Object, len(console))
	for _, o := range console {
		byKey[o.Key()] = o
	}
	rep.Ingested = len(hub)
	if _, ok := s.auditLog(v); ok {
		n, err := s.st.EvidenceCounts(s.ctx, v.ID)
		if err != nil {
			return rep, fmt.Errorf("count evidence of %s: %w", v.ID, err)
		}
		rep.EvidenceSource, rep.Ingested, rep.Linked = true, n.Stored, n.Linked
	}
	for key := range hub {
		if strings.HasPrefix(key, registry.KindAlert+":") {
			rep.alerts++
		}
	}
	rep.Mismatches = compare(v, hub, console)
	rep.DuplicateComments = duplicates(console)
	dead, err := s.st.OutboxList(s.ctx, store.OutboxListParams{State: store.OutboxDead, Integration: v.ID, Limit: 100000})
	if err != nil {
		return rep, fmt.Errorf("list dead letters of %s: %w", v.ID, err)
	}
	rep.DeadLetters = len(dead)
	s.exp.tally(v.ID, byKey, &rep)
	rep.p50, rep.p99, rep.timed = s.exp.percentiles(v.ID)
	return rep, nil
}

// tally counts an integration's expected state writes and comments, and
// those its vendor shows.
func (e *expectations) tally(integration string, console map[string]registry.Object, rep *IntegrationReport) {
	e.mu.Lock()
	defer e.mu.Unlock()
	rep.Verdicts = e.verdicts[integration]
	rep.CommentSync = e.policies[integration].CommentSync
	for ref, want := range e.state {
		if ref.integration != integration {
			continue
		}
		rep.StateWritesExpected++
		if o, ok := console[ref.kind+":"+ref.id]; ok && o.State == want {
			rep.StateWritesObserved++
		}
	}
	count := func(ref objRef, tok string) {
		rep.CommentsExpected++
		if o, ok := console[ref.kind+":"+ref.id]; ok && hasComment(o.Comments, tok) {
			rep.CommentsObserved++
		}
	}
	for ref, tok := range e.verdictOn {
		if ref.integration == integration {
			count(ref, tok)
		}
	}
	for ref, toks := range e.comments {
		if ref.integration == integration {
			for _, tok := range toks {
				count(ref, tok)
			}
		}
	}
}

func (r IntegrationReport) detail() string {
	var b strings.Builder
	if r.EvidenceSource {
		fmt.Fprintf(&b, "%d audit records stored as evidence, %d linked to alerts by user or IP; %d dead letters",
			r.Ingested, r.Linked, r.DeadLetters)
		return b.String()
	}
	fmt.Fprintf(&b, "%d alerts and %d incidents ingested, %d verdicts; state writes %d of %d shown; comments %d of %d shown (comment sync %t), %d twice; %d dead letters; %d mismatches",
		r.alerts, r.Ingested-r.alerts, r.Verdicts, r.StateWritesObserved, r.StateWritesExpected, r.CommentsObserved, r.CommentsExpected, r.CommentSync,
		r.DuplicateComments, r.DeadLetters, len(r.Mismatches))
	if r.timed > 0 {
		fmt.Fprintf(&b, "; verdict → vendor p50 %.0f ms, p99 %.0f ms over %d changes", ms(r.p50), ms(r.p99), r.timed)
	}
	for i, m := range r.Mismatches {
		if i == 5 {
			fmt.Fprintf(&b, "\n… and %d more", len(r.Mismatches)-i)
			break
		}
		fmt.Fprintf(&b, "\n%s %s: hub %q, vendor %q", m.Object, m.Field, m.Hub, m.Remote)
	}
	return b.String()
}
