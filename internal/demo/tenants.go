package demo

import (
	"context"
	"fmt"
	"time"

	"github.com/alertsync/alertsync/internal/app"
	"github.com/alertsync/alertsync/internal/config"
	"github.com/alertsync/alertsync/internal/emulators/emukit"
	"github.com/alertsync/alertsync/internal/emulators/registry"
	"github.com/alertsync/alertsync/internal/model"
)

// The demo hub serves two customer organisations, as a provider's does:
// the default tenant, and a second one whose vendors are a second set of
// emulators (registry.Env.Org): its own Entra tenant for the Microsoft
// APIs and its own Sekoia.io community, seeded with the same alerts
// under the same vendor ids and read by integrations with the same ids,
// so every collision a tenant boundary must survive is there.
const (
	secondTenant     = "northwind"
	secondTenantName = "Northwind Traders"
)

const tenantsSection = "Tenants: one hub, two customer organisations"

// withSecondTenant declares the second tenant in the hub config, with an
// integration for each vendor of its organisation.
func withSecondTenant(cfg *config.Config, w2 *world, o Options) {
	cfg.Tenants = append(cfg.Tenants, config.Tenant{ID: secondTenant, Name: secondTenantName,
		Integrations: w2.set.Integrations(w2.url, nil, o.PollInterval)})
}

// tenantIntegrations are the integrations cfg declares for a tenant.
func tenantIntegrations(cfg config.Config, id string) []config.Integration {
	if id == model.DefaultTenant {
		return cfg.Integrations
	}
	for _, t := range cfg.Tenants {
		if t.ID == id {
			return t.Integrations
		}
	}
	return nil
}

// newTenantScenario is the scenario of another tenant of the hub a,
// whose organisation's vendors are w. Its rows go to the same summary.
func newTenantScenario(ctx context.Context, a *app.App, w *world, cfg config.Config, id string, poll time.Duration, sum *Summary) (*scenario, error) {
	st, eng, ok := a.Tenant(id)
	if !ok {
		return nil, fmt.Errorf("tenant %s is not running", id)
	}
	s := newScenario(ctx, a, w, config.Config{Integrations: tenantIntegrations(cfg, id)}, poll, sum)
	s.tenant, s.st, s.eng = id, st, eng
	return s, nil
}

// section names a section of the summary for the scenario's tenant: the
// default tenant's as is, another's prefixed with its id.
func (s *scenario) section(name string) string {
	if s.tenant == model.DefaultTenant {
		return name
	}
	return "Tenant " + s.tenant + ": " + name
}

// tenantRows walks the second tenant's own rows, after the default
// tenant's: a vendor whose console starts empty (Defender for Cloud,
// whose alerts Sentinel turns into incidents) raises some first; then
// every alert of its vendors is ingested and a verdict at each reaches
// its own console (everyVendor), and isolation against the first
// organisation's consoles.
func (s *scenario) tenantRows(first *world) error {
	r := emukit.NewRand(worldSeed)
	for _, v := range s.w.set.Vendors() {
		em, _ := s.w.set.Emulator(v.Kind)
		raiser, ok := em.(registry.Raiser)
		if !ok || len(em.Console().Objects()) > 0 {
			continue
		}
		if _, err := raiser.Raise(r); err != nil {
			return fmt.Errorf("raise %s alerts for tenant %s: %w", v.ID, s.tenant, err)
		}
	}
	if err := s.everyVendor(); err != nil {
		return err
	}
	return s.isolation(first)
}

// isolation gives a verdict, in this tenant, at each vendor whose alerts
// can be closed, on an alert whose vendor id the other organisation's
// console also holds, still new there: each write reaches this tenant's
// console and leaves the other's alone.
func (s *scenario) isolation(other *world) error {
	type check struct {
		v     registry.Vendor
		alert model.Alert
		twin  registry.Object
		at    time.Time
	}
	var checks []check
	for _, v := range s.w.set.Vendors() {
		otherEm, ok := other.set.Emulator(v.Kind)
		if !ok || !v.Writable(registry.StateClosed) {
			continue
		}
		for _, a := range s.alerts(v.ID) {
			if a.Status != model.StatusNew || a.Verdict != model.VerdictNone {
				continue
			}
			twin, ok := otherEm.Console().Object(registry.KindAlert, a.VendorID)
			if !ok || twin.State != registry.StateNew {
				continue
			}
			if err := s.verdict(a, model.VerdictNotAThreat, false, "benign, seen in this customer only"); err != nil {
				return err
			}
			checks = append(checks, check{v, a, twin, time.Now()})
			break
		}
	}
	if len(checks) == 0 {
		s.row(tenantsSection, "a verdict in one tenant leaves the other's consoles alone", false, 0,
			"no alert is new in both organisations' consoles")
		return nil
	}
	closed := make([]registry.Object, len(checks))
	s.waitUntil(30*time.Second, func() bool {
		all := true
		for i, c := range checks {
			em, _ := s.w.set.Emulator(c.v.Kind)
			closed[i], _ = em.Console().Object(registry.KindAlert, c.alert.VendorID)
			all = all && closed[i].State == registry.StateClosed
		}
		return all
	})
	s.settle() // the other tenant's pollers and outbox get their chance to go wrong
	for i, c := range checks {
		otherEm, _ := other.set.Emulator(c.v.Kind)
		after, _ := otherEm.Console().Object(registry.KindAlert, c.alert.VendorID)
		s.row(tenantsSection, fmt.Sprintf("%s: a verdict in tenant %s closes its alert in %s's console only", c.v.ID, s.tenant, s.tenant),
			closed[i].State == registry.StateClosed && after.State == c.twin.State && after.Status == c.twin.Status, time.Since(c.at),
			"alert %s: %s (%s) in %s's console; the same vendor id in the default tenant's console: %s before, %s after",
			c.alert.VendorID, closed[i].Status, closed[i].State, s.tenant, c.twin.Status, after.Status)
	}
	return nil
}

// tenantSummary adds one row per tenant: how many integrations and
// alerts it holds, and whether all its totals rows held.
func tenantSummary(sum *Summary, tenants []string) {
	for _, id := range tenants {
		n, alerts, clean := 0, 0, true
		for _, rep := range sum.Integrations {
			if rep.Tenant != id {
				continue
			}
			n++
			alerts += rep.alerts
			clean = clean && rep.clean()
		}
		sum.Rows = append(sum.Rows, Row{Section: tenantsSection, Name: fmt.Sprintf("tenant %s: every console agrees with the hub", id),
			OK: n > 0 && clean, Detail: fmt.Sprintf("%d integrations, %d alerts", n, alerts)})
	}
}
