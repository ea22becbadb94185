package playbook

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/alertsync/alertsync/internal/engine"
	"github.com/alertsync/alertsync/internal/model"
	"github.com/alertsync/alertsync/internal/store"
)

// Preview is one step of a dry run: what it would send, rendered against
// a stored object, secrets masked; nothing is sent.
type Preview struct {
	Step  int             `json:"step"`
	Name  string          `json:"name"`
	Type  string          `json:"type"`
	Input json.RawMessage `json:"input,omitempty"`
	// Output is set for lookups, which a dry run does perform (they
	// change nothing), so later steps render with what they return.
	Output json.RawMessage `json:"output,omitempty"`
	Error  string          `json:"error,omitempty"`
}

// DryRun renders each step of the playbook against a stored alert or
// incident as if the trigger had fired on it, without sending anything.
func (r *Runner) DryRun(ctx context.Context, id string, kind model.Kind, objectID int64) ([]Preview, error) {
	p, ok := r.Get(id)
	if !ok {
		return nil, fmt.Errorf("%w: no playbook %q", engine.ErrInvalid, id)
	}
	ev := engine.Event{Trigger: p.Def.Trigger.Type, Kind: kind, ID: objectID}
	if err := r.objectOf(ctx, &ev); err != nil {
		return nil, fmt.Errorf("%w: %w", engine.ErrInvalid, err)
	}
	st := &runState{run: store.Run{PlaybookID: id, ObjectKind: kind, ObjectID: objectID}, p: p, nodes: []any{node0(ev)}}
	out := make([]Preview, 0, len(p.steps))
	for i, s := range p.steps {
		pv := Preview{Step: i + 1, Name: s.label(), Type: s.Type}
		in, node, err := r.preview(ctx, st, s)
		pv.Input = in
		if err != nil {
			pv.Error = err.Error()
		}
		if node != nil {
			pv.Output, _ = json.Marshal(node)
		}
		st.nodes = append(st.nodes, node)
		out = append(out, pv)
	}
	return out, nil
}

// preview renders one step: lookups run, everything else only renders.
func (r *Runner) preview(ctx context.Context, st *runState, s compiledStep) (json.RawMessage, any, error) {
	data := map[string]any{"node": st.nodes}
	switch s.Type {
	case StepGetAlert, StepGetIncident:
		in, out, err := r.get(ctx, st, s, data)
		var node any
		_ = json.Unmarshal(out, &node)
		return in, node, err
	case StepHTTP:
		rq, err := r.buildRequest(ctx, s, data, "alertsync-dry-run")
		if err != nil {
			return nil, nil, err
		}
		r.mu.RLock()
		guard := st.p.guard
		r.mu.RUnlock()
		in := redactJSON(rq.input, rq.secrets)
		return in, nil, guard.CheckURL(ctx, rq.input.URL)
	}
	in := map[string]any{"type": s.Type}
	if s.text != nil {
		txt, err := render(ctx, s.text, data)
		if err != nil {
			return nil, nil, err
		}
		in["text"] = txt
	}
	b, _ := json.Marshal(in)
	return b, nil, nil
}
