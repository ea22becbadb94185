package demo

import (
	"fmt"
	"sort"
	"time"

	"github.com/alertsync/alertsync/internal/emulators/emukit"
)

// VendorFaults are the faults the chaos run switches on at every vendor
// emulator: shares of requests failed, throttled and hung, and how long
// the tokens the logins issue live.
type VendorFaults struct {
	ErrorRate    float64 // 5xx
	ThrottleRate float64 // the vendor's own 429 and retry header
	RetryAfter   time.Duration
	HangRate     float64 // timeouts: no answer until the caller gives up
	// HangApplied is the share of hung requests handled first (the write
	// lands, its answer is lost): the unknown-outcome case.
	HangApplied   float64
	TokenLifetime time.Duration
}

// vendorFaults reach every emulator's fault injector, token issuer and
// write ledger through the interfaces emukit declares, so no vendor is
// named here.
type vendorFaults struct {
	faults    map[string]*emukit.Faults // by vendor kind
	ledgers   map[string]*emukit.Ledger
	lifetimes []emukit.TokenLifetime
	kinds     []string // sorted, the vendors with faults
}

func newVendorFaults(w *world) (*vendorFaults, error) {
	vf := &vendorFaults{faults: map[string]*emukit.Faults{}, ledgers: map[string]*emukit.Ledger{}}
	for _, v := range w.set.Vendors() {
		em, _ := w.set.Emulator(v.Kind)
		own := em.Unwrap()
		f, ok := own.(emukit.Faulty)
		if !ok {
			return nil, fmt.Errorf("chaos: the %s emulator has no fault injector", v.Kind)
		}
		vf.faults[v.Kind] = f.Faults()
		vf.kinds = append(vf.kinds, v.Kind)
		if l, ok := own.(emukit.Ledgered); ok {
			vf.ledgers[v.Kind] = l.Ledger()
		}
		if tl, ok := own.(emukit.TokenLifetime); ok {
			vf.lifetimes = append(vf.lifetimes, tl)
		}
	}
	for _, l := range w.set.Logins() {
		if tl, ok := l.(emukit.TokenLifetime); ok {
			vf.lifetimes = append(vf.lifetimes, tl)
		}
	}
	sort.Strings(vf.kinds)
	return vf, nil
}

// on switches the faults on at every vendor.
func (vf *vendorFaults) on(o VendorFaults) {
	for _, f := range vf.faults {
		f.SetErrorRate(o.ErrorRate, 0)
		f.SetThrottleRate(o.ThrottleRate, o.RetryAfter)
		f.SetHangRate(o.HangRate, o.HangApplied)
	}
	for _, tl := range vf.lifetimes {
		tl.SetTokenLifetime(o.TokenLifetime)
	}
}

// down takes one vendor's API down, or brings it back.
func (vf *vendorFaults) down(kind string, down bool) { vf.faults[kind].SetDown(down) }

// off turns every fault off (hung requests are let go) and restores the
// tokens' lifetimes.
func (vf *vendorFaults) off() {
	for _, f := range vf.faults {
		f.Reset()
	}
	for _, tl := range vf.lifetimes {
		tl.SetTokenLifetime(0)
	}
}

// counts totals the faults injected at every vendor.
func (vf *vendorFaults) counts() (emukit.FaultCounts, int) {
	var c emukit.FaultCounts
	for _, f := range vf.faults {
		c = c.Add(f.Counts())
	}
	expired := 0
	for _, tl := range vf.lifetimes {
		expired += tl.TokensExpired()
	}
	return c, expired
}

// duplicates counts, per vendor kind, the writes its ledger shows
// applied twice.
func (vf *vendorFaults) duplicates(kind string) (states, comments int) {
	if l, ok := vf.ledgers[kind]; ok {
		return l.Duplicates()
	}
	return 0, 0
}

// duplicateExamples lists up to n writes applied twice, for a person,
// each with what came between its two applications: a kill (the first
// outcome was never recorded) or none (the first answer was lost to a
// timeout or an error).
func (vf *vendorFaults) duplicateExamples(n int, kills []time.Time) []string {
	var out []string
	for _, kind := range vf.kinds {
		l, ok := vf.ledgers[kind]
		if !ok {
			continue
		}
		ws := l.Writes()
		for i, w := range ws {
			if !w.Duplicate || len(out) >= n {
				continue
			}
			first := firstApplied(ws[:i], w)
			cause := "no kill between them: an answer lost to a timeout or an error"
			for _, k := range kills {
				if k.After(first) && k.Before(w.At) {
					cause = "a kill between them: the first outcome was never recorded"
				}
			}
			out = append(out, fmt.Sprintf("%s %s:%s %s %.120s; applied again %.1fs later, %s",
				kind, w.Kind, w.ID, w.Field, w.Value, w.At.Sub(first).Seconds(), cause))
		}
	}
	return out
}

// firstApplied is when the write dup repeats was applied before.
func firstApplied(before []emukit.Write, dup emukit.Write) time.Time {
	for i := len(before) - 1; i >= 0; i-- {
		w := before[i]
		if w.Kind == dup.Kind && w.ID == dup.ID && (w.Value == dup.Value || w.Comment != "" && w.Comment == dup.Comment) {
			return w.At
		}
	}
	return dup.At
}
