package api

import (
	"context"
	"net/http"

	"github.com/alertsync/alertsync/internal/engine"
	"github.com/alertsync/alertsync/internal/model"
)

type verdictRequest struct {
	Verdict   model.Verdict `json:"verdict"`
	Published bool          `json:"published"`
	Reason    string        `json:"reason"`
}

// setVerdict answers POST /api/v1/{alerts|incidents}/{id}/verdict. The
// engine checks the verdict and applies the integration's policy; the
// answer is the object as it now stands, without the raw vendor payload
// (as in lists): the payload can be megabytes and the caller already knows
// it, so only the object's own GET returns it.
func (s *server) setVerdict(kind model.Kind) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, ok := pathID(w, r)
		if !ok {
			return
		}
		var req verdictRequest
		if !decodeBody(w, r, &req) {
			return
		}
		if err := model.CheckText("reason", req.Reason, model.MaxReasonLen); err != nil {
			invalid(w, "%v", err)
			return
		}
		p := engine.VerdictParams{
			ID: id, Verdict: req.Verdict, Published: req.Published, Reason: req.Reason,
			Actor: model.Actor{Kind: model.ActorAnalyst, Name: principalFrom(r.Context()).Name},
		}
		out, err := s.applyVerdict(r.Context(), kind, p)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, out)
	}
}

// applyVerdict hands the verdict to the engine for the object's kind and
// returns the object without its raw payload.
func (s *server) applyVerdict(ctx context.Context, kind model.Kind, p engine.VerdictParams) (any, error) {
	if kind == model.KindAlert {
		a, err := s.engine.SetAlertVerdict(ctx, p)
		a.Raw = nil
		return a, err
	}
	in, err := s.engine.SetIncidentVerdict(ctx, p)
	in.Raw = nil
	return cleanIncident(in), err
}
