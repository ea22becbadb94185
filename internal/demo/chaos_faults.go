package demo

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sort"
	"strings"
	"sync"
	"time"
)

// postgresTraffic runs the analysts for Duration while one replica is
// SIGKILLed every KillEvery (and started again), the run's database
// connections are cut, the server may be restarted, and one vendor is
// down in the middle.
func (ch *chaosRun) postgresTraffic(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, ch.o.Duration)
	defer cancel()
	var wg sync.WaitGroup
	defer wg.Wait()
	wg.Add(3)
	go func() { defer wg.Done(); ch.killEvery(ctx) }()
	go func() { defer wg.Done(); ch.databaseFaults(ctx) }()
	go func() { defer wg.Done(); ch.outageAt(ctx, ch.o.Duration/2-ch.outage()/2) }()
	err := ch.traffic(ctx, func() bool { return false })
	if errors.Is(err, context.DeadlineExceeded) && ctx.Err() != nil {
		return nil
	}
	return err
}

// sqliteTraffic makes Actions verdicts and comments while the one
// process is SIGKILLed Kills times at random moments of them (and
// started again at once), and one vendor is down from the middle.
func (ch *chaosRun) sqliteTraffic(ctx context.Context) error {
	at := make([]int, ch.o.Kills)
	for i := range at {
		at[i] = 1 + ch.intN(ch.o.Actions)
	}
	sort.Ints(at)
	var wg sync.WaitGroup
	defer wg.Wait()
	outage := false
	return ch.traffic(ctx, func() bool {
		made := ch.d.n.Verdicts + ch.d.n.Comments
		for len(at) > 0 && made >= at[0] {
			at = at[1:]
			r := ch.c.replicas[0]
			ch.killed(ctx, r)
			if err := ch.c.start(ctx, r); err != nil {
				ch.progress("restart after a kill: %v", err)
			}
		}
		if !outage && made >= ch.o.Actions/2 {
			outage = true
			wg.Add(1)
			go func() { defer wg.Done(); ch.outageAt(ctx, 0) }()
		}
		return made >= ch.o.Actions
	})
}

// traffic runs the driver at Rate until done says so or ctx ends.
func (ch *chaosRun) traffic(ctx context.Context, done func() bool) error {
	var tick <-chan time.Time
	if ch.o.Rate > 0 {
		t := time.NewTicker(time.Duration(float64(time.Second) / ch.o.Rate))
		defer t.Stop()
		tick = t.C
	}
	idle := 0
	for !done() {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if err := ch.c.failure(); err != nil {
			return err
		}
		made, err := ch.d.step(ctx)
		if err != nil {
			return fmt.Errorf("chaos analysts: %w", err)
		}
		idle++
		if made {
			idle = 0
		}
		if idle > 50 {
			return errors.New("chaos analysts: nothing left to give a verdict or comment on")
		}
		if tick != nil {
			select {
			case <-ctx.Done():
			case <-tick:
			}
		}
	}
	return nil
}

// killEvery SIGKILLs one replica every KillEvery, never the last one
// alive, and starts it again RestartAfter later.
func (ch *chaosRun) killEvery(ctx context.Context) {
	t := time.NewTicker(ch.o.KillEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		alive := ch.c.alive(ch.intN(len(ch.c.replicas)))
		if len(alive) < 2 {
			continue
		}
		r := ch.victim(ctx, alive)
		ch.killed(ctx, r)
		ch.restarts.Add(1)
		go func() {
			defer ch.restarts.Done()
			time.Sleep(ch.o.RestartAfter)
			if err := ch.c.start(context.WithoutCancel(ctx), r); err != nil {
				ch.progress("restart replica %d: %v", r.n, err)
			}
		}()
	}
}

// victim picks the replica to kill: two times in three the one holding
// the most poll leases, so failovers are exercised, else any.
func (ch *chaosRun) victim(ctx context.Context, alive []*replica) *replica {
	if ch.intN(3) == 0 {
		return alive[0]
	}
	best, most := alive[0], -1
	for _, r := range alive {
		if n := len(ch.heldBy(ctx, r.replicaID())); n > most {
			best, most = r, n
		}
	}
	return best
}

// killed SIGKILLs r and, on PostgreSQL, times how long the poll leases
// it held take to move to another replica.
func (ch *chaosRun) killed(ctx context.Context, r *replica) {
	held := ch.heldBy(ctx, r.replicaID())
	id := ch.c.kill(r)
	at := time.Now()
	ch.mu.Lock()
	ch.rep.Faults.Kills++
	n := ch.rep.Faults.Kills
	ch.kills = append(ch.kills, at)
	ch.mu.Unlock()
	if ch.db == nil {
		ch.progress("SIGKILL %d: replica %d (%s)", n, r.n, id)
		return
	}
	ch.progress("SIGKILL %d: replica %d (%s), holding %d lease(s)", n, r.n, id, len(held))
	if len(held) == 0 {
		return
	}
	ch.restarts.Add(1)
	go func() { defer ch.restarts.Done(); ch.watchFailover(context.WithoutCancel(ctx), id, at, held) }()
}

// clusterView is what the run reads of GET /api/v1/cluster.
type clusterView struct {
	Replica string `json:"replica"`
	Leases  []struct {
		Name   string `json:"name"`
		Holder string `json:"holder"`
		Live   bool   `json:"live"`
	} `json:"leases"`
}

// heldBy lists the poll leases replica id holds now.
func (ch *chaosRun) heldBy(ctx context.Context, id string) map[string]bool {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	var cv clusterView
	if ch.db == nil || ch.c.get(ctx, "/api/v1/cluster", &cv) != nil {
		return nil
	}
	held := map[string]bool{}
	for _, l := range cv.Leases {
		if l.Holder == id && l.Live && strings.HasPrefix(l.Name, "poll:") {
			held[l.Name] = true
		}
	}
	return held
}

// watchFailover waits, up to a minute, for every lease in held to be
// live at another replica than dead, and records how long the last took.
func (ch *chaosRun) watchFailover(ctx context.Context, dead string, at time.Time, held map[string]bool) {
	left := len(held)
	for left > 0 && time.Since(at) < time.Minute {
		var cv clusterView
		get, cancel := context.WithTimeout(ctx, 2*time.Second)
		err := ch.c.get(get, "/api/v1/cluster", &cv)
		cancel()
		if err == nil {
			for _, l := range cv.Leases {
				if held[l.Name] && l.Live && l.Holder != dead {
					held[l.Name] = false
					left--
					now := time.Now()
					down := ch.failover(at, now)
					line := fmt.Sprintf("lease %s moved from %s to %s, %.1fs after the kill", l.Name, dead, l.Holder, now.Sub(at).Seconds())
					if down > 0 {
						line += fmt.Sprintf(" (%.1fs of it with the server down)", down.Seconds())
					}
					ch.progress("%s", line)
				}
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	if left > 0 {
		ch.failover(at, time.Now())
		ch.progress("%d lease(s) of %s not taken over within a minute", left, dead)
	}
}

// failover records one lease moved at moved after its holder's kill at
// killed, and returns how long of that the server was down (so far).
func (ch *chaosRun) failover(killed, moved time.Time) time.Duration {
	ch.mu.Lock()
	defer ch.mu.Unlock()
	ch.rep.Failovers++
	ch.moves = append(ch.moves, leaseMove{killed: killed, moved: moved})
	return downWithin(ch.down, killed, moved, moved)
}

// leaseMove is one poll lease taken over after its holder's kill.
type leaseMove struct{ killed, moved time.Time }

// downSpan is a stretch the PostgreSQL server refused connections, to
// within a ping (100 ms); to is zero while it still does.
type downSpan struct{ from, to time.Time }

// downWithin is how much of [from, to] falls in the spans; a span still
// open counts as ending at now.
func downWithin(spans []downSpan, from, to, now time.Time) time.Duration {
	var d time.Duration
	for _, s := range spans {
		end := s.to
		if end.IsZero() {
			end = now
		}
		lo, hi := max(s.from.UnixNano(), from.UnixNano()), min(end.UnixNano(), to.UnixNano())
		d += time.Duration(max(hi-lo, 0))
	}
	return d
}

// failoverFigures fills the report's longest lease move, as measured
// and without the seconds the server was down within it: while the
// database refuses connections no replica can take a lease, so the
// bound holds only the rest.
func (ch *chaosRun) failoverFigures() {
	ch.mu.Lock()
	defer ch.mu.Unlock()
	now := time.Now()
	for _, m := range ch.moves {
		gap := m.moved.Sub(m.killed)
		net := gap - downWithin(ch.down, m.killed, m.moved, now)
		ch.rep.MaxFailoverS = max(ch.rep.MaxFailoverS, math.Round(gap.Seconds()*10)/10)
		ch.rep.MaxFailoverUpS = max(ch.rep.MaxFailoverUpS, math.Round(net.Seconds()*10)/10)
	}
}

// databaseFaults cuts the run's connections ConnectionCuts times over
// Duration and, when asked, restarts the server once in the middle.
func (ch *chaosRun) databaseFaults(ctx context.Context) {
	if ch.db == nil {
		return
	}
	type event struct {
		at      time.Duration
		restart bool
	}
	var events []event
	for i := range ch.o.ConnectionCuts {
		events = append(events, event{at: ch.o.Duration * time.Duration(2*i+1) / time.Duration(2*ch.o.ConnectionCuts+1)})
	}
	if ch.o.RestartPostgres {
		events = append(events, event{at: ch.o.Duration * 3 / 5, restart: true})
	}
	sort.Slice(events, func(i, j int) bool { return events[i].at < events[j].at })
	start := time.Now()
	for _, ev := range events {
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Until(start.Add(ev.at))):
		}
		if ev.restart {
			ch.restartPostgres(ctx)
			continue
		}
		n, err := ch.db.cut(ctx)
		if err != nil {
			ch.progress("connection cut failed: %v", err)
			continue
		}
		ch.mu.Lock()
		ch.rep.Faults.ConnectionCuts++
		ch.mu.Unlock()
		ch.progress("cut %d connection(s) to the run's database", n)
	}
}

func (ch *chaosRun) restartPostgres(ctx context.Context) {
	ch.progress("restarting the PostgreSQL server")
	restarted := make(chan struct{})
	watched := make(chan struct{})
	go func() { defer close(watched); ch.watchDown(ctx, restarted) }()
	what, ok := ch.db.restartServer(ctx)
	close(restarted)
	<-watched
	ch.mu.Lock()
	ch.rep.PostgresRestart = what
	if ok {
		ch.rep.Faults.PostgresRestarts++
	}
	var down string
	if n := len(ch.down); n > 0 && !ch.down[n-1].to.IsZero() {
		s := ch.down[n-1]
		down = fmt.Sprintf("; it refused connections from %.1fs to %.1fs", s.from.Sub(ch.start).Seconds(), s.to.Sub(ch.start).Seconds())
	}
	ch.mu.Unlock()
	ch.progress("postgres: %s%s", what, down)
}

// watchDown pings the server every 100 ms, with the admin connection,
// while it restarts: it records in ch.down when the server first
// refuses and when it answers again, and returns then, or once
// restarted is closed with the server answering and never seen down, or
// after a minute (a span still open then ends there, so no later move
// is excused by it).
func (ch *chaosRun) watchDown(ctx context.Context, restarted <-chan struct{}) {
	open := -1
	defer func() {
		ch.mu.Lock()
		defer ch.mu.Unlock()
		if open >= 0 && ch.down[open].to.IsZero() {
			ch.down[open].to = time.Now()
		}
	}()
	for start := time.Now(); time.Since(start) < time.Minute; {
		sent := time.Now()
		ping, cancel := context.WithTimeout(ctx, time.Second)
		err := ch.db.admin.PingContext(ping)
		cancel()
		if ctx.Err() != nil {
			return
		}
		ch.mu.Lock()
		switch {
		case err != nil && open < 0: // down by now; since the ping was sent, at most
			ch.down = append(ch.down, downSpan{from: time.Now()})
			open = len(ch.down) - 1
		case err == nil && open >= 0: // answering again: counted from the ping's sending, the earlier end
			ch.down[open].to = sent
		}
		ch.mu.Unlock()
		if err == nil && open >= 0 {
			return
		}
		if err == nil {
			select {
			case <-restarted:
				return
			default:
			}
		}
		pause(ctx, 100*time.Millisecond)
	}
}

// outage is how long the vendor outage lasts: Outage, but never more
// than a third of a PostgreSQL run.
func (ch *chaosRun) outage() time.Duration {
	d := ch.o.Outage
	if ch.db != nil {
		d = min(d, ch.o.Duration/3)
	}
	return d
}

// outageAt takes one vendor down after wait, for the outage's length.
func (ch *chaosRun) outageAt(ctx context.Context, wait time.Duration) {
	d := ch.outage()
	if d <= 0 {
		return
	}
	select {
	case <-ctx.Done():
		return
	case <-time.After(wait):
	}
	kind := ch.vf.kinds[ch.intN(len(ch.vf.kinds))]
	ch.mu.Lock()
	ch.rep.Faults.OutageVendor, ch.rep.Faults.OutageS = kind, d.Seconds()
	ch.mu.Unlock()
	ch.progress("%s down for %s", kind, d)
	ch.vf.down(kind, true)
	// The outage lasts its length even when the traffic ends first.
	time.Sleep(d)
	ch.vf.down(kind, false)
	ch.progress("%s back up", kind)
}
