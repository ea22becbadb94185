package outbox

import "time"

// goPool runs deliveries on goroutines it keeps for a while after each
// one ends. A delivery goes deep (HTTP client, JSON, the store's SQL
// engine), so a fresh goroutine grows its stack several times on every
// delivery; a reused one has already grown it. It bounds nothing: every
// call runs at once, on an idle goroutine if one waits, else on a new one.
type goPool struct {
	work chan func()
	idle time.Duration
}

func newGoPool(idle time.Duration) *goPool {
	return &goPool{work: make(chan func()), idle: idle}
}

// Go runs f on an idle pooled goroutine, or on a new one.
func (p *goPool) Go(f func()) {
	select {
	case p.work <- f:
	default:
		go p.loop(f)
	}
}

// loop runs f, then whatever Go hands it, until it has waited idle for
// p.idle.
func (p *goPool) loop(f func()) {
	t := time.NewTimer(p.idle)
	defer t.Stop()
	for {
		f()
		t.Reset(p.idle)
		select {
		case f = <-p.work:
		case <-t.C:
			return
		}
	}
}
