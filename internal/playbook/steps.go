package playbook

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/alertsync/alertsync/internal/connector"
	"github.com/alertsync/alertsync/internal/engine"
	"github.com/alertsync/alertsync/internal/model"
	"github.com/alertsync/alertsync/internal/playbook/template"
	"github.com/alertsync/alertsync/internal/store"
)

// runStep runs step i and records it in st; its output becomes node.i.
func (r *Runner) runStep(ctx context.Context, st *runState, i int, s compiledStep, item store.OutboxItem) (any, error) {
	rec := st.record(i, s, item)
	rec.StartedAt = r.o.Now().UTC()
	if s.effect() && !s.idempotent() {
		if err := r.markSending(ctx, st, &rec); err != nil {
			return nil, err
		}
	}
	start := time.Now()
	data := map[string]any{"node": st.nodes}
	in, out, err := r.exec(ctx, st, s, data, item)
	rec.Duration = time.Since(start)
	rec.Input, rec.Output = in, out
	if err != nil {
		return nil, err
	}
	rec.Status, rec.FinishedAt = store.StepSucceeded, r.o.Now().UTC()
	st.records = append(st.records, rec)
	st.added = append(st.added, out)
	if node := st.node; node != nil {
		st.node = nil
		return node, nil
	}
	var node any
	_ = json.Unmarshal(out, &node) // outputs are JSON the runner made
	return intify(node), nil
}

// idempotent reports whether repeating the step after a crash that hid
// its outcome is harmless: lookups, verdicts (the same verdict again
// changes nothing), comments, pushes and calls (keyed), and http steps
// that say so.
func (s compiledStep) idempotent() bool {
	return s.Type != StepHTTP || s.Idempotent
}

// markSending records, in a transaction of its own before the step acts,
// that it is about to: a delivery that finds the mark of an earlier
// attempt does not act again, since that attempt may have landed.
func (r *Runner) markSending(ctx context.Context, st *runState, rec *store.StepRecord) error {
	prev, err := r.o.Store.StepList(ctx, st.run.ID)
	if err != nil {
		return fmt.Errorf("read steps of run %d: %w", st.run.ID, err)
	}
	for _, p := range prev {
		if p.Index == rec.Index && p.Status == store.StepSending {
			return connector.Permanent("an earlier attempt (at %s) was interrupted after it started; its outcome is unknown and the step is not idempotent, so it is not sent again",
				p.StartedAt.Format(time.RFC3339))
		}
	}
	rec.Status = store.StepSending
	return r.o.Store.WithTx(ctx, func(tx store.Tx) error { return tx.StepUpsert(ctx, *rec) })
}

// exec runs one step: the rendered input and the output, both JSON.
func (r *Runner) exec(ctx context.Context, st *runState, s compiledStep, data map[string]any, item store.OutboxItem) (json.RawMessage, json.RawMessage, error) {
	switch s.Type {
	case StepGetAlert, StepGetIncident:
		return r.get(ctx, st, s, data)
	case StepHTTP:
		return r.httpStep(ctx, st, s, data, item)
	case StepSetVerdict:
		return r.setVerdict(ctx, st, s, data)
	case StepAddComment:
		return r.comment(ctx, st, s, data, item)
	case StepPush:
		return r.push(ctx, st, s, data, item)
	case StepCallPlaybook:
		return r.call(ctx, st, s, item)
	}
	return nil, nil, connector.Permanent("unknown step type %q", s.Type)
}

// object is the alert or incident id a step acts on: its object template,
// else the run's own object.
func (st *runState) object(ctx context.Context, s compiledStep, data map[string]any) (int64, error) {
	if s.object == nil {
		if st.run.ObjectID == 0 {
			return 0, connector.Permanent("the run has no object: give the step an object")
		}
		return st.run.ObjectID, nil
	}
	txt, err := render(ctx, s.object, data)
	if err != nil {
		return 0, err
	}
	id, err := strconv.ParseInt(strings.TrimSpace(txt), 10, 64)
	if err != nil || id < 1 {
		return 0, connector.Permanent("object %q is not an alertsync id", txt)
	}
	return id, nil
}

func render(ctx context.Context, t *template.Template, data map[string]any) (string, error) {
	out, err := t.Render(ctx, data)
	if err != nil {
		return "", connector.Permanent("render %s: %v", t.Name(), err)
	}
	return out.Text, nil
}

func (r *Runner) get(ctx context.Context, st *runState, s compiledStep, data map[string]any) (json.RawMessage, json.RawMessage, error) {
	id, err := st.object(ctx, s, data)
	if err != nil {
		return nil, nil, err
	}
	in, _ := json.Marshal(map[string]any{"id": id})
	var doc map[string]any
	if s.Type == StepGetAlert {
		a, err := r.o.Store.AlertGet(ctx, id)
		if err != nil {
			return in, nil, notFound("alert", id, err)
		}
		doc = alertDoc(a)
	} else {
		inc, err := r.o.Store.IncidentGet(ctx, id)
		if err != nil {
			return in, nil, notFound("incident", id, err)
		}
		doc = incidentDoc(inc)
	}
	out, err := json.Marshal(doc)
	if err == nil {
		// The doc is already what decoding out would give (toMap made it
		// from JSON, numbers intified), so it becomes the node as it is.
		st.node = doc
	}
	return in, out, err
}

func notFound(kind string, id int64, err error) error {
	if errors.Is(err, store.ErrNotFound) {
		return connector.Permanent("no %s %d", kind, id)
	}
	return fmt.Errorf("get %s %d: %w", kind, id, err)
}

// playbookActor is who a playbook's verdicts and comments come from.
func playbookActor(id string) model.Actor {
	return model.Actor{Kind: model.ActorRule, Name: "playbook:" + id}
}

func (r *Runner) setVerdict(ctx context.Context, st *runState, s compiledStep, data map[string]any) (json.RawMessage, json.RawMessage, error) {
	id, err := st.object(ctx, s, data)
	if err != nil {
		return nil, nil, err
	}
	reason := ""
	if s.text != nil {
		if reason, err = render(ctx, s.text, data); err != nil {
			return nil, nil, err
		}
	}
	in, _ := json.Marshal(map[string]any{"alert_id": id, "verdict": s.Verdict, "published": s.Published, "reason": reason})
	a, err := r.o.Engine.SetAlertVerdict(ctx, engine.VerdictParams{ID: id, Verdict: model.Verdict(s.Verdict),
		Published: s.Published, Reason: reason, Actor: playbookActor(st.p.Def.ID)})
	if err != nil {
		return in, nil, engineError(err)
	}
	out, _ := json.Marshal(map[string]any{"alert_id": a.ID, "status": a.Status, "verdict": a.Verdict, "revision": a.Revision})
	return in, out, nil
}

// comment adds a comment under a request key named after the step's
// outbox item: a delivery retried after its outcome was lost finds the
// comment it added instead of adding it twice.
func (r *Runner) comment(ctx context.Context, st *runState, s compiledStep, data map[string]any, item store.OutboxItem) (json.RawMessage, json.RawMessage, error) {
	id, err := st.object(ctx, s, data)
	if err != nil {
		return nil, nil, err
	}
	body, err := render(ctx, s.text, data)
	if err != nil {
		return nil, nil, err
	}
	kind := st.run.ObjectKind
	if kind == "" || s.object != nil {
		kind = model.KindAlert
	}
	in, _ := json.Marshal(map[string]any{"kind": kind, "id": id, "body": body})
	c, _, err := r.o.Engine.AddCommentOnce(ctx, kind, id, playbookActor(st.p.Def.ID), body, "playbook:"+item.Key)
	if err != nil {
		return in, nil, engineError(err)
	}
	out, _ := json.Marshal(map[string]any{"comment_id": c.ID})
	return in, out, nil
}

func (r *Runner) push(ctx context.Context, st *runState, s compiledStep, data map[string]any, item store.OutboxItem) (json.RawMessage, json.RawMessage, error) {
	id, err := st.object(ctx, s, data)
	if err != nil {
		return nil, nil, err
	}
	kind := st.run.ObjectKind
	if kind == "" || s.object != nil {
		kind = model.KindAlert
	}
	in, _ := json.Marshal(map[string]any{"kind": kind, "id": id, "integration": s.Integration})
	key, err := r.o.Engine.Push(ctx, engine.PushParams{Kind: kind, ID: id, Integration: s.Integration,
		Key: fmt.Sprintf("%s/push/%d", item.Key, id)})
	if err != nil {
		return in, nil, engineError(err)
	}
	out, _ := json.Marshal(map[string]any{"queued": key})
	return in, out, nil
}

func (r *Runner) call(ctx context.Context, st *runState, s compiledStep, item store.OutboxItem) (json.RawMessage, json.RawMessage, error) {
	in, _ := json.Marshal(map[string]any{"playbook": s.Playbook})
	ev := engine.Event{Trigger: TriggerManual, Kind: st.run.ObjectKind, ID: st.run.ObjectID}
	if err := r.objectOf(ctx, &ev); err != nil {
		return in, nil, err
	}
	runID, err := r.Start(ctx, s.Playbook, ev, fmt.Sprintf("%s/call", item.Key))
	if err != nil {
		return in, nil, engineError(err)
	}
	out, _ := json.Marshal(map[string]any{"run_id": runID})
	return in, out, nil
}

// objectOf fills the event's object from the store.
func (r *Runner) objectOf(ctx context.Context, ev *engine.Event) error {
	switch ev.Kind {
	case model.KindAlert:
		a, err := r.o.Store.AlertGet(ctx, ev.ID)
		if err != nil {
			return notFound("alert", ev.ID, err)
		}
		ev.Alert = &a
	case model.KindIncident:
		in, err := r.o.Store.IncidentGet(ctx, ev.ID)
		if err != nil {
			return notFound("incident", ev.ID, err)
		}
		ev.Incident = &in
	}
	return nil
}

// engineError classifies an engine refusal: a request the engine calls
// invalid will not become valid by retrying.
func engineError(err error) error {
	if errors.Is(err, engine.ErrInvalid) || errors.Is(err, store.ErrNotFound) {
		return connector.Permanent("%v", err)
	}
	return err
}
