package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/alertsync/alertsync/internal/store"
)

// testLeases: a free lease is won; its holder renews it at the same
// epoch; another holder is refused while it lives and takes it over (a
// new epoch) once it expired or was released; the fencing check refuses
// a former holder and an old epoch, and passes a lapsed lease nobody took.
func testLeases(t *testing.T, s *Both) {
	ctx := t.Context()
	const ttl = 10 * time.Second
	acquire := func(holder string, at time.Time) store.Lease {
		t.Helper()
		l, err := s.LeaseAcquire(ctx, store.LeaseParams{Name: "poll:edr", Holder: holder, Now: at, TTL: ttl})
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	check := func(holder string, epoch int64, at time.Time) error {
		return s.WithTx(ctx, func(tx store.Tx) error { return tx.LeaseCheck(ctx, "poll:edr", holder, epoch, at) })
	}
	steps := []struct {
		name       string
		holder     string
		at         time.Time
		wantHolder string
		wantEpoch  int64
	}{
		{"a free lease is won", "r1", t0, "r1", 1},
		{"a live lease is refused to another", "r2", t0.Add(ttl / 2), "r1", 1},
		{"the holder renews at its epoch", "r1", t0.Add(ttl / 2), "r1", 1},
		{"an expired lease is taken over", "r2", t0.Add(2 * ttl), "r2", 2},
		{"the former holder is refused", "r1", t0.Add(2*ttl + time.Second), "r2", 2},
	}
	for _, st := range steps {
		l := acquire(st.holder, st.at)
		if l.Holder != st.wantHolder || l.Epoch != st.wantEpoch || !l.Held(st.wantHolder, st.at) {
			t.Fatalf("%s: lease %+v, want held by %s at epoch %d", st.name, l, st.wantHolder, st.wantEpoch)
		}
	}
	now := t0.Add(2*ttl + time.Second)
	if err := check("r2", 2, now); err != nil {
		t.Errorf("the holder's own check: %v", err)
	}
	for name, err := range map[string]error{
		"former holder": check("r1", 1, now),
		"old epoch":     check("r2", 1, now),
	} {
		if !errors.Is(err, store.ErrFenced) {
			t.Errorf("%s: err = %v, want ErrFenced", name, err)
		}
	}
	// A lease that lapsed while its holder worked, taken by nobody since,
	// is still the holder's: its write stands.
	if err := check("r2", 2, now.Add(3*ttl)); err != nil {
		t.Errorf("lapsed but not taken over: %v", err)
	}
	if err := s.LeaseRelease(ctx, "poll:edr", "r1"); err != nil {
		t.Fatal(err)
	}
	if l := acquire("r3", now); l.Holder != "r2" {
		t.Fatalf("a release by a non-holder freed the lease: %+v", l)
	}
	if err := s.LeaseRelease(ctx, "poll:edr", "r2"); err != nil {
		t.Fatal(err)
	}
	if l := acquire("r3", now); l.Holder != "r3" || l.Epoch != 3 {
		t.Fatalf("after release: %+v", l)
	}
	ls, err := s.LeaseList(ctx)
	if err != nil || len(ls) != 1 || ls[0].Holder != "r3" {
		t.Fatalf("list = %+v, %v", ls, err)
	}
}
