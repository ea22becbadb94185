package httpkit

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestExchanged: concurrent callers share one exchange; the token is kept
// until its renew time and its expiry reported; Invalidate and a lapsed
// renew time exchange again; a failed exchange caches nothing.
func TestExchanged(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	var clock atomic.Int64
	clock.Store(now.UnixNano())
	at := func() time.Time { return time.Unix(0, clock.Load()).UTC() }
	var n atomic.Int32
	var fail atomic.Bool
	x := NewExchanged(func(context.Context) (Issued, error) {
		if fail.Load() {
			return Issued{}, errors.New("refused")
		}
		i := n.Add(1)
		return Issued{Token: fmt.Sprintf("tok-%d", i), Renew: at().Add(time.Minute), Expires: at().Add(2 * time.Minute)}, nil
	}, at)
	if _, held := x.Expiry(); held {
		t.Fatal("an expiry before any exchange")
	}
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			req, _ := http.NewRequestWithContext(context.Background(), http.MethodGet, "http://vendor.invalid/", nil)
			if err := x.Apply(context.Background(), req); err != nil || req.Header.Get("Authorization") != "Bearer tok-1" {
				t.Errorf("Apply: %v, header %q", err, req.Header.Get("Authorization"))
			}
		})
	}
	wg.Wait()
	if got := n.Load(); got != 1 {
		t.Fatalf("%d exchanges for 16 concurrent callers", got)
	}
	if exp, held := x.Expiry(); !held || !exp.Equal(now.Add(2*time.Minute)) {
		t.Errorf("expiry %s, %v", exp, held)
	}
	clock.Add(int64(61 * time.Second))
	if tok, _ := x.Current(context.Background()); tok != "tok-2" {
		t.Errorf("after the renew time: %q", tok)
	}
	x.Invalidate()
	fail.Store(true)
	if _, err := x.Current(context.Background()); err == nil {
		t.Fatal("a failed exchange gave a token")
	}
	fail.Store(false)
	if tok, _ := x.Current(context.Background()); tok != "tok-3" {
		t.Errorf("after Invalidate and a failure: %q", tok)
	}
}
