package lacework

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/alertsync/alertsync/internal/connector"
	"github.com/alertsync/alertsync/internal/emulators/emukit"
	lwemu "github.com/alertsync/alertsync/internal/emulators/lacework"
)

// scopeLatency is how long the benchmark's emulator takes per scope call.
const scopeLatency = 50 * time.Millisecond

// BenchmarkAssemble measures how many alerts a poll assembles a second
// when every scope call takes 50 ms. n alerts in flight, each fetching
// its six scopes together, give at most n / 0.05 s alerts a second: 320
// at the default 16.
func BenchmarkAssemble(b *testing.B) {
	for _, n := range []int{4, 16} {
		b.Run(fmt.Sprintf("concurrency=%d", n), func(b *testing.B) { benchAssemble(b, n) })
	}
}

func benchAssemble(b *testing.B, concurrency int) {
	const alerts = 96
	clock := emukit.NewFakeClock(t0)
	emu := lwemu.New(lwemu.Options{Clock: clock, PerMinute: -1, PageSize: alerts, ScopeLatency: scopeLatency})
	emu.SeedAlerts(alerts)
	srv := httptest.NewTLSServer(emu.Handler())
	defer srv.Close()
	tr := srv.Client().Transport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 6 * concurrency
	c, err := connector.Build(Kind, connector.Deps{ID: "bench", HTTP: &http.Client{Transport: tr}, Now: clock.Now}, map[string]any{
		"account_url": srv.URL, "key_id": lwemu.DefaultKeyID, "secret": lwemu.DefaultSecret,
		"requests_per_minute": 0, "page_size": alerts, "alert_concurrency": concurrency,
	})
	if err != nil {
		b.Fatal(err)
	}
	src := c.(*Connector)
	total := 0
	for b.Loop() {
		page, err := src.FetchAlerts(b.Context(), "")
		if err != nil || len(page.Items) != alerts {
			b.Fatalf("fetch: %v, %d items", err, len(page.Items))
		}
		total += len(page.Items)
	}
	secs := b.Elapsed().Seconds()
	b.ReportMetric(float64(total)/secs, "alerts/s")
	b.ReportMetric(float64(total*len(scopes))/secs, "scope_calls/s")
	if _, most := emu.ScopeStats(); most > int64(len(scopes)*concurrency) {
		b.Errorf("%d scope calls in flight, bound %d alerts of %d scopes", most, concurrency, len(scopes))
	}
}
