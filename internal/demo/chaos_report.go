package demo

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"time"

	"github.com/alertsync/alertsync/internal/emulators/registry"
	"github.com/alertsync/alertsync/internal/store"
)

// ChaosReport is what `alertsync chaos --json` prints. Expected and
// Observed count the state writes and comments the verdicts and
// policies require at the vendors, and those their consoles show; Lost
// is the difference. Duplicate counts the writes a vendor's own ledger
// shows applied twice. Failovers counts the poll leases that moved to
// another replica after a kill, MaxFailoverS the longest such move and
// MaxFailoverUpS the longest without the seconds the PostgreSQL server
// was down (restarting) within it, which is what the bound holds. The
// outbox's own rescue is not counted there: its items are leased to a
// worker id the API does not tie to a replica; Lost shows it.
type ChaosReport struct {
	Store          string              `json:"store"`
	DurationS      float64             `json:"duration_s"`
	Expected       int                 `json:"expected"`
	Observed       int                 `json:"observed"`
	Lost           int                 `json:"lost"`
	Duplicate      int                 `json:"duplicate"`
	DeadLetters    int                 `json:"dead_letters"`
	Failovers      int                 `json:"failovers"`
	MaxFailoverS   float64             `json:"max_failover_s"`
	MaxFailoverUpS float64             `json:"max_failover_up_s"`
	Faults         ChaosFaults         `json:"faults"`
	Converged      bool                `json:"converged"`
	SettleS        float64             `json:"settle_s"`
	Analysts       driverCounts        `json:"analysts"`
	Outbox         map[string]int      `json:"outbox"`
	Vendors        []ChaosVendorReport `json:"vendors"`
	// MissingWrites shows a few of the expected writes not shown.
	MissingWrites []string `json:"missing_writes,omitempty"`
	// DuplicateWrites shows a few of the writes applied twice.
	DuplicateWrites []string `json:"duplicate_writes,omitempty"`
	// DeadLetterReasons counts the dead letters by integration, action
	// and the error that ended them (the first 100 dead letters).
	DeadLetterReasons map[string]int `json:"dead_letter_reasons,omitempty"`
	// Unfinished describes the outbox items still pending or leased when
	// the run did not converge: what each waits for, since when, after
	// how many attempts and which error.
	Unfinished []string `json:"unfinished,omitempty"`
	// PostgresRestart says how the server restart went: "restarted ...",
	// "skipped: <reason>" or why it was not asked for.
	PostgresRestart string `json:"postgres_restart"`
	// MaxFailoverLimit is the bound MaxFailoverUpS is held to.
	MaxFailoverLimit float64 `json:"max_failover_limit_s"`
	// Timeline is the run's progress lines (phases, faults, lease moves),
	// each after the seconds since the run started: with --json they
	// are not printed, and a failure (a slow failover) is read against
	// them (did it overlap the server's restart?).
	Timeline []string `json:"timeline"`
}

// ChaosFaults are the faults the run injected.
type ChaosFaults struct {
	ServerErrors     int     `json:"5xx"`
	Throttles        int     `json:"429"`
	Timeouts         int     `json:"timeouts"`
	TimeoutsApplied  int     `json:"timeouts_applied"`
	TokenExpiries    int     `json:"token_expiries"`
	OutageVendor     string  `json:"outage_vendor"`
	OutageS          float64 `json:"outage_s"`
	OutageRefused    int     `json:"outage_refused"`
	Kills            int     `json:"kills"`
	ConnectionCuts   int     `json:"connection_cuts"`
	PostgresRestarts int     `json:"postgres_restarts"`
}

// ChaosVendorReport is one vendor's part of the totals.
type ChaosVendorReport struct {
	Kind              string `json:"kind"`
	Expected          int    `json:"expected"`
	Observed          int    `json:"observed"`
	DuplicateStates   int    `json:"duplicate_states"`
	DuplicateComments int    `json:"duplicate_comments"`
}

// Failed lists why the run fails: writes lost or made twice, or a
// failover slower than the bound.
func (r *ChaosReport) Failed() []string {
	var out []string
	if r.Lost > 0 {
		out = append(out, fmt.Sprintf("%d expected writes never reached the vendors", r.Lost))
	}
	if r.Duplicate > 0 {
		out = append(out, fmt.Sprintf("%d writes were applied twice", r.Duplicate))
	}
	if r.MaxFailoverUpS > r.MaxFailoverLimit {
		out = append(out, fmt.Sprintf("a failover took %.1fs with the server up (limit %.0fs)", r.MaxFailoverUpS, r.MaxFailoverLimit))
	}
	return out
}

// finish waits, up to Settle, for the outbox to drain and the vendors to
// show every expected write, then fills the report.
func (ch *chaosRun) finish(ctx context.Context) error {
	start := time.Now()
	var counts map[string]int
	for {
		get, cancel := context.WithTimeout(ctx, 10*time.Second)
		err := ch.c.get(get, "/api/v1/outbox/counts", &counts)
		cancel()
		if err != nil && ctx.Err() != nil {
			return err
		}
		if err := ch.c.failure(); err != nil {
			return err
		}
		ch.tally()
		if err == nil && counts["pending"]+counts["leased"] == 0 && ch.rep.Lost == 0 {
			ch.rep.Converged = true
			break
		}
		if time.Since(start) > ch.o.Settle {
			break
		}
		if n := int(time.Since(start) / time.Second); n > 0 && n%15 == 0 {
			ch.progress("settling: outbox %v, %d of %d expected writes shown", counts, ch.rep.Observed, ch.rep.Expected)
		}
		pause(ctx, time.Second)
	}
	ch.rep.SettleS = float64(time.Since(start).Round(100*time.Millisecond)) / float64(time.Second)
	ch.rep.Outbox, ch.rep.DeadLetters = counts, counts["dead"]
	if ch.rep.DeadLetters > 0 {
		ch.rep.DeadLetterReasons = ch.deadReasons(ctx)
	}
	if !ch.rep.Converged {
		ch.rep.Unfinished = ch.unfinished(ctx)
	}
	ch.rep.Analysts = ch.d.n
	ch.rep.MaxFailoverLimit = ch.o.MaxFailover.Seconds()
	ch.failoverFigures()
	fc, expired := ch.vf.counts()
	f := &ch.rep.Faults
	f.ServerErrors, f.Throttles, f.Timeouts, f.TimeoutsApplied, f.OutageRefused = fc.ServerErrors, fc.Throttles, fc.Hangs, fc.HangsApplied, fc.Outage
	f.TokenExpiries = expired
	ch.mu.Lock()
	kills := append([]time.Time(nil), ch.kills...)
	ch.mu.Unlock()
	ch.rep.DuplicateWrites = ch.vf.duplicateExamples(10, kills)
	return nil
}

// tally compares every vendor's console with what the verdicts and
// comments require, and counts its ledger's duplicates.
func (ch *chaosRun) tally() {
	ch.exp.observe()
	rep := ch.rep
	rep.Expected, rep.Observed, rep.Duplicate, rep.Vendors, rep.MissingWrites = 0, 0, 0, nil, nil
	for _, v := range ch.w.set.Vendors() {
		em, _ := ch.w.set.Emulator(v.Kind)
		byKey := map[string]registry.Object{}
		for _, o := range em.Console().Objects() {
			byKey[o.Key()] = o
		}
		var ir IntegrationReport
		ch.exp.tally(v.ID, byKey, &ir)
		rep.MissingWrites = append(rep.MissingWrites, ch.exp.missing(v.ID, byKey, 10-len(rep.MissingWrites))...)
		vr := ChaosVendorReport{Kind: v.Kind, Expected: ir.StateWritesExpected + ir.CommentsExpected,
			Observed: ir.StateWritesObserved + ir.CommentsObserved}
		vr.DuplicateStates, vr.DuplicateComments = ch.vf.duplicates(v.Kind)
		rep.Expected += vr.Expected
		rep.Observed += vr.Observed
		rep.Duplicate += vr.DuplicateStates + vr.DuplicateComments
		rep.Vendors = append(rep.Vendors, vr)
	}
	rep.Lost = rep.Expected - rep.Observed
}

// WriteJSON writes the report as indented JSON.
func (r *ChaosReport) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// Print writes the short summary a person reads.
func (r *ChaosReport) Print(w io.Writer) {
	f := r.Faults
	_, _ = fmt.Fprintf(w, "alertsync chaos on %s, %.0fs (settled in %.0fs, converged %t)\n", r.Store, r.DurationS, r.SettleS, r.Converged)
	_, _ = fmt.Fprintf(w, "  writes    expected %d, observed %d, lost %d, duplicate %d, dead letters %d\n",
		r.Expected, r.Observed, r.Lost, r.Duplicate, r.DeadLetters)
	_, _ = fmt.Fprintf(w, "  failover  %d lease moves, longest %.1fs, %.1fs with the server up (limit %.0fs)\n",
		r.Failovers, r.MaxFailoverS, r.MaxFailoverUpS, r.MaxFailoverLimit)
	_, _ = fmt.Fprintf(w, "  faults    %d 5xx, %d 429, %d timeouts (%d applied), %d tokens expired, %s down %.0fs (%d refused), %d kills, %d connection cuts, %d postgres restarts\n",
		f.ServerErrors, f.Throttles, f.Timeouts, f.TimeoutsApplied, f.TokenExpiries, f.OutageVendor, f.OutageS, f.OutageRefused, f.Kills, f.ConnectionCuts, f.PostgresRestarts)
	_, _ = fmt.Fprintf(w, "  analysts  %d verdicts, %d comments, %d alerts raised; %d answers lost (read back before resending)\n",
		r.Analysts.Verdicts, r.Analysts.Comments, r.Analysts.Raised, r.Analysts.Unknown)
	_, _ = fmt.Fprintf(w, "  postgres restart: %s\n", r.PostgresRestart)
	for _, m := range r.MissingWrites {
		_, _ = fmt.Fprintf(w, "  missing: %s\n", m)
	}
	for _, d := range r.DuplicateWrites {
		_, _ = fmt.Fprintf(w, "  twice: %s\n", d)
	}
	for _, why := range r.Failed() {
		_, _ = fmt.Fprintf(w, "  FAILED: %s\n", why)
	}
}

// missing lists up to n of an integration's expected writes its console
// does not show.
func (e *expectations) missing(integration string, console map[string]registry.Object, n int) []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []string
	add := func(s string) {
		if len(out) < n {
			out = append(out, s)
		}
	}
	for ref, want := range e.state {
		if o, ok := console[ref.kind+":"+ref.id]; ref.integration == integration && (!ok || o.State != want) {
			add(fmt.Sprintf("%s state %s (shows %q)", ref, want, o.Status))
		}
	}
	check := func(ref objRef, tok string) {
		if o, ok := console[ref.kind+":"+ref.id]; ref.integration == integration && (!ok || !hasComment(o.Comments, tok)) {
			add(fmt.Sprintf("%s comment %s", ref, tok))
		}
	}
	for ref, tok := range e.verdictOn {
		check(ref, tok)
	}
	for ref, toks := range e.comments {
		for _, tok := range toks {
			check(ref, tok)
		}
	}
	return out
}

// deadReasons reads the first dead letters through the API and counts
// them by integration, action and last error (ids and vendor ids cut out,
// so one cause is one line).
func (ch *chaosRun) deadReasons(ctx context.Context) map[string]int {
	var page struct {
		Items []struct {
			Integration string `json:"integration"`
			Action      string `json:"action"`
			LastError   string `json:"last_error"`
		} `json:"items"`
	}
	get, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := ch.c.get(get, "/api/v1/outbox?state=dead&limit=100", &page); err != nil {
		return map[string]int{"(dead letters not readable: " + err.Error() + ")": ch.rep.DeadLetters}
	}
	out := map[string]int{}
	for _, it := range page.Items {
		why := it.LastError
		if len(why) > 160 {
			why = why[:160]
		}
		out[it.Integration+" "+it.Action+": "+digitsRun.ReplaceAllString(why, "N")]++
	}
	return out
}

// unfinished describes up to 20 items each still pending or leased.
func (ch *chaosRun) unfinished(ctx context.Context) []string {
	var out []string
	for _, state := range []string{"pending", "leased"} {
		var page struct {
			Items []struct {
				store.OutboxItem
				Waiting string `json:"waiting"`
			} `json:"items"`
		}
		get, cancel := context.WithTimeout(ctx, 10*time.Second)
		err := ch.c.get(get, "/api/v1/outbox?state="+state+"&limit=20", &page)
		cancel()
		if err != nil {
			out = append(out, fmt.Sprintf("(%s items not readable: %v)", state, err))
			continue
		}
		for _, it := range page.Items {
			out = append(out, fmt.Sprintf("%d %s %s %s on %s: %d attempts, next %s, lease %q until %s, created %s, waiting %q, last error %q",
				it.ID, it.State, it.Integration, it.Action, it.ObjectRef, it.Attempts, it.NextAttemptAt.Format(time.RFC3339Nano),
				it.LeaseOwner, it.LeaseUntil.Format(time.RFC3339Nano), it.CreatedAt.Format(time.RFC3339Nano), it.Waiting, it.LastError))
		}
	}
	return out
}

// digitsRun is a run of digits or hex long enough to be an id.
var digitsRun = regexp.MustCompile(`[0-9a-f-]{8,}`)
