package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/alertsync/alertsync/internal/connector"
	"github.com/alertsync/alertsync/internal/model"
)

// fakeKind is registered only by these tests, under a name no vendor uses.
const fakeKind = "apitest-fake"

// intakeKey is the fake connector's push key.
const intakeKey = "intake-key-9e8d7c6b5a493827"

var registerOnce sync.Once

// registerFakeKind registers the fake kind once per test binary, with a
// secret setting and two family members.
func registerFakeKind() {
	registerOnce.Do(func() {
		connector.Register(connector.Registration{
			Kind: fakeKind, Title: "Fake console v2",
			Spec: connector.ConfigSpec{
				{Name: "base_url", Type: connector.TypeString, Description: "API root."},
				{Name: "api_key", Type: connector.TypeSecret, Description: "API key."},
			},
			New: func(connector.Deps, map[string]any) (connector.Connector, error) { return &fakeConnector{}, nil },
			Family: []connector.FamilyMember{
				{Name: "Fake Endpoint v2", Filter: "serviceSource eq 'endpoint'", Via: "fake alerts v2"},
				{Name: "Fake Identity", Filter: "serviceSource eq 'identity'", Via: "fake alerts v2"},
			},
		})
	})
}

// fakeConnector syncs state and comments, checks health and takes pushes.
type fakeConnector struct {
	mu          sync.Mutex
	healthCalls int
	healthErr   error
	// pushedEvents are the events PushEvents received.
	pushedEvents []connector.PushEvent
}

func (c *fakeConnector) Kind() string { return fakeKind }

// fakeTokenExpiry is when the fake's vendor token expires.
var fakeTokenExpiry = time.Date(2026, 12, 6, 14, 0, 0, 0, time.UTC)

// TokenExpiry reports the fake's token, as an OAuth2 connector does.
func (c *fakeConnector) TokenExpiry() (time.Time, bool) { return fakeTokenExpiry, true }

func (c *fakeConnector) SetState(context.Context, connector.StateChange) (connector.RemoteState, error) {
	return connector.RemoteState{}, nil
}

func (c *fakeConnector) AddComment(context.Context, connector.CommentAction) error { return nil }

func (c *fakeConnector) Health(context.Context) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.healthCalls++
	return c.healthErr
}

func (c *fakeConnector) calls() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.healthCalls
}

func (c *fakeConnector) setHealthErr(err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.healthErr = err
}

// pushed is the fake push format: a list of these.
type pushed struct {
	ID    string `json:"id"`
	Title string `json:"title"`
	Host  string `json:"host"`
}

// Receive checks the intake key the way a vendor connector would and maps
// each pushed alert; one without a title is returned unmapped.
func (c *fakeConnector) Receive(_ context.Context, r *http.Request) ([]connector.Item, error) {
	if r.Header.Get("X-Intake-Key") != intakeKey {
		return nil, &connector.Error{Class: connector.ClassAuth, Message: "intake key missing or wrong"}
	}
	var in []pushed
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		return nil, connector.Permanent("decode push: %v", err)
	}
	out := make([]connector.Item, 0, len(in))
	for _, p := range in {
		raw, _ := json.Marshal(p)
		it := connector.Item{VendorID: p.ID, Raw: raw}
		if p.Title == "" {
			it.Err = fmt.Errorf("pushed alert %s has no title", p.ID)
		} else {
			it.Alert = &model.Alert{Title: p.Title, Severity: model.SeverityLow, Entities: model.Entities{Hosts: []string{p.Host}}}
		}
		out = append(out, it)
	}
	return out, nil
}

// plainConnector has no optional capability at all.
type plainConnector struct{}

func (plainConnector) Kind() string { return "apitest-plain" }

var (
	_ connector.StateSyncer     = (*fakeConnector)(nil)
	_ connector.Commenter       = (*fakeConnector)(nil)
	_ connector.HealthChecker   = (*fakeConnector)(nil)
	_ connector.WebhookReceiver = (*fakeConnector)(nil)
)

// PushEvents records what was pushed to the fake's intake.
func (c *fakeConnector) PushEvents(_ context.Context, events []connector.PushEvent) ([]string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	ids := make([]string, len(events))
	for i, ev := range events {
		c.pushedEvents = append(c.pushedEvents, ev)
		ids[i] = fmt.Sprintf("event-%d", len(c.pushedEvents))
	}
	return ids, nil
}

// FetchEvidence makes the fake an evidence source; the tests ingest its
// records through the engine directly.
func (c *fakeConnector) FetchEvidence(context.Context, string) (connector.EvidencePage, error) {
	return connector.EvidencePage{}, nil
}

// Feeds reports one healthy feed and one failing.
func (c *fakeConnector) Feeds(context.Context) ([]connector.Feed, error) {
	at := time.Date(2025, 3, 4, 5, 0, 0, 0, time.UTC)
	return []connector.Feed{
		{Name: "Audit.Exchange", Status: "enabled", LastContentAt: at},
		{Name: "DLP.All", Status: "disabled", LastError: "AF20023: the subscription was disabled", LastErrorAt: at},
	}, nil
}
