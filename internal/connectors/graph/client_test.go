package graph

import (
	"cmp"
	"context"
	"maps"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/alertsync/alertsync/internal/connector"
	"github.com/alertsync/alertsync/internal/emulators/emukit"
	graphemu "github.com/alertsync/alertsync/internal/emulators/graph"
	"github.com/alertsync/alertsync/internal/model"
)

// TestTokenExpiryRecovers checks the 401 path end to end: the emulator
// refuses the expired token, the connector fetches a new one and the call
// succeeds with a single retry.
func TestTokenExpiryRecovers(t *testing.T) {
	t.Parallel()
	e := setup(t, 3, nil)
	ctx := t.Context()
	if err := e.conn.Health(ctx); err != nil {
		t.Fatal(err)
	}
	e.emu.Issuer().ExpireAll()
	e.emu.Recorder().Reset()
	id := e.emu.Alerts()[0].ID
	if _, err := e.conn.SetState(ctx, connector.StateChange{VendorID: id, Status: model.StatusInProgress, IdempotencyKey: "k"}); err != nil {
		t.Fatalf("SetState after expiry: %v", err)
	}
	var got []int
	tokens := 0
	for _, r := range e.emu.Recorder().Requests() {
		if r.Method == http.MethodPatch {
			got = append(got, r.Status)
		}
		if r.Method == http.MethodPost && r.Path == "/"+e.conn.cfg.TenantID+"/oauth2/v2.0/token" {
			tokens++
		}
	}
	if len(got) != 2 || got[0] != http.StatusUnauthorized || got[1] != http.StatusOK || tokens != 1 {
		t.Errorf("PATCH statuses %v with %d token requests; want [401 200] and 1", got, tokens)
	}
}

func TestRateLimited(t *testing.T) {
	t.Parallel()
	e := setup(t, 3, nil)
	e.emu.Faults().ThrottleNext(1, 2500*time.Millisecond)
	_, err := e.conn.FetchAlerts(t.Context(), "")
	if connector.ClassOf(err) != connector.ClassRateLimited || connector.RetryAfterOf(err) != 3*time.Second {
		t.Fatalf("err %v (class %s, retry after %v); want rate_limited after 3s", err, connector.ClassOf(err), connector.RetryAfterOf(err))
	}
	// The emulator's own budget, not an injected fault, answers the same way.
	e.emu.Limiter().SetLimits(emukit.Limit{Requests: 1, Window: time.Minute})
	_ = e.conn.Health(t.Context())
	err = e.conn.Health(t.Context())
	if connector.ClassOf(err) != connector.ClassRateLimited || connector.RetryAfterOf(err) <= 0 {
		t.Fatalf("over budget: err %v, want rate_limited with a Retry-After", err)
	}
}

func TestLocalBudget(t *testing.T) {
	t.Parallel()
	e := setup(t, 3, map[string]any{"requests_per_minute": 1})
	ctx := t.Context()
	if err := e.conn.Health(ctx); err != nil {
		t.Fatal(err)
	}
	short, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	err := e.conn.Health(short)
	if connector.ClassOf(err) != connector.ClassRateLimited || connector.RetryAfterOf(err) < 30*time.Second {
		t.Fatalf("second call within the minute: err %v, want a local rate_limited with the wait", err)
	}
}

func TestErrorsCarryNoSecret(t *testing.T) {
	t.Parallel()
	e := setup(t, 1, map[string]any{"client_secret": "wrong-" + "secret-value"})
	err := e.conn.Health(t.Context())
	if connector.ClassOf(err) != connector.ClassAuth {
		t.Fatalf("bad secret: err %v, want auth", err)
	}
	if s := err.Error(); strings.Contains(s, "wrong-secret-value") {
		t.Errorf("error leaks the secret: %s", s)
	}
	_, err = e.conn.SetState(t.Context(), connector.StateChange{VendorID: "missing", Status: model.StatusResolved})
	if connector.ClassOf(err) != connector.ClassAuth {
		t.Errorf("err %v", err)
	}
}

// TestFetchAlertsBoundedPages is the regression for a poll with several
// service_sources, filtered on our side, following nextLinks until it
// found page_size matches: a call now reads at most pagesPerCall pages and
// says More, the cursor keeping the window's next link, so every call is
// bounded and the matching alerts all arrive, once, over several calls.
func TestFetchAlertsBoundedPages(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name         string
		pagesPerCall int
	}{
		{"one page a call", 1},
		{"three pages a call", 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			probe := setup(t, 120, nil)
			sources := rarestSources(probe.emu.Alerts(), 2)
			e := setup(t, 120, map[string]any{"service_sources": []any{sources[0], sources[1]}})
			e.conn.pagesPerCall = tt.pagesPerCall
			var want []string
			for _, a := range e.emu.Alerts() {
				if slices.Contains(sources, a.ServiceSource) {
					want = append(want, a.ID)
				}
			}
			seen := map[string]int{}
			cursor, calls := "", 0
			for more := true; more; calls++ {
				if calls == 100 {
					t.Fatal("still More after 100 calls")
				}
				e.emu.Recorder().Reset()
				p, err := e.conn.FetchAlerts(t.Context(), cursor)
				if err != nil {
					t.Fatal(err)
				}
				if n := len(e.requests(http.MethodGet, "security/alerts_v2")); n > tt.pagesPerCall {
					t.Fatalf("call %d read %d pages, bound %d", calls, n, tt.pagesPerCall)
				}
				for _, it := range p.Items {
					seen[it.VendorID]++
				}
				cursor, more = p.Cursor, p.More
			}
			for _, id := range want {
				if seen[id] != 1 {
					t.Errorf("alert %s delivered %d times, want once", id, seen[id])
				}
			}
			if len(seen) != len(want) || calls < 2 {
				t.Errorf("%d alerts in %d calls, want %d over several calls", len(seen), calls, len(want))
			}
		})
	}
}

// A window larger than one bounded call can read (a long overlap, small
// pages) is walked through its next links over several calls: every alert
// once, and the polls end instead of re-reading the same first pages
// forever.
func TestFetchAlertsThroughALargeWindow(t *testing.T) {
	t.Parallel()
	e := setup(t, 12, map[string]any{"overlap": "720h", "page_size": 2})
	e.conn.pagesPerCall = 1
	poll := func(cursor string) (map[string]int, string) {
		got := map[string]int{}
		for calls := 0; ; calls++ {
			if calls > 40 {
				t.Fatal("polling never reported the end of the window")
			}
			p, err := e.conn.FetchAlerts(t.Context(), cursor)
			if err != nil {
				t.Fatal(err)
			}
			for _, it := range p.Items {
				got[it.VendorID]++
			}
			cursor = p.Cursor
			if !p.More {
				return got, cursor
			}
		}
	}
	first, cursor := poll("")
	if len(first) != 12 {
		t.Fatalf("first poll delivered %d distinct alerts, want 12", len(first))
	}
	for id, n := range first {
		if n != 1 {
			t.Fatalf("alert %s delivered %d times", id, n)
		}
	}
	// The next poll re-reads the whole window (it is all inside the
	// overlap) and delivers nothing new.
	if again, _ := poll(cursor); len(again) != 0 {
		t.Fatalf("second poll re-delivered %v", again)
	}
}

// rarestSources returns the n least common serviceSource values present.
func rarestSources(alerts []graphemu.Alert, n int) []string {
	count := map[string]int{}
	for _, a := range alerts {
		count[a.ServiceSource]++
	}
	srcs := slices.Collect(maps.Keys(count))
	slices.SortFunc(srcs, func(a, b string) int { return cmp.Or(cmp.Compare(count[a], count[b]), strings.Compare(a, b)) })
	return srcs[:min(n, len(srcs))]
}
