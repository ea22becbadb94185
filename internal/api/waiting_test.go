package api

import (
	"testing"
	"time"

	"github.com/alertsync/alertsync/internal/store"
)

// TestWaitingSaysWhy: a pending item's record says what it waits for,
// from its own schedule or from its integration's paused deliveries.
func TestWaitingSaysWhy(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	later := now.Add(40 * time.Second)
	paused := func(integration string) (string, time.Time, bool) {
		return "rate budget", later, integration == "graph"
	}
	tests := []struct {
		name string
		it   store.OutboxItem
		want string
	}{
		{"due now", store.OutboxItem{State: store.OutboxPending, Integration: "mde", NextAttemptAt: now}, "queued"},
		{"being sent", store.OutboxItem{State: store.OutboxLeased, Integration: "mde"}, "in flight"},
		{"done", store.OutboxItem{State: store.OutboxDone, Integration: "mde"}, ""},
		{"vendor paused the lane", store.OutboxItem{State: store.OutboxPending, Integration: "graph", NextAttemptAt: now},
			"rate budget, next attempt at 2026-12-01T10:00:40Z"},
		{"rate limited itself", store.OutboxItem{State: store.OutboxPending, Integration: "mde", NextAttemptAt: later,
			LastError: "waiting: rate budget, next attempt at 2026-12-01T10:00:40Z (attempt 1 of 30): 429"},
			"rate budget, next attempt at 2026-12-01T10:00:40Z"},
		{"backing off", store.OutboxItem{State: store.OutboxPending, Integration: "mde", NextAttemptAt: later,
			LastError: "waiting: retry after error, next attempt at 2026-12-01T10:00:40Z (attempt 2 of 10): 503"},
			"retry after error, next attempt at 2026-12-01T10:00:40Z"},
	}
	s := &server{waiting: paused}
	for _, tt := range tests {
		if got := s.waitingFor(tt.it, now); got != tt.want {
			t.Errorf("%s: waiting = %q, want %q", tt.name, got, tt.want)
		}
	}
}
