package storetest

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/alertsync/alertsync/internal/model"
	"github.com/alertsync/alertsync/internal/store"
)

// testAlertListWindow: the console's severity and first-seen filters,
// alone, together and with keyset paging. One alert (x) is stored out of
// time order between the others: a window whose id range holds it still
// leaves it out when its time is outside.
func testAlertListWindow(t *testing.T, s *Both) {
	ctx := t.Context()
	var alerts []*model.Alert
	add := func(name string, seen time.Time, sev model.Severity) {
		a := newAlert("edr", name)
		a.FirstSeenAt, a.Severity = seen, sev
		alerts = append(alerts, &a)
	}
	sevs := []model.Severity{model.SeverityLow, model.SeverityHigh}
	for i := range 10 {
		if i == 5 {
			add("x", t0.Add(time.Hour), model.SeverityHigh)
		}
		add(fmt.Sprint(i), t0.Add(time.Duration(i)*time.Minute), sevs[i%2])
	}
	insertAlerts(t, s, alerts...)
	ids := map[string]int64{}
	for _, a := range alerts {
		ids[a.VendorID] = a.ID
	}
	at := func(m int) time.Time { return t0.Add(time.Duration(m) * time.Minute) }
	tests := []struct {
		name string
		p    store.AlertListParams
		want []string
	}{
		{"severity", store.AlertListParams{Severity: model.SeverityHigh}, []string{"1", "3", "x", "5", "7", "9"}},
		{"severity none", store.AlertListParams{Severity: model.SeverityCritical}, nil},
		{"from", store.AlertListParams{SeenFrom: at(2)}, []string{"2", "3", "4", "x", "5", "6", "7", "8", "9"}},
		{"from to", store.AlertListParams{SeenFrom: at(2), SeenTo: at(5)}, []string{"2", "3", "4"}},
		{"to", store.AlertListParams{SeenTo: at(5)}, []string{"0", "1", "2", "3", "4"}},
		{"to before all", store.AlertListParams{SeenTo: at(-1)}, nil},
		{"from after all", store.AlertListParams{SeenFrom: at(120)}, nil},
		{"empty window", store.AlertListParams{SeenFrom: at(5), SeenTo: at(5)}, nil},
		{"backwards window", store.AlertListParams{SeenFrom: at(6), SeenTo: at(3)}, nil},
		{"within a minute", store.AlertListParams{SeenFrom: at(3).Add(-time.Second), SeenTo: at(3).Add(time.Second)}, []string{"3"}},
		{"severity in window", store.AlertListParams{Severity: model.SeverityLow, SeenFrom: at(1), SeenTo: at(7)}, []string{"2", "4", "6"}},
		{"window paged", store.AlertListParams{SeenFrom: at(2), SeenTo: at(5), AfterID: ids["2"], Limit: 1}, []string{"3"}},
		{"window paged past its end", store.AlertListParams{SeenFrom: at(2), SeenTo: at(5), AfterID: ids["4"]}, nil},
		{"window with an entity-free filter", store.AlertListParams{Integration: "edr", Status: model.StatusNew, SeenFrom: at(8)}, []string{"8", "9"}},
	}
	for _, tc := range tests {
		got, err := s.AlertList(ctx, tc.p)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		var want []int64
		for _, n := range tc.want {
			want = append(want, ids[n])
		}
		if diff := cmp.Diff(want, alertIDs(got)); diff != "" {
			t.Errorf("%s: ids (-want +got):\n%s", tc.name, diff)
		}
	}
}

// testConsoleSessions: a session is found by its digest until it expires
// or is deleted, within its tenant only; an operator's picked tenant is
// kept; expired sessions are pruned a batch at a time; a tenant's purge
// takes its sessions.
func testConsoleSessions(t *testing.T, s *Both) {
	ctx := t.Context()
	live := store.ConsoleSession{
		Digest: []byte("digest-live-0123456789abcdef0123"), Principal: "ana", Role: "analyst", Home: "default",
		Credential: "user", Binding: []byte{1, 2, 3}, Seed: []byte{4, 5, 6}, Acting: "default",
		CreatedAt: t0, ExpiresAt: t0.Add(time.Hour),
	}
	if err := s.SessionCreate(ctx, live); err != nil {
		t.Fatal(err)
	}
	got, err := s.SessionGet(ctx, live.Digest, t0.Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(live, got); diff != "" {
		t.Errorf("SessionGet (-want +got):\n%s", diff)
	}
	if err := s.SessionCreate(ctx, live); !errors.Is(err, store.ErrConflict) {
		t.Errorf("a second session with the same digest: %v, want a conflict", err)
	}
	_, err = s.SessionGet(ctx, live.Digest, live.ExpiresAt)
	wantNotFound(t, "a session at its expiry", err)
	_, err = s.SessionGet(ctx, []byte("nobody"), t0)
	wantNotFound(t, "an unknown session", err)
	other := s.Scope("tenant-a")
	_, err = other.SessionGet(ctx, live.Digest, t0)
	wantNotFound(t, "another tenant's session", err)
	wantNotFound(t, "another tenant's session picked", other.SessionSetTenant(ctx, live.Digest, "tenant-a"))

	if err := s.SessionSetTenant(ctx, live.Digest, "tenant-b"); err != nil {
		t.Fatal(err)
	}
	if got, err := s.SessionGet(ctx, live.Digest, t0); err != nil || got.Acting != "tenant-b" {
		t.Errorf("after picking tenant-b: %+v, %v", got, err)
	}
	if err := other.SessionDelete(ctx, live.Digest); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SessionGet(ctx, live.Digest, t0); err != nil {
		t.Errorf("another tenant's delete ended the session: %v", err)
	}
	if err := s.SessionDelete(ctx, live.Digest); err != nil {
		t.Fatal(err)
	}
	_, err = s.SessionGet(ctx, live.Digest, t0)
	wantNotFound(t, "a deleted session", err)
	if err := s.SessionDelete(ctx, live.Digest); err != nil {
		t.Errorf("deleting a deleted session: %v", err)
	}
	wantNotFound(t, "picking for a deleted session", s.SessionSetTenant(ctx, live.Digest, "x"))

	testSessionPrune(t, s, other, live)
}

func testSessionPrune(t *testing.T, s *Both, other store.Scoped, proto store.ConsoleSession) {
	ctx := t.Context()
	mk := func(sc store.Scoped, name string, expires time.Time) []byte {
		cs := proto
		cs.Digest, cs.ExpiresAt = []byte("digest-"+name), expires
		if err := sc.SessionCreate(ctx, cs); err != nil {
			t.Fatal(err)
		}
		return cs.Digest
	}
	for i := range 5 {
		mk(s, fmt.Sprint("old-", i), t0.Add(-time.Duration(i+1)*time.Minute))
	}
	keep := mk(s, "keep", t0.Add(time.Hour))
	mk(other, "elsewhere", t0.Add(-time.Hour))
	var rounds []int
	for range 5 {
		n, err := s.SessionPrune(ctx, t0, 2)
		if err != nil {
			t.Fatal(err)
		}
		rounds = append(rounds, n)
		if n == 0 {
			break
		}
	}
	if diff := cmp.Diff([]int{2, 2, 1, 0}, rounds); diff != "" {
		t.Errorf("pruned per round (-want +got):\n%s", diff)
	}
	if _, err := s.SessionGet(ctx, keep, t0); err != nil {
		t.Errorf("the live session after the prune: %v", err)
	}
	if n, err := other.SessionPrune(ctx, t0, 10); err != nil || n != 1 {
		t.Errorf("tenant-a's prune = %d, %v; want its one expired session", n, err)
	}
	live := mk(other, "live", t0.Add(time.Hour))
	for {
		n, err := other.Purge(ctx, 10)
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			break
		}
	}
	_, err := other.SessionGet(ctx, live, t0)
	wantNotFound(t, "a purged tenant's session", err)
}
