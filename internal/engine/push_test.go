package engine_test

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"testing"

	"github.com/alertsync/alertsync/internal/connector"
	"github.com/alertsync/alertsync/internal/engine"
	"github.com/alertsync/alertsync/internal/model"
)

// intake is a connector that takes pushed events, like a Sekoia.io HTTP
// intake.
type intake struct {
	mu     sync.Mutex
	events []connector.PushEvent
}

func (i *intake) Kind() string { return "intake" }
func (i *intake) PushEvents(_ context.Context, evs []connector.PushEvent) ([]string, error) {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.events = append(i.events, evs...)
	return make([]string, len(evs)), nil
}

// TestPushDeliversOCSFOnce: a pushed alert reaches the intake once as an
// OCSF Detection Finding, however often the push was asked for at one
// revision; an unknown integration or one without an intake is refused.
func TestPushDeliversOCSFOnce(t *testing.T) {
	t.Parallel()
	h := setup(t, engine.DefaultPolicy())
	in := &intake{}
	h.eng.AddIntegration(engine.Integration{ID: "sekoia", Kind: "intake", Policy: engine.DefaultPolicy(), Connector: in})
	ctx := t.Context()
	if _, err := h.eng.Ingest(ctx, "edr", []connector.Item{vendorAlert("a1", "New", "ws-1")}); err != nil {
		t.Fatal(err)
	}
	a := h.alert(t, "a1")
	for range 2 {
		if _, err := h.eng.Push(ctx, engine.PushParams{Kind: model.KindAlert, ID: a.ID, Integration: "sekoia"}); err != nil {
			t.Fatal(err)
		}
	}
	h.deliverAll(t)
	if len(in.events) != 1 {
		t.Fatalf("events pushed = %d, want 1", len(in.events))
	}
	var finding struct {
		ClassUID int `json:"class_uid"`
		Finding  struct {
			UID string `json:"uid"`
		} `json:"finding_info"`
	}
	if err := json.Unmarshal(in.events[0].Body, &finding); err != nil || finding.ClassUID != 2004 {
		t.Errorf("pushed body = %s (%v), want an OCSF Detection Finding (class 2004)", in.events[0].Body, err)
	}
	for _, target := range []string{"nope", "edr"} {
		_, err := h.eng.Push(ctx, engine.PushParams{Kind: model.KindAlert, ID: a.ID, Integration: target})
		if !errors.Is(err, engine.ErrInvalid) {
			t.Errorf("push to %s: %v, want ErrInvalid", target, err)
		}
	}
}
