package httpkit

import (
	"context"
	"net/http"
	"sync"
	"time"

	"github.com/alertsync/alertsync/internal/connector"
)

// Issued is a token a vendor's own exchange gave: used until Renew, it
// lapses at Expires.
type Issued struct {
	Token   string
	Renew   time.Time
	Expires time.Time
}

// Exchanged is an Auth for vendors whose token exchange is their own (not a
// standard OAuth2 grant: a secret in a vendor header, a region in the
// answer). It sends "Authorization: Bearer <token>", keeps the token
// until its Renew time, and runs at most one exchange at a time, so
// concurrent callers share it. The connector supplies the exchange.
type Exchanged struct {
	fetch func(ctx context.Context) (Issued, error)
	now   func() time.Time
	sem   chan struct{} // held while exchanging

	mu  sync.Mutex
	tok Issued
}

// NewExchanged returns an Exchanged over fetch; now is the connector's clock.
func NewExchanged(fetch func(ctx context.Context) (Issued, error), now func() time.Time) *Exchanged {
	if now == nil {
		now = time.Now
	}
	return &Exchanged{fetch: fetch, now: now, sem: make(chan struct{}, 1)}
}

// Apply sets the bearer token, exchanging for one when none is cached or
// the cached one is due for renewal.
func (b *Exchanged) Apply(ctx context.Context, req *http.Request) error {
	tok, err := b.Current(ctx)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	return nil
}

// Invalidate forgets the cached token (after a 401).
func (b *Exchanged) Invalidate() {
	b.mu.Lock()
	b.tok = Issued{}
	b.mu.Unlock()
}

// Expiry implements Expiring.
func (b *Exchanged) Expiry() (time.Time, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.tok.Expires, b.tok.Token != "" && !b.tok.Expires.IsZero()
}

// Set caches a token the connector obtained itself (a discovery call).
func (b *Exchanged) Set(t Issued) {
	b.mu.Lock()
	b.tok = t
	b.mu.Unlock()
}

func (b *Exchanged) cached() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.tok.Token != "" && b.now().Before(b.tok.Renew) {
		return b.tok.Token
	}
	return ""
}

// Exclusive runs fn while no exchange runs, and none starts: a
// connector's own token work (CrowdStrike's region discovery) shares the
// exchange's single flight.
func (b *Exchanged) Exclusive(ctx context.Context, fn func() error) error {
	select {
	case b.sem <- struct{}{}:
	case <-ctx.Done():
		return &connector.Error{Class: connector.ClassRetryable, Message: "wait for token", Err: ctx.Err()}
	}
	defer func() { <-b.sem }()
	return fn()
}

// Current returns the cached token, or exchanges for one.
func (b *Exchanged) Current(ctx context.Context) (string, error) {
	if tok := b.cached(); tok != "" {
		return tok, nil
	}
	var tok string
	err := b.Exclusive(ctx, func() error {
		if tok = b.cached(); tok != "" { // another caller exchanged while we waited
			return nil
		}
		t, err := b.fetch(ctx)
		if err != nil {
			return err
		}
		b.Set(t)
		tok = t.Token
		return nil
	})
	return tok, err
}

var (
	_ Auth     = (*Exchanged)(nil)
	_ Expiring = (*Exchanged)(nil)
)
