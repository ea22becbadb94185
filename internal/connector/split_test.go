package connector_test

import (
	"context"
	"errors"
	"testing"

	"github.com/alertsync/alertsync/internal/connector"
)

func TestSplitOnRefusal(t *testing.T) {
	t.Parallel()
	changes := []connector.StateChange{{VendorID: "a"}, {VendorID: "b"}, {VendorID: "c"}}
	single := func(_ context.Context, ch connector.StateChange) (connector.RemoteState, error) {
		if ch.VendorID == "b" {
			return connector.RemoteState{}, &connector.Error{Class: connector.ClassNotFound, Message: "b is gone"}
		}
		return connector.RemoteState{RemoteStatus: "Resolved"}, nil
	}
	tests := []struct {
		name    string
		bulkErr error
		changes []connector.StateChange
		split   bool
	}{
		{"refused batch splits", &connector.Error{Class: connector.ClassNotFound}, changes, true},
		{"bad request splits", connector.Permanent("one id is invalid"), changes, true},
		{"rate limit does not", &connector.Error{Class: connector.ClassRateLimited}, changes, false},
		{"network error does not", errors.New("connection reset"), changes, false},
		{"auth does not", &connector.Error{Class: connector.ClassAuth}, changes, false},
		{"a single change does not", connector.Permanent("refused"), changes[:1], false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res, err := connector.SplitOnRefusal(t.Context(), tt.changes, tt.bulkErr, single)
			if !tt.split {
				if err == nil || res != nil {
					t.Fatalf("got %+v, %v; want the bulk error back", res, err)
				}
				return
			}
			if err != nil || len(res) != 3 {
				t.Fatalf("got %+v, %v", res, err)
			}
			if res[0].Err != nil || res[2].Err != nil || res[1].Err == nil || res[0].State.RemoteStatus != "Resolved" {
				t.Errorf("results %+v; want only b failed", res)
			}
		})
	}
}
