package demo

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/alertsync/alertsync/internal/emulators/registry"
	"github.com/alertsync/alertsync/internal/model"
	"github.com/alertsync/alertsync/internal/store"
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
		s.row(s.section(vendorsSection), fmt.Sprintf("%s: every emulator alert ingested", v.ID), ok, took,
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
		s.row(s.section(vendorsSection), fmt.Sprintf("%s: not a threat → alert closed in %s's console", p.v.ID, p.v.Name), ok, took,
			"alert %s: %s (%s)", p.alert.VendorID, o.Status, o.State)
	}
	return nil
}

// crossVendor puts one alert under validation, on the host that the most
// vendors raised alerts about, and runs its correlation pass: the pass
// must group it with other vendors' alerts of that host into one
// alertsync incident.
func (s *scenario) crossVendor() error {
	vendorsOf := map[string]map[string]bool{}
	first := map[string]model.Alert{}
	for _, v := range s.w.set.Vendors() {
		for _, a := range s.alerts(v.ID) {
			if a.Status != model.StatusNew || a.Verdict != model.VerdictNone {
				continue
			}
			for _, h := range a.Entities.Hosts {
				if vendorsOf[h] == nil {
					vendorsOf[h] = map[string]bool{}
					first[h] = a
				}
				vendorsOf[h][v.ID] = true
			}
		}
	}
	host := ""
	for h, vs := range vendorsOf {
		if len(vs) > len(vendorsOf[host]) || (len(vs) == len(vendorsOf[host]) && h < host) {
			host = h
		}
	}
	if len(vendorsOf[host]) < 2 {
		s.row(vendorsSection, "correlation across vendors", false, 0, "no host has alerts from two vendors")
		return nil
	}
	a := first[host]
	start := time.Now()
	if err := s.eng.StartValidation(s.ctx, a.ID); err != nil {
		return fmt.Errorf("start validation of alert %d: %w", a.ID, err)
	}
	if _, err := s.eng.RunDuePasses(s.ctx); err != nil {
		return fmt.Errorf("run correlation pass: %w", err)
	}
	got, err := s.st.AlertGet(s.ctx, a.ID)
	if err != nil {
		return err
	}
	grouped := map[string]bool{}
	if got.IncidentID != 0 {
		members, err := s.st.AlertList(s.ctx, store.AlertListParams{IncidentID: got.IncidentID, Limit: 1000})
		if err != nil {
			return err
		}
		for _, m := range members {
			grouped[m.Integration] = true
		}
	}
	names := make([]string, 0, len(grouped))
	for id := range grouped {
		names = append(names, id)
	}
	slices.Sort(names)
	s.row(vendorsSection, "correlation: an alert under validation is grouped with other vendors' alerts of its host", len(grouped) >= 2, time.Since(start),
		"host %s (alerts from %d vendors): alertsync incident %d holds alerts from %s", host, len(vendorsOf[host]), got.IncidentID, strings.Join(names, ", "))
	return nil
}
