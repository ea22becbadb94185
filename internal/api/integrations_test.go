package api_test

import (
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/alertsync/alertsync/internal/connector"
)

// integrationRow mirrors the API's row for decoding.
type integrationRow struct {
	ID           string                 `json:"id"`
	Kind         string                 `json:"kind"`
	Name         string                 `json:"name"`
	Title        string                 `json:"title"`
	Capabilities connector.Capabilities `json:"capabilities"`
	Health       struct {
		Status         string    `json:"status"`
		Error          string    `json:"error"`
		TokenExpiresAt time.Time `json:"token_expires_at"`
	} `json:"health"`
	Settings     map[string]any `json:"settings"`
	InheritedVia string         `json:"inherited_via"`
	Filter       string         `json:"filter"`
}

func TestIntegrations(t *testing.T) {
	t.Parallel()
	e := setup(t)
	rows := decode[list[integrationRow]](t, e.do("GET", "/api/v1/integrations", viewerToken, nil).want(t, http.StatusOK)).Items
	var ids []string
	for _, r := range rows {
		ids = append(ids, r.ID)
	}
	if want := []string{"fake", "fake/fake-endpoint-v2", "fake/fake-identity", "hook", "plain"}; !cmp.Equal(ids, want) {
		t.Fatalf("rows %v, want %v", ids, want)
	}
	fakeCaps := connector.Capabilities{StateSync: true, Comments: true, Health: true, Webhook: true, Evidence: true, Push: true}
	fake, member, plain := rows[0], rows[1], rows[4]
	if fake.Capabilities != fakeCaps || fake.Health.Status != "ok" || fake.Name != "Fake console" || fake.Title != "Fake console v2" ||
		!fake.Health.TokenExpiresAt.Equal(fakeTokenExpiry) {
		t.Errorf("fake row = %+v", fake)
	}
	wantSettings := map[string]any{"base_url": "https://fake.example", "api_key": "[REDACTED]"}
	if diff := cmp.Diff(wantSettings, fake.Settings); diff != "" {
		t.Errorf("settings (-want +got):\n%s", diff)
	}
	if member.InheritedVia != "fake" || member.Name != "Fake Endpoint v2" || member.Capabilities != fakeCaps ||
		member.Filter == "" || member.Settings != nil {
		t.Errorf("family row = %+v", member)
	}
	if plain.Capabilities != (connector.Capabilities{}) || plain.Health.Status != "unknown" || plain.InheritedVia != "" ||
		!plain.Health.TokenExpiresAt.IsZero() {
		t.Errorf("plain row = %+v", plain)
	}
}

func TestIntegrationHealthIsCached(t *testing.T) {
	t.Parallel()
	e := setup(t)
	status := func() (string, string) {
		rows := decode[list[integrationRow]](t, e.do("GET", "/api/v1/integrations", viewerToken, nil).want(t, http.StatusOK)).Items
		return rows[0].Health.Status, rows[0].Health.Error
	}
	if s, _ := status(); s != "ok" || e.fake.calls() != 1 {
		t.Fatalf("first check: %s after %d calls", s, e.fake.calls())
	}
	e.fake.setHealthErr(&connector.Error{Class: connector.ClassAuth, Status: 401, Message: "token expired"})
	if s, _ := status(); s != "ok" || e.fake.calls() != 1 {
		t.Errorf("within 30s: %s after %d calls, want the cached ok", s, e.fake.calls())
	}
	e.clock.Advance(31 * time.Second)
	s, msg := status()
	if s != "error" || msg == "" || e.fake.calls() != 2 {
		t.Errorf("after 31s: %s %q after %d calls", s, msg, e.fake.calls())
	}
	e.fake.setHealthErr(errors.New("still down"))
	if _, msg := status(); msg == "still down" {
		t.Error("error result was not cached")
	}
}
