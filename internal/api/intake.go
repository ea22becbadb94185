package api

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/alertsync/alertsync/internal/connector"
)

// maxIntakeBody bounds one push; vendors batch, but not without limit.
const maxIntakeBody = 16 << 20

// intake answers POST /api/v1/intake/{integration}: pushed alerts for an
// integration whose connector receives webhooks. The connector checks the
// integration's own intake key, so this route takes no bearer token.
func (s *server) intake(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("integration")
	in, ok := s.engine.Integration(id)
	recv, isRecv := in.Connector.(connector.WebhookReceiver)
	if !ok || !isRecv {
		notFound(w, "no integration %q accepts pushed alerts", id)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxIntakeBody)
	items, err := recv.Receive(r.Context(), r)
	if err != nil {
		s.receiveFailed(w, r, id, err)
		return
	}
	res, err := s.engine.Ingest(r.Context(), id, items)
	if err != nil {
		s.fail(w, r, fmt.Errorf("ingest pushed alerts: %w", err))
		return
	}
	writeJSON(w, http.StatusAccepted, res)
}

// receiveFailed maps a connector's refusal: an auth-class error is a bad
// intake key (401, with no detail for the caller to probe with); anything
// else is a push the connector could not read (400).
func (s *server) receiveFailed(w http.ResponseWriter, r *http.Request, id string, err error) {
	var ce *connector.Error
	if errors.As(err, &ce) && ce.Class == connector.ClassAuth {
		s.log.WarnContext(r.Context(), "intake refused", "integration", id, "remote", r.RemoteAddr)
		writeError(w, http.StatusUnauthorized, codeUnauthorized, "intake key missing or wrong")
		return
	}
	s.log.InfoContext(r.Context(), "intake rejected", "integration", id, "err", err)
	invalid(w, "push rejected: %v", err)
}
