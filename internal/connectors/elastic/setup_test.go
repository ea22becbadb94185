package elastic

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/alertsync/alertsync/internal/connector"
	elasticemu "github.com/alertsync/alertsync/internal/emulators/elastic"
	"github.com/alertsync/alertsync/internal/emulators/emukit"
	"github.com/alertsync/alertsync/internal/vendorspec"
)

var t0 = time.Date(2026, 3, 31, 9, 0, 0, 0, time.UTC)

const pageSize = 5

// The Kibana spec files of shared/vendor-specs (see its README: patch K1).
const (
	detectionsSpec = "kibana_detections_2023-10-31.yaml"
	noteSpec       = "kibana_timeline_note_2023-10-31.yaml"
)

// env is a connector wired to a Kibana emulator behind a test server,
// with every request it sends checked against the vendor's specs when
// they are there.
type env struct {
	emu   *elasticemu.Emulator
	clock *emukit.FakeClock
	srv   *httptest.Server
	conn  *Connector
	det   *vendorspec.Checker // signals/search and signals/status
	note  *vendorspec.Checker // PATCH /api/note
}

// setup starts an emulator with n seeded alerts and builds a connector
// against it with extra settings over the defaults.
func setup(t *testing.T, n int, extra map[string]any) *env {
	t.Helper()
	clock := emukit.NewFakeClock(t0)
	emu := elasticemu.New(elasticemu.Options{Clock: clock, Alerts: n, Seed: 1, Spaces: []string{"soc"}})
	srv := httptest.NewServer(emu.Handler())
	t.Cleanup(srv.Close)
	e := &env{emu: emu, clock: clock, srv: srv}
	e.det = &vendorspec.Checker{Spec: withoutStatusDiscriminator(t, vendorspec.Optional(t, detectionsSpec)), Skip: notDetections, Report: t.Error}
	e.note = &vendorspec.Checker{Spec: vendorspec.Optional(t, noteSpec), Skip: notNoteWrite, Report: t.Error}
	e.conn = e.build(t, nil, extra)
	return e
}

// build builds another connector against the emulator, logging to log
// (discarded when nil), with extra settings over the defaults.
func (e *env) build(t *testing.T, log *slog.Logger, extra map[string]any) *Connector {
	t.Helper()
	settings := map[string]any{
		"kibana_url":          e.srv.URL,
		"api_key":             e.emu.EncodedAPIKey(),
		"page_size":           pageSize,
		"requests_per_minute": 0,
	}
	for k, v := range extra {
		settings[k] = v
	}
	hc := &http.Client{Transport: e.det.Wrap(e.note.Wrap(e.srv.Client().Transport))}
	c, err := connector.Build(Kind, connector.Deps{ID: "it-elastic", HTTP: hc, Logger: log, Now: e.clock.Now}, settings)
	if err != nil {
		t.Fatalf("build connector: %v", err)
	}
	return c.(*Connector)
}

// notDetections passes the requests the detections spec does not cover
// (notes, and any space prefix) through unchecked.
func notDetections(r *http.Request) bool {
	return !strings.HasPrefix(r.URL.Path, "/api/detection_engine/")
}

// notNoteWrite checks only PATCH /api/note: GET /api/note is not in the
// published timeline slice.
func notNoteWrite(r *http.Request) bool {
	return r.Method != http.MethodPatch || r.URL.Path != "/api/note"
}

// withoutStatusDiscriminator drops the discriminator of the two
// SetAlertsStatus unions, in memory and in this Spec only. Its mapping
// names only "closed", so kin-openapi refuses every other status, though
// Kibana's zod union routes them to SetAlertsStatusBy*Base; the plain
// oneOf still tells the branches apart by their status enums. nil (the
// spec absent) stays nil.
func withoutStatusDiscriminator(t *testing.T, s *vendorspec.Spec) *vendorspec.Spec {
	t.Helper()
	if s == nil {
		return nil
	}
	for _, name := range []string{"SetAlertsStatusByIds", "SetAlertsStatusByQuery"} {
		ref := s.Doc.Components.Schemas[name]
		if ref == nil || ref.Value == nil || ref.Value.Discriminator == nil {
			t.Fatalf("%s: schema %s has no discriminator any more; drop this relaxation", s.Name, name)
		}
		ref.Value.Discriminator = nil
	}
	return s
}

// seed adds n new open alerts an hour after everything before, so they
// sort after any earlier cursor.
func (e *env) seed(n int) []string {
	e.clock.Advance(time.Hour)
	return e.emu.SeedAlerts(n)
}

func (e *env) noteTexts(id string) []string {
	var out []string
	for _, n := range e.emu.Notes(id) {
		out = append(out, n.Text())
	}
	return out
}

// requests returns the recorded requests to path with method.
func (e *env) requests(method, path string) []emukit.Request {
	var out []emukit.Request
	for _, r := range e.emu.Recorder().Filter(method, path) {
		if r.Path == path {
			out = append(out, r)
		}
	}
	return out
}
