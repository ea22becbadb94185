package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/alertsync/alertsync/internal/app"
	"github.com/alertsync/alertsync/internal/connector"
	"github.com/alertsync/alertsync/internal/connectors/lacework"
	lwemu "github.com/alertsync/alertsync/internal/emulators/lacework"
	"github.com/alertsync/alertsync/internal/engine"
	"github.com/alertsync/alertsync/internal/store"
)

// LaceworkOptions shape the Lacework case: alerts assembled from six
// scopes each, every scope call taking ScopeLatency at the emulator.
type LaceworkOptions struct {
	Alerts       int
	ScopeLatency time.Duration
	Concurrency  int
}

func (o *LaceworkOptions) defaults() {
	if o.Alerts == 0 {
		o.Alerts = 2000
	}
	if o.ScopeLatency == 0 {
		o.ScopeLatency = 50 * time.Millisecond
	}
	if o.Concurrency <= 0 {
		o.Concurrency = 16
	}
}

// Lacework is the Lacework case's figures: alerts polled from the
// emulator, each assembled from its six scopes, and stored through the
// engine, as the hub's poller does.
type Lacework struct {
	Alerts                int     `json:"alerts"`
	AssembledAlertsPerS   float64 `json:"assembled_alerts_per_s"`
	Concurrency           int     `json:"alert_concurrency"`
	ScopeLatencyMS        float64 `json:"scope_latency_ms"`
	ScopeCalls            int64   `json:"scope_calls"`
	MaxScopeCallsInFlight int64   `json:"max_scope_calls_in_flight"`
	// HalfAssembled counts stored alerts missing a scope: it must be 0.
	HalfAssembled int     `json:"half_assembled"`
	Seconds       float64 `json:"seconds"`
}

// measureLacework polls a Lacework emulator holding o.Alerts alerts
// until every one is stored, and checks each arrived whole.
func measureLacework(ctx context.Context, st store.Store, o Options) (*Lacework, error) {
	lo := o.Lacework
	emu := lwemu.New(lwemu.Options{Alerts: lo.Alerts, Seed: 5, PerMinute: -1, PageSize: 500, ScopeLatency: lo.ScopeLatency})
	srv := httptest.NewTLSServer(emu.Handler())
	defer srv.Close()
	tr := app.VendorTransport()
	tr.TLSClientConfig = srv.Client().Transport.(*http.Transport).TLSClientConfig
	c, err := connector.Build(lacework.Kind, connector.Deps{ID: "lacework", HTTP: &http.Client{Transport: tr}, Logger: o.Logger}, map[string]any{
		"account_url": srv.URL, "key_id": lwemu.DefaultKeyID, "secret": lwemu.DefaultSecret,
		"requests_per_minute": 0, "page_size": 500, "alert_concurrency": lo.Concurrency, "lookback": "2208h",
	})
	if err != nil {
		return nil, fmt.Errorf("build lacework connector: %w", err)
	}
	src := c.(connector.AlertSource)
	sc := st.Scope(store.DefaultTenant)
	eng := engine.New(engine.Options{Store: sc, Logger: o.Logger})
	eng.AddIntegration(engine.Integration{ID: "lacework", Kind: lacework.Kind, Policy: engine.DefaultPolicy(), Connector: c})
	start := time.Now()
	stored, err := pollAll(ctx, eng, src, lo.Alerts)
	if err != nil {
		return nil, err
	}
	secs := time.Since(start).Seconds()
	calls, most := emu.ScopeStats()
	half, err := halfAssembled(ctx, sc)
	if err != nil {
		return nil, err
	}
	return &Lacework{Alerts: stored, AssembledAlertsPerS: float64(stored) / secs, Concurrency: lo.Concurrency,
		ScopeLatencyMS: float64(lo.ScopeLatency) / float64(time.Millisecond), ScopeCalls: calls,
		MaxScopeCallsInFlight: most, HalfAssembled: half, Seconds: secs}, nil
}

// pollAll pages the source from an empty cursor into the engine, as the
// hub's poller does, until want alerts are stored or it says no more.
func pollAll(ctx context.Context, eng *engine.Engine, src connector.AlertSource, want int) (int, error) {
	cursor, stored := "", 0
	for range 1000 {
		page, err := src.FetchAlerts(ctx, cursor)
		if err != nil {
			return stored, fmt.Errorf("poll lacework: %w", err)
		}
		res, err := eng.Ingest(ctx, "lacework", page.Items)
		if err != nil {
			return stored, err
		}
		stored += res.Created
		if page.Cursor != "" {
			cursor = page.Cursor
		}
		if !page.More && stored >= want {
			return stored, nil
		}
	}
	return stored, fmt.Errorf("lacework: %d of %d alerts after 1000 polls", stored, want)
}

// halfAssembled counts stored Lacework alerts whose raw payload lacks a
// scope or records a gap.
func halfAssembled(ctx context.Context, st store.Scoped) (int, error) {
	half, after := 0, int64(0)
	for {
		page, err := st.AlertList(ctx, store.AlertListParams{Integration: "lacework", AfterID: after, Limit: 1000})
		if err != nil {
			return 0, fmt.Errorf("list lacework alerts: %w", err)
		}
		if len(page) == 0 {
			return half, nil
		}
		for _, a := range page {
			var doc struct {
				Scopes map[string]json.RawMessage `json:"scopes"`
				Gaps   map[string]string          `json:"scopeGaps"`
			}
			if json.Unmarshal(a.Raw, &doc) != nil || len(doc.Scopes) != 6 || len(doc.Gaps) > 0 || hasNull(doc.Scopes) {
				half++
			}
		}
		after = page[len(page)-1].ID
	}
}

func hasNull(m map[string]json.RawMessage) bool {
	for _, v := range m {
		if len(v) == 0 || string(v) == "null" {
			return true
		}
	}
	return false
}
