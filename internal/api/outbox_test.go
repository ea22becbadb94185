package api_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/alertsync/alertsync/internal/store"
)

func TestOutboxListAndRetry(t *testing.T) {
	t.Parallel()
	e := setup(t)
	dead := e.deadItem("retry")
	counts := decode[map[string]int](t, e.do("GET", "/api/v1/outbox/counts", viewerToken, nil).want(t, http.StatusOK))
	if counts["dead"] != 1 || counts["leased"] != 0 || counts["done"] != 0 || counts["pending"] < 1 {
		t.Errorf("counts = %v", counts)
	}
	tests := []struct {
		query string
		check func(store.OutboxItem) bool
		min   int
	}{
		{"?state=dead", func(it store.OutboxItem) bool { return it.ID == dead && it.State == store.OutboxDead }, 1},
		{"?state=pending", func(it store.OutboxItem) bool { return it.State == store.OutboxPending }, 1},
		{"?state=done", func(store.OutboxItem) bool { return false }, 0},
		{"?integration=fake", func(it store.OutboxItem) bool { return it.Integration == "fake" }, 2},
		{"?integration=plain", func(store.OutboxItem) bool { return false }, 0},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			got := decode[list[store.OutboxItem]](t, e.do("GET", "/api/v1/outbox"+tt.query, viewerToken, nil).want(t, http.StatusOK))
			if len(got.Items) < tt.min {
				t.Errorf("%d items, want at least %d", len(got.Items), tt.min)
			}
			for _, it := range got.Items {
				if !tt.check(it) {
					t.Errorf("unexpected item %+v", it)
				}
			}
		})
	}
	e.do("GET", "/api/v1/outbox?state=stuck", viewerToken, nil).want(t, http.StatusBadRequest)
	item := decode[store.OutboxItem](t, e.do("POST", fmt.Sprintf("/api/v1/outbox/%d/retry", dead), adminToken, nil).want(t, http.StatusOK))
	if item.State != store.OutboxPending || !item.NextAttemptAt.Equal(e.clock.Now()) {
		t.Errorf("retried item = %+v", item)
	}
	// It is pending now, so there is no dead item to retry.
	e.do("POST", fmt.Sprintf("/api/v1/outbox/%d/retry", dead), adminToken, nil).want(t, http.StatusNotFound)
	after := decode[map[string]int](t, e.do("GET", "/api/v1/outbox/counts", viewerToken, nil).want(t, http.StatusOK))
	if after["dead"] != 0 || after["pending"] != counts["pending"]+1 {
		t.Errorf("counts after retry = %v (before %v)", after, counts)
	}
}

func TestOutboxPaging(t *testing.T) {
	t.Parallel()
	e := setup(t)
	e.do("POST", fmt.Sprintf("/api/v1/alerts/%d/verdict", e.ids["a3"]), analystToken, map[string]any{"verdict": "suspicious"}).want(t, http.StatusOK)
	all := decode[list[store.OutboxItem]](t, e.do("GET", "/api/v1/outbox", viewerToken, nil).want(t, http.StatusOK))
	if len(all.Items) < 2 {
		t.Fatalf("want at least two outbox items, have %d", len(all.Items))
	}
	first := decode[list[store.OutboxItem]](t, e.do("GET", "/api/v1/outbox?limit=1", viewerToken, nil).want(t, http.StatusOK))
	if len(first.Items) != 1 || first.NextAfter == nil || *first.NextAfter != all.Items[0].ID {
		t.Fatalf("first page = %+v", first)
	}
	next := decode[list[store.OutboxItem]](t, e.do("GET", fmt.Sprintf("/api/v1/outbox?after=%d", *first.NextAfter), viewerToken, nil).want(t, http.StatusOK))
	if len(next.Items) != len(all.Items)-1 || next.Items[0].ID != all.Items[1].ID {
		t.Errorf("second page = %+v", next.Items)
	}
}

func TestQuarantine(t *testing.T) {
	t.Parallel()
	e := setup(t)
	got := decode[list[store.QuarantineEntry]](t, e.do("GET", "/api/v1/quarantine", viewerToken, nil).want(t, http.StatusOK))
	if len(got.Items) != 1 {
		t.Fatalf("quarantine = %+v", got.Items)
	}
	q := got.Items[0]
	if q.Integration != "fake" || q.VendorID != "bad-1" || q.Reason != "missing title" || string(q.Payload) != `{"oops":true}` {
		t.Errorf("entry = %+v", q)
	}
	none := decode[list[store.QuarantineEntry]](t, e.do("GET", "/api/v1/quarantine?integration=plain", viewerToken, nil).want(t, http.StatusOK))
	if len(none.Items) != 0 {
		t.Errorf("plain has quarantine entries: %+v", none.Items)
	}
	later := decode[list[store.QuarantineEntry]](t, e.do("GET", fmt.Sprintf("/api/v1/quarantine?after=%d&limit=5", q.ID), viewerToken, nil).want(t, http.StatusOK))
	if len(later.Items) != 0 || later.NextAfter != nil {
		t.Errorf("after the last entry: %+v", later)
	}
	e.do("GET", "/api/v1/quarantine?limit=5000", viewerToken, nil).want(t, http.StatusBadRequest)
}
