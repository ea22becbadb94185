// Package connectortest is the conformance suite every connector runs
// against its vendor's emulator. The suite knows no vendor: the vendor's
// test builds the connector against a running emulator and supplies hooks
// that seed alerts and read back what the connector wrote, and the suite
// checks each capability the connector has.
//
// A vendor test looks like:
//
//	func TestConformance(t *testing.T) {
//		emu := vendoremu.Start(t)
//		c := build(t, emu.URL())
//		connectortest.Run(t, connectortest.Harness{
//			Connector:       c,
//			Integration:     "it-1",
//			Seed:            emu.SeedAlerts,
//			RemoteState:     emu.AlertStatus,
//			RemoteComments:  emu.AlertComments,
//			InjectRateLimit: emu.ThrottleNext,
//		})
//	}
package connectortest

import (
	"context"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/alertsync/alertsync/internal/connector"
	"github.com/alertsync/alertsync/internal/model"
)

// Harness is what a vendor test hands the suite. Hooks for capabilities the
// connector lacks may be nil; a hook the connector's capabilities need is a
// test failure when missing, so a harness cannot silently check less.
type Harness struct {
	// Connector is built against the emulator, with Deps.ID = Integration.
	Connector   connector.Connector
	Integration string

	// Seed creates new open alerts in the emulator and returns their
	// vendor ids. Each call creates fresh alerts; for an AlertSource it
	// should create more than one page holds so paging is exercised.
	// Needed by AlertSource, StateSyncer and Commenter.
	Seed func(t *testing.T) []string
	// RemoteState returns the vendor's status of an alert as the vendor
	// stores it. Needed by StateSyncer.
	RemoteState func(t *testing.T, vendorID string) string
	// RemoteComments returns the comment bodies on an alert. Needed by
	// Commenter.
	RemoteComments func(t *testing.T, vendorID string) []string
	// InjectRateLimit makes the emulator answer the next API request with
	// its rate-limit response, including its retry hint. Needed by
	// connectors that call out (AlertSource, StateSyncer, Commenter,
	// HealthChecker).
	InjectRateLimit func(t *testing.T)
	// Throttle makes the emulator answer the next API request with its
	// rate-limit response asking the caller to wait retryAfter, in the
	// vendor's own header (Retry-After, X-RateLimit-RetryAfter, ...); the
	// error must carry that wait. Needed by connectors that call out.
	Throttle func(t *testing.T, retryAfter time.Duration)
	// ExpireToken makes the emulator reject the current access token; the
	// connector must recover by itself. Needed by connectors whose vendor
	// issues expiring tokens (optional for a static API key).
	ExpireToken func(t *testing.T)
	// Slow makes every answer of the emulator take d (zero: back to
	// normal), so the suite can check that a cancelled context ends every
	// call promptly. Needed by connectors that call out.
	Slow func(t *testing.T, d time.Duration)
	// FailItems makes the emulator refuse these objects in the bulk
	// writes that follow, item by item, the way the vendor reports a
	// partial failure. Needed by BatchStateSyncer.
	FailItems func(t *testing.T, vendorIDs []string)
	// SeedIncident creates an incident in the emulator holding new alerts
	// and returns its vendor id and theirs. Needed by IncidentSource.
	SeedIncident func(t *testing.T) (incident string, alerts []string)
	// SeedEvidence makes the emulator publish new audit records that a
	// reader can fetch now (more than one page or blob of them) and
	// returns their vendor ids. It is called after the suite has enabled
	// the source (a fetch from the empty cursor). Needed by
	// EvidenceSource.
	SeedEvidence func(t *testing.T) []string

	// Malformed makes the vendor serve, among records that map, one the
	// connector cannot map (a required field missing, a value of the
	// wrong type), through Harness.Connector or a connector of its own
	// against a fresh emulator (see Malformer); the records are alerts
	// for an AlertSource, else incidents, else audit records. Needed by
	// every connector that polls.
	Malformed func(t *testing.T) MalformedCase

	// Build, when set, is how the suite builds the connector itself, with
	// a logger it captures; wrong=true builds one with wrong credentials.
	// The suite checks that no value of Secrets appears in any error or
	// log line (at debug level), and that wrong credentials fail as an
	// auth error. Needed by every connector with credentials.
	Build func(t *testing.T, log *slog.Logger, wrong bool) connector.Connector
	// Secrets are the credential values Build uses, the wrong ones
	// included: a connector must not echo even a wrong secret back.
	Secrets []string
	// Push builds a pushed request carrying alerts and returns it with the
	// vendor ids it holds; authentic=false builds one with wrong
	// credentials. Needed by WebhookReceiver.
	Push func(t *testing.T, authentic bool) (*http.Request, []string)

	// IdempotentComments says the vendor deduplicates comments by the
	// idempotency key, so a replayed AddComment must not post twice.
	IdempotentComments bool
	// CheckEcho says a state change makes the alert come back from
	// FetchAlerts at the latest cursor, carrying the RemoteStatus that
	// SetState reported (what the engine's echo ledger relies on).
	CheckEcho bool
	// PageSize, when set, is the most items one FetchAlerts returns.
	PageSize int
	// Kind is the object kind written by SetState and AddComment; zero
	// means model.KindAlert.
	Kind model.Kind
	// Timeout bounds each connector call; zero means 30 seconds.
	Timeout time.Duration
}

func (h Harness) kind() model.Kind {
	if h.Kind == "" {
		return model.KindAlert
	}
	return h.Kind
}

// ctx returns a context for one connector call.
func (h Harness) ctx(t *testing.T) context.Context {
	d := h.Timeout
	if d == 0 {
		d = 30 * time.Second
	}
	ctx, cancel := context.WithTimeout(t.Context(), d)
	t.Cleanup(cancel)
	return ctx
}

// Run checks every capability h.Connector has. Subtests run in order
// because they share the emulator.
func Run(t *testing.T, h Harness) {
	t.Helper()
	if h.Connector == nil {
		t.Fatal("connectortest: Harness.Connector is nil")
	}
	caps := connector.CapabilitiesOf(h.Connector)
	t.Logf("capabilities of %s: %+v", h.Connector.Kind(), caps)
	t.Run("Registration", func(t *testing.T) { testRegistration(t, h) })
	if caps.Ingest {
		t.Run("FetchAlerts", func(t *testing.T) { testFetch(t, h) })
		t.Run("CursorResume", func(t *testing.T) { testResume(t, h) })
	}
	if caps.Webhook {
		t.Run("Receive", func(t *testing.T) { testReceive(t, h) })
	}
	if caps.Incidents {
		t.Run("FetchIncidents", func(t *testing.T) { testIncidents(t, h) })
	}
	_, evidence := h.Connector.(connector.EvidenceSource)
	if evidence {
		testEvidence(t, h)
	}
	if caps.Ingest || caps.Incidents || evidence {
		t.Run("MalformedQuarantined", func(t *testing.T) { testMalformed(t, h, caps) })
	}
	if caps.StateSync {
		t.Run("SetState", func(t *testing.T) { testSetState(t, h) })
	}
	if _, ok := h.Connector.(connector.BatchStateSyncer); ok {
		t.Run("BulkPartialFailure", func(t *testing.T) { testBulk(t, h) })
	}
	if caps.Comments {
		t.Run("AddComment", func(t *testing.T) { testAddComment(t, h) })
	}
	if _, ok := h.Connector.(connector.StateChecker); ok && caps.StateSync {
		t.Run("StateApplied", func(t *testing.T) { testStateApplied(t, h) })
	}
	if _, ok := h.Connector.(connector.CommentChecker); ok && caps.Comments {
		t.Run("CommentApplied", func(t *testing.T) { testCommentApplied(t, h) })
	}
	if caps.Health {
		t.Run("Health", func(t *testing.T) {
			if err := h.Connector.(connector.HealthChecker).Health(h.ctx(t)); err != nil {
				t.Errorf("Health: %v", err)
			}
		})
	}
	if caps.Ingest || caps.Incidents || caps.StateSync || caps.Comments || caps.Health {
		t.Run("RateLimited", func(t *testing.T) { testRateLimited(t, h, caps) })
		t.Run("VendorRetryHeader", func(t *testing.T) { testRetryHeader(t, h, caps) })
		t.Run("CancelEndsCalls", func(t *testing.T) { testCancel(t, h, caps) })
		if h.ExpireToken != nil {
			t.Run("TokenExpiry", func(t *testing.T) { testTokenExpiry(t, h, caps) })
		}
	}
	if hasSecrets(h.Connector.Kind()) || h.Build != nil {
		t.Run("SecretsStayOut", func(t *testing.T) {
			need(t, h.Build != nil, "Build")
			testSecrets(t, h, caps)
		})
	}
}

// hasSecrets reports whether kind's config declares a secret field.
func hasSecrets(kind string) bool {
	reg, ok := connector.Lookup(kind)
	if !ok {
		return false
	}
	for _, f := range reg.Spec {
		if f.Type == connector.TypeSecret {
			return true
		}
	}
	return false
}

// need fails the test when a hook the capabilities require is missing.
func need(t *testing.T, ok bool, hook string) {
	t.Helper()
	if !ok {
		t.Fatalf("connectortest: this connector's capabilities need Harness.%s", hook)
	}
}

func testRegistration(t *testing.T, h Harness) {
	kind := h.Connector.Kind()
	reg, ok := connector.Lookup(kind)
	if !ok {
		t.Fatalf("kind %q is not registered; call connector.Register in init()", kind)
	}
	if reg.Title == "" || reg.Description == "" {
		t.Errorf("registration of %q needs a Title and a Description", kind)
	}
	for _, f := range reg.Spec {
		if f.Name == "" || f.Type == "" || f.Description == "" {
			t.Errorf("config field %+v needs a name, a type and a description", f)
		}
	}
}
