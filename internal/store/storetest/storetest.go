// Package storetest is the one conformance suite every store.Store passes.
// The SQLite and PostgreSQL packages call Run from their tests, so a query
// that behaves differently on one engine fails the same test on both.
package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/alertsync/alertsync/internal/model"
	"github.com/alertsync/alertsync/internal/store"
	"github.com/alertsync/alertsync/internal/store/sqldb"
)

// t0 is the suite's clock; stores keep microseconds, so it has no finer part.
var t0 = time.Date(2025, 3, 1, 12, 0, 0, 123456000, time.UTC)

// Run runs the suite. open must return a new, migrated, empty store that is
// closed when the test ends; tests run in parallel, each on its own store.
func Run(t *testing.T, open func(t *testing.T) store.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s *Both)
	}{
		{"Migrate", testMigrate},
		{"AlertRoundTrip", testAlertRoundTrip},
		{"AlertUnique", testAlertUnique},
		{"AlertsByVendor", testAlertsByVendor},
		{"AlertList", testAlertList},
		{"AlertListWindow", testAlertListWindow},
		{"ConsoleSessions", testConsoleSessions},
		{"Incidents", testIncidents},
		{"Revisions", testRevisions},
		{"Comments", testComments},
		{"Quarantine", testQuarantine},
		{"Integrations", testIntegrations},
		{"Cursors", testCursors},
		{"Validations", testValidations},
		{"Ledger", testLedger},
		{"OutboxEnqueue", testOutboxEnqueue},
		{"OutboxEnqueueBatch", testOutboxEnqueueBatch},
		{"OutboxClaimOrder", testOutboxClaimOrder},
		{"OutboxExpiredLease", testOutboxExpiredLease},
		{"OutboxEnqueueLeased", testOutboxEnqueueLeased},
		{"WriteStats", testWriteStats},
		{"Leases", testLeases},
		{"OutboxRenew", testOutboxRenew},
		{"OutboxRetry", testOutboxRetry},
		{"OutboxExpedite", testOutboxExpedite},
		{"OutboxObjectBusy", testOutboxObjectBusy},
		{"OutboxBusyObjects", testOutboxBusyObjects},
		{"OutboxSkip", testOutboxSkip},
		{"OutboxRetryAfterLaterApplied", testOutboxRetryAfterLaterApplied},
		{"OutboxCountsAndList", testOutboxCountsAndList},
		{"OutboxConcurrentClaimers", testOutboxConcurrentClaimers},
		{"TxRollback", testTxRollback},
		{"Batches", testBatches},
		{"WriteBackBatches", testWriteBackBatches},
		{"StaleUpdate", testStaleUpdate},
		{"OutboxLanes", testOutboxLanes},
		{"OutboxObjectQueries", testOutboxObjectQueries},
		{"OutboxGiveBack", testOutboxGiveBack},
		{"TextPolicy", testTextPolicy},
		{"Memberships", testMemberships},
		{"Evidence", testEvidence},
		{"Playbooks", testPlaybooks},
		{"RunInsertBatch", testRunInsertBatch},
		{"RunInsertLargeBatch", testRunInsertLargeBatch},
		{"RunUpdate", testRunUpdate},
		{"RunUpdateBatch", testRunUpdateBatch},
		{"RunList", testRunList},
		{"RunOpenGroup", testRunOpenGroup},
		{"Steps", testSteps},
		{"StepUpsertBatch", testStepUpsertBatch},
		{"RunPrune", testRunPrune},
		{"Tenants", testTenants},
		{"TenantKeySwap", testTenantKeySwap},
		{"TenantIsolation", testTenantIsolation},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.fn(t, Default(open(t)))
		})
	}
}

// inTx runs fn in a transaction and fails the test on error.
func inTx(t *testing.T, s *Both, fn func(tx store.Tx) error) {
	t.Helper()
	if err := s.WithTx(t.Context(), fn); err != nil {
		t.Fatal(err)
	}
}

// newAlert is a minimal valid alert.
func newAlert(integration, vendorID string) model.Alert {
	return model.Alert{
		Integration: integration, VendorID: vendorID, Title: "alert " + vendorID,
		Severity: model.SeverityMedium, Status: model.StatusNew,
		CreatedAt: t0, UpdatedAt: t0, FirstSeenAt: t0, LastChangedAt: t0, Revision: 1,
	}
}

// insertAlerts stores alerts in one transaction, setting their ids; an
// alert with an IncidentID becomes a member of that incident, as the
// engine does when it links one.
func insertAlerts(t *testing.T, s *Both, alerts ...*model.Alert) {
	t.Helper()
	inTx(t, s, func(tx store.Tx) error {
		for _, a := range alerts {
			if err := tx.AlertInsert(t.Context(), a); err != nil {
				return err
			}
			if a.IncidentID == 0 {
				continue
			}
			m := model.Membership{IncidentID: a.IncidentID, AlertID: a.ID, Source: "test", AddedAt: t0}
			if _, err := tx.MembershipAdd(t.Context(), m); err != nil {
				return err
			}
		}
		return nil
	})
}

func wantNotFound(t *testing.T, what string, err error) {
	t.Helper()
	if !errors.Is(err, store.ErrNotFound) {
		t.Errorf("%s: got error %v, want ErrNotFound", what, err)
	}
}

func wantConflict(t *testing.T, what string, err error) {
	t.Helper()
	if !errors.Is(err, sqldb.ErrConflict) {
		t.Errorf("%s: got error %v, want ErrConflict", what, err)
	}
}

func testMigrate(t *testing.T, s *Both) {
	for range 2 {
		if err := s.Migrate(t.Context()); err != nil {
			t.Fatalf("Migrate again: %v", err)
		}
	}
	if d := s.Driver(); d != "sqlite" && d != "postgres" {
		t.Errorf("Driver() = %q", d)
	}
}

// Both is a store and its default tenant's scope in one value, so a test
// of tenant data and of the hub's own cross-tenant work reads the same;
// the two interfaces share no method.
type Both struct {
	store.Store
	store.Scoped
}

// Default pairs st with its default tenant's scope.
func Default(st store.Store) *Both {
	return &Both{Store: st, Scoped: st.Scope(store.DefaultTenant)}
}
