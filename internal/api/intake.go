package api

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/alertsync/alertsync/internal/connector"
	"github.com/alertsync/alertsync/internal/store"
)

// MaxIntakeBody bounds one push, for every receiving connector: the one
// limit on pushed bodies (connectors read what the API lets through). A
// sender with more should split its batch; a larger body is answered 413.
const MaxIntakeBody = 10 << 20

// intake answers POST /api/v1/intake/{integration}: pushed alerts for an
// integration whose connector receives webhooks. The connector checks the
// integration's own intake key, so this route takes no bearer token. An
// id that names no receiving integration gets a decoy that checks the
// key like a connector would and always refuses it, so an unknown id and
// a wrong key get the same 401 and cannot be told apart.
func (s *server) intake(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("integration")
	recv := s.receiver(id)
	body := &cappedBody{ReadCloser: http.MaxBytesReader(w, r.Body, MaxIntakeBody)}
	r.Body = body
	items, err := recv.Receive(r.Context(), r)
	if body.over {
		writeError(w, http.StatusRequestEntityTooLarge, codeTooLarge,
			fmt.Sprintf("the push is over the limit of %d bytes (%d MiB); split the batch", MaxIntakeBody, MaxIntakeBody>>20))
		return
	}
	if err != nil {
		s.receiveFailed(w, r, id, err)
		return
	}
	res, err := s.engine.Ingest(r.Context(), id, items)
	if errors.Is(err, store.ErrConflict) {
		// The push lost races with another writer of the same alerts
		// (another replica's) through every retry: nothing is wrong with
		// it, so it is asked again rather than refused, in the answer
		// webhook senders retry.
		s.log.InfoContext(r.Context(), "intake push lost a race; asking for a retry", "integration", id, "err", err)
		w.Header().Set("Retry-After", "1")
		writeError(w, http.StatusServiceUnavailable, codeUnavailable, "another writer is storing the same alerts; push again")
		return
	}
	if err != nil {
		s.fail(w, r, fmt.Errorf("ingest pushed alerts: %w", err))
		return
	}
	writeJSON(w, http.StatusAccepted, res)
}

// receiver returns the integration's receiver, or the decoy.
func (s *server) receiver(id string) connector.WebhookReceiver {
	in, ok := s.engine.Integration(id)
	recv, isRecv := in.Connector.(connector.WebhookReceiver)
	if !ok || !isRecv {
		return decoy
	}
	return recv
}

// receiveFailed maps a connector's refusal: an auth-class error is a bad
// intake key (401, with no detail for the caller to probe with); anything
// else is a push the connector could not read (400). This is the one line
// logged about a refused push: it covers the decoy too, which a
// connector's own line would not.
func (s *server) receiveFailed(w http.ResponseWriter, r *http.Request, id string, err error) {
	var ce *connector.Error
	if errors.As(err, &ce) && ce.Class == connector.ClassAuth {
		s.log.WarnContext(r.Context(), "intake refused: missing or wrong intake key", "integration", id, "remote", r.RemoteAddr)
		writeError(w, http.StatusUnauthorized, codeUnauthorized, "intake key missing or wrong")
		return
	}
	s.log.InfoContext(r.Context(), "intake rejected", "integration", id, "err", err)
	invalid(w, "push rejected: %v", err)
}

// cappedBody notes when a push ran into MaxIntakeBody, so the answer is
// 413 however the connector reported the failed read.
type cappedBody struct {
	io.ReadCloser
	over bool
}

func (b *cappedBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		b.over = true
	}
	return n, err
}

// decoyReceiver stands in for an integration that does not exist or takes
// no pushes. It does the work a connector's key check does (read the key,
// hash it, compare in constant time against a random digest) and refuses.
type decoyReceiver struct{ digest [sha256.Size]byte }

var decoy = newDecoy()

func newDecoy() *decoyReceiver {
	d := &decoyReceiver{}
	_, _ = rand.Read(d.digest[:])
	return d
}

func (d *decoyReceiver) Receive(_ context.Context, r *http.Request) ([]connector.Item, error) {
	key := r.Header.Get("X-Alertsync-Intake-Key")
	if _, tok, ok := strings.Cut(r.Header.Get("Authorization"), " "); ok && key == "" {
		key = strings.TrimSpace(tok)
	}
	sum := sha256.Sum256([]byte(key))
	// The outcome does not matter (nothing hashes to a random digest); the
	// work is done so this refusal takes as long as a real one.
	_ = subtle.ConstantTimeCompare(sum[:], d.digest[:])
	return nil, &connector.Error{Class: connector.ClassAuth, Message: "intake key missing or wrong"}
}
