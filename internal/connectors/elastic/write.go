package elastic

import (
	"context"
	"fmt"
	"net/http"

	"github.com/alertsync/alertsync/internal/connector"
	"github.com/alertsync/alertsync/internal/connector/httpkit"
)

// batchMax is how many alerts one signals/status call carries. Kibana
// sets no cap on signal_ids (unconfirmed); 1,000 is update_by_query's
// scroll batch, so every id of a call is attempted before a failure can
// end the run, and each failure names its id.
const batchMax = 1000

// MaxBatch caps the alerts the outbox groups into one SetStates.
func (c *core) MaxBatch() int { return c.batchMax }

// SetState writes one alert's status (see SetStates).
func (c *core) SetState(ctx context.Context, ch connector.StateChange) (connector.RemoteState, error) {
	res, err := c.SetStates(ctx, []connector.StateChange{ch})
	if err != nil {
		return connector.RemoteState{}, err
	}
	return res[0].State, res[0].Err
}

// SetStates writes changes that agree in everything but the alert, in
// chunks of batchMax ids. Each chunk costs one signals/search (the ids'
// current status and reason) and one signals/status:
//
//   - an alert already in the status is reported Unchanged and left out
//     of the write; so is a closed alert when the change carries no
//     reason or the reason it already has;
//   - a closed alert whose close reason differs from the one the verdict
//     gives is reopened and closed again in two more calls: Kibana keeps
//     the first reason of a re-close, and a reason contradicting the
//     verdict would mislead whoever reads the alert in Kibana;
//   - an alert the search does not find fails as not found;
//   - an alert the update_by_query answer names in its failures fails on
//     its own (a version conflict is retryable).
//
// Kibana's status script changes nothing on an alert already in the
// status but Elasticsearch still counts it updated, so the answer's
// counts cannot tell which alerts changed: the search before the write
// does. The reason text of the change is not written: the status API has
// no comment field, and comment sync posts it as a note when it is on.
func (c *core) SetStates(ctx context.Context, changes []connector.StateChange) ([]connector.ItemResult, error) {
	if len(changes) == 0 {
		return nil, nil
	}
	w, err := writeFor(changes[0])
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(changes))
	for i, ch := range changes {
		if ch.VendorID == "" {
			return nil, connector.Permanent("set state needs a vendor id")
		}
		ids[i] = ch.VendorID
	}
	out := make([]connector.ItemResult, len(changes))
	for lo := 0; lo < len(ids); lo += c.batchMax {
		hi := min(lo+c.batchMax, len(ids))
		if err := c.setChunk(ctx, w, ids[lo:hi], out[lo:hi]); err != nil {
			if lo == 0 {
				return nil, err
			}
			for i := lo; i < len(out); i++ { // earlier chunks were written
				out[i].Err = err
			}
			break
		}
	}
	return out, nil
}

// current is an alert's status and close reason as the search read them.
type current struct{ status, reason string }

// setChunk writes one chunk and fills its results.
func (c *core) setChunk(ctx context.Context, w write, ids []string, out []connector.ItemResult) error {
	cur, err := c.readStates(ctx, ids)
	if err != nil {
		return fmt.Errorf("read %d elastic alerts before writing: %w", len(ids), err)
	}
	var reopen, send []int
	for i, id := range ids {
		st, found := cur[id]
		switch {
		case !found:
			out[i].Err = &connector.Error{Class: connector.ClassNotFound, Status: http.StatusNotFound, Message: "elastic alert " + id + " not found"}
		case st.status == w.status && (w.reason == "" || st.reason == w.reason):
			out[i].State = connector.RemoteState{RemoteStatus: st.status, Unchanged: true}
		case st.status == "closed" && w.status == "closed":
			reopen, send = append(reopen, i), append(send, i)
		default:
			send = append(send, i)
		}
	}
	if len(reopen) > 0 {
		failed, err := c.writeStatus(ctx, write{status: "open"}, ids, reopen, out)
		if err != nil {
			return fmt.Errorf("reopen %d elastic alerts to change their close reason: %w", len(reopen), err)
		}
		send = without(send, failed)
	}
	if len(send) == 0 {
		return nil
	}
	if _, err := c.writeStatus(ctx, w, ids, send, out); err != nil {
		return fmt.Errorf("set %d elastic alerts %s: %w", len(send), w.status, err)
	}
	return nil
}

// readStates searches the ids' current status and reason.
func (c *core) readStates(ctx context.Context, ids []string) (map[string]current, error) {
	values := make([]any, len(ids))
	for i, id := range ids {
		values[i] = id
	}
	hits, err := c.search(ctx, searchBody{
		Query:  map[string]any{"ids": map[string]any{"values": values}},
		Size:   len(ids),
		Source: []string{fieldStatus, fieldReason},
	})
	if err != nil {
		return nil, err
	}
	out := make(map[string]current, len(hits))
	for _, raw := range hits {
		h, err := decodeSource(raw)
		if err != nil {
			return nil, err
		}
		out[h.ID] = current{status: source(h.Source).str(fieldStatus), reason: source(h.Source).str(fieldReason)}
	}
	return out, nil
}

// writeStatus sends one signals/status for the alerts at idx and records
// each one's result in out: written, or failed as the answer's failures
// say. It returns the indexes that failed.
func (c *core) writeStatus(ctx context.Context, w write, ids []string, idx []int, out []connector.ItemResult) ([]int, error) {
	body := statusBody{Status: w.status, Reason: w.reason}
	for _, i := range idx {
		body.SignalIDs = append(body.SignalIDs, ids[i])
	}
	var resp byQueryResponse
	if err := c.send(ctx, http.MethodPost, statusRef, body, &resp); err != nil {
		return nil, err
	}
	failures := map[string]byQueryFailure{}
	for _, f := range resp.Failures {
		failures[f.ID] = f
	}
	var failed []int
	for _, i := range idx {
		if f, ok := failures[ids[i]]; ok {
			out[i] = connector.ItemResult{Err: c.failureErr(f)}
			failed = append(failed, i)
			continue
		}
		out[i] = connector.ItemResult{State: connector.RemoteState{RemoteStatus: w.status}}
	}
	c.log.DebugContext(ctx, "elastic status written", "status", w.status, "alerts", len(idx), "updated", resp.Updated,
		"version_conflicts", resp.VersionConflicts, "failures", len(resp.Failures))
	return failed, nil
}

// failureErr classifies one alert's failure: a version conflict (someone
// changed the alert while Kibana wrote it) is retried, anything else by
// its status.
func (c *core) failureErr(f byQueryFailure) error {
	class := httpkit.ClassForStatus(f.Status)
	if f.Status == http.StatusConflict || f.Cause.Type == "version_conflict_engine_exception" || class == "" {
		class = connector.ClassRetryable
	}
	return &connector.Error{Class: class, Status: f.Status, Code: f.Cause.Type,
		Message: c.client.Redactor().String("elastic alert " + f.ID + ": " + f.Cause.Reason)}
}

// without returns xs minus the values in drop.
func without(xs, drop []int) []int {
	if len(drop) == 0 {
		return xs
	}
	skip := map[int]bool{}
	for _, d := range drop {
		skip[d] = true
	}
	var out []int
	for _, x := range xs {
		if !skip[x] {
			out = append(out, x)
		}
	}
	return out
}
