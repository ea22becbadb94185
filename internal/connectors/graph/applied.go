package graph

import (
	"context"
	"fmt"
	"strings"

	"github.com/alertsync/alertsync/internal/connector"
)

// objectState is what an outcome check reads of an alert or incident:
// both carry their comments in the object itself.
type objectState struct {
	Status         string        `json:"status"`
	Classification string        `json:"classification"`
	Determination  string        `json:"determination"`
	Comments       []commentWire `json:"comments"`
}

func (c *core) readObject(ctx context.Context, ch connector.StateChange) (objectState, error) {
	var cur objectState
	if err := c.client.GetJSON(ctx, objectRef(ch.Kind, ch.VendorID), &cur); err != nil {
		return cur, fmt.Errorf("read graph %s %s: %w", kindName(ch.Kind), ch.VendorID, err)
	}
	return cur, nil
}

// StateApplied reads the object and reports whether it holds the status,
// classification and determination SetState(ch) would PATCH (those the
// PATCH leaves out are not compared).
func (c *core) StateApplied(ctx context.Context, ch connector.StateChange) (bool, connector.RemoteState, error) {
	want, err := patchFor(ch)
	if err != nil {
		return false, connector.RemoteState{}, err
	}
	cur, err := c.readObject(ctx, ch)
	if err != nil {
		return false, connector.RemoteState{}, err
	}
	applied := cur.Status == want.Status &&
		(want.Classification == "" || cur.Classification == want.Classification) &&
		(want.Determination == "" || cur.Determination == want.Determination)
	return applied, connector.RemoteState{RemoteStatus: cur.Status}, nil
}

// CommentApplied reads the object and reports whether a comment carries
// the action's marker.
func (c *core) CommentApplied(ctx context.Context, a connector.CommentAction) (bool, error) {
	cur, err := c.readObject(ctx, connector.StateChange{Kind: a.Kind, VendorID: a.VendorID})
	if err != nil {
		return false, err
	}
	mark := connector.CommentMarker(a.IdempotencyKey)
	for _, cm := range cur.Comments {
		if strings.Contains(cm.Comment, mark) {
			return true, nil
		}
	}
	return false, nil
}

// Replays: a repeated PATCH sets the same values again; a repeated
// comment POST adds a second comment (Graph takes no client comment id).
func (c *core) Replays() connector.Replays {
	return connector.Replays{State: connector.ReplayHarmless}
}

var (
	_ connector.StateChecker   = (*AlertConnector)(nil)
	_ connector.CommentChecker = (*AlertConnector)(nil)
	_ connector.ReplayReporter = (*AlertConnector)(nil)
)
