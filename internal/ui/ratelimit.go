package ui

import (
	"net"
	"net/http"
	"sync"
	"time"
)

// Failed logins are limited per username and per client address: each
// failure spends one of burst tries, which come back one per every; while
// none is left, a login is refused before any credential is checked, so a
// guesser learns nothing more. Successful logins spend nothing. Each
// replica counts its own failedLogins.
var (
	userLimit = limit{burst: 5, every: time.Minute}
	addrLimit = limit{burst: 20, every: 15 * time.Second}
)

// maxTracked bounds the memory a flood of made-up usernames can take.
const maxTracked = 10_000

type limit struct {
	burst int
	every time.Duration
}

// failedLogins counts failed logins by one kind of key.
type failedLogins struct {
	limit
	now func() time.Time
	mu  sync.Mutex
	m   map[string]tries
}

// tries are the tries a key had left at a time.
type tries struct {
	left float64
	at   time.Time
}

func newFailedLogins(l limit, now func() time.Time) *failedLogins {
	return &failedLogins{limit: l, now: now, m: map[string]tries{}}
}

// leftAt is how many tries key has at now.
func (f *failedLogins) leftAt(key string, now time.Time) float64 {
	t, ok := f.m[key]
	if !ok {
		return float64(f.burst)
	}
	return min(float64(f.burst), t.left+float64(now.Sub(t.at))/float64(f.every))
}

// wait is how long key must wait for a try; 0 when it has one.
func (f *failedLogins) wait(key string) time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	left := f.leftAt(key, f.now())
	if left >= 1 {
		return 0
	}
	return time.Duration((1 - left) * float64(f.every))
}

// fail spends one of key's tries.
func (f *failedLogins) fail(key string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	now := f.now()
	left := f.leftAt(key, now)
	if _, ok := f.m[key]; !ok && len(f.m) >= maxTracked {
		f.forget(now)
	}
	f.m[key] = tries{left: max(left-1, 0), at: now}
}

// forget drops the keys whose tries are all back, and if that is not
// enough, any others: a flood must not grow the map without end.
func (f *failedLogins) forget(now time.Time) {
	for k := range f.m {
		if f.leftAt(k, now) >= float64(f.burst) {
			delete(f.m, k)
		}
	}
	for k := range f.m {
		if len(f.m) < maxTracked {
			return
		}
		delete(f.m, k)
	}
}

// loginLimits are the console's two limits.
type loginLimits struct{ users, addrs *failedLogins }

func newLoginLimits(now func() time.Time) *loginLimits {
	return &loginLimits{users: newFailedLogins(userLimit, now), addrs: newFailedLogins(addrLimit, now)}
}

// wait is how long a login for username (empty for a token) from addr
// must wait.
func (l *loginLimits) wait(username, addr string) time.Duration {
	w := l.addrs.wait(addr)
	if username != "" {
		w = max(w, l.users.wait(username))
	}
	return w
}

func (l *loginLimits) fail(username, addr string) {
	l.addrs.fail(addr)
	if username != "" {
		l.users.fail(username)
	}
}

// clientAddr is the address the request came from, without its port. A
// balancer in front makes every client share its address; the per-user
// limit still holds.
func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
