package sentinel

import (
	"encoding/json"
	"fmt"

	"github.com/alertsync/alertsync/internal/connector"
)

// putBody is an Incidents_CreateOrUpdate body. The etag travels in the
// body (Sentinel ignores If-Match): a stale one answers 409.
type putBody struct {
	Etag       string                     `json:"etag,omitempty"`
	Properties map[string]json.RawMessage `json:"properties"`
}

// current is an incident as read for an update: its etag and its
// properties verbatim, so a PUT (which replaces every writable property)
// keeps whatever else an analyst set, including fields alertsync does not
// model.
type current struct {
	Etag       string                     `json:"etag"`
	Properties map[string]json.RawMessage `json:"properties"`
}

// applyChange builds the PUT body that applies ch (whose target Sentinel
// status is target) to cur, or reports false when cur already has it. An
// incident that is already closed stays as it is, classification and all:
// whoever closed it first decided how. Closing sets classification,
// classificationReason and classificationComment (the change's Reason,
// which says alertsync closed it and why); reopening clears them.
func applyChange(cur current, ch connector.StateChange, target string) (putBody, bool, error) {
	var st string
	if raw, ok := cur.Properties["status"]; ok {
		if err := json.Unmarshal(raw, &st); err != nil {
			return putBody{}, false, fmt.Errorf("read incident status: %w", err)
		}
	}
	if st == target {
		return putBody{}, false, nil
	}
	props := writable(cur.Properties)
	props["status"] = mustJSON(target)
	if target == StatusClosed {
		class, reason := classificationFor(ch)
		props["classification"] = mustJSON(class)
		delete(props, "classificationReason")
		if reason != "" {
			props["classificationReason"] = mustJSON(reason)
		}
		delete(props, "classificationComment")
		if ch.Reason != "" {
			props["classificationComment"] = mustJSON(ch.Reason)
		}
	} else {
		delete(props, "classification")
		delete(props, "classificationReason")
		delete(props, "classificationComment")
	}
	return putBody{Etag: cur.Etag, Properties: props}, true, nil
}

// writable copies the properties a client may send: read-only ones are
// dropped, and labels lose their server-set labelType.
func writable(props map[string]json.RawMessage) map[string]json.RawMessage {
	out := make(map[string]json.RawMessage, len(props))
	for k, v := range props {
		out[k] = v
	}
	for _, k := range readOnlyProperties {
		delete(out, k)
	}
	if raw, ok := out["labels"]; ok {
		var labels []map[string]json.RawMessage
		if json.Unmarshal(raw, &labels) == nil {
			for _, l := range labels {
				delete(l, "labelType")
			}
			out["labels"] = mustJSON(labels)
		}
	}
	return out
}

// mustJSON marshals values that always marshal (strings, decoded JSON).
func mustJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("sentinel: marshal %T: %v", v, err))
	}
	return b
}
