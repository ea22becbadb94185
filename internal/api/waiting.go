package api

import (
	"fmt"
	"strings"
	"time"

	"github.com/alertsync/alertsync/internal/store"
)

// Delivery is an outbox item as the API shows it: with, for an item not
// yet delivered, what it waits for, answered from the data (the item's
// schedule and record, and whether its integration's deliveries are
// paused by the vendor's rate limit).
type Delivery struct {
	store.OutboxItem
	Waiting string `json:"waiting,omitempty"`
}

func (s *server) deliveries(items []store.OutboxItem) []Delivery {
	now := time.Now()
	out := make([]Delivery, len(items))
	for i, it := range items {
		out[i] = Delivery{OutboxItem: it, Waiting: s.waitingFor(it, now)}
	}
	return out
}

func (s *server) waitingFor(it store.OutboxItem, now time.Time) string {
	switch it.State {
	case store.OutboxLeased:
		return "in flight"
	case store.OutboxPending:
	default:
		return ""
	}
	if s.waiting != nil {
		if reason, until, ok := s.waiting(it.Integration); ok {
			return fmt.Sprintf("%s, next attempt at %s", reason, until.UTC().Format(time.RFC3339))
		}
	}
	if !it.NextAttemptAt.After(now) {
		return "queued"
	}
	reason := "retry after error"
	if strings.HasPrefix(it.LastError, "waiting: rate budget") {
		reason = "rate budget"
	}
	return fmt.Sprintf("%s, next attempt at %s", reason, it.NextAttemptAt.UTC().Format(time.RFC3339))
}

func deliveryID(d Delivery) int64 { return d.ID }
