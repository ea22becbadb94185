package demo

import (
	"fmt"
	"time"

	"github.com/alertsync/alertsync/internal/emulators/registry"
	"github.com/alertsync/alertsync/internal/model"
)

const vendorsSection = "Every vendor: ingest and state sync"

// everyVendor walks each registered vendor whose console lists alerts:
// the hub ingests every one of them, and a verdict on one reaches the
// vendor's own console. It knows no vendor: what it checks comes from
// the registry and each emulator's console.
func (s *scenario) everyVendor() error {
	type pending struct {
		v     registry.Vendor
		alert model.Alert
	}
	var sent []pending
	for _, v := range s.w.set.Vendors() {
		em, _ := s.w.set.Emulator(v.Kind)
		want := 0
		for _, o := range em.Console().Objects() {
			if o.Kind == registry.KindAlert {
				want++
			}
		}
		if want == 0 {
			continue
		}
		took, ok := s.waitUntil(60*time.Second, func() bool { return len(s.alerts(v.ID)) >= want })
		s.row(vendorsSection, fmt.Sprintf("%s: every emulator alert ingested", v.ID), ok, took,
			"%d of %d alerts in the hub", len(s.alerts(v.ID)), want)
		a, err := s.pick(v.ID)
		if err != nil {
			return err
		}
		if err := s.verdict(a, model.VerdictNotAThreat, false, "expected behaviour of a known tool"); err != nil {
			return err
		}
		sent = append(sent, pending{v, a})
	}
	for _, p := range sent {
		em, _ := s.w.set.Emulator(p.v.Kind)
		var o registry.Object
		took, ok := s.waitUntil(30*time.Second, func() bool {
			o, _ = em.Console().Object(registry.KindAlert, p.alert.VendorID)
			return o.State == registry.StateClosed
		})
		s.row(vendorsSection, fmt.Sprintf("%s: not a threat → alert closed in %s's console", p.v.ID, p.v.Name), ok, took,
			"alert %s: %s (%s)", p.alert.VendorID, o.Status, o.State)
	}
	return nil
}
