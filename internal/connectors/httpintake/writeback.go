package httpintake

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"

	"github.com/alertsync/alertsync/internal/config"
	"github.com/alertsync/alertsync/internal/connector"
	"github.com/alertsync/alertsync/internal/connector/httpkit"
	"github.com/alertsync/alertsync/internal/model"
)

// WritebackConnector is an intake that also writes state changes and
// comments back to the sender's URL.
type WritebackConnector struct {
	*Connector
	client *httpkit.Client
	url    string
}

func newWriteback(c *Connector, deps connector.Deps, cfg Config, s settings) (*WritebackConnector, error) {
	hc := &http.Client{}
	if deps.HTTP != nil {
		copied := *deps.HTTP
		hc = &copied
	}
	hc.Timeout = s.timeout
	var auth httpkit.Auth
	if !cfg.WritebackToken.IsZero() {
		auth = httpkit.Bearer{Token: cfg.WritebackToken}
	}
	client, err := httpkit.New(httpkit.Options{
		BaseURL:     s.writebackURL,
		Integration: deps.ID,
		Tenant:      deps.Tenant,
		HTTP:        hc,
		Auth:        auth,
		Secrets:     []config.Secret{cfg.IntakeKey, cfg.WritebackToken},
		Logger:      c.log,
		Now:         c.now,
	})
	if err != nil {
		return nil, &connector.FieldError{Field: "writeback_url", Problem: err.Error()}
	}
	return &WritebackConnector{Connector: c, client: client, url: s.writebackURL}, nil
}

type stateRequest struct {
	Action         string        `json:"action"`
	Kind           model.Kind    `json:"kind"`
	VendorID       string        `json:"vendor_id"`
	Status         model.Status  `json:"status"`
	Verdict        model.Verdict `json:"verdict"`
	Published      bool          `json:"published"`
	Reason         string        `json:"reason"`
	IdempotencyKey string        `json:"idempotency_key"`
}

type commentRequest struct {
	Action         string     `json:"action"`
	Kind           model.Kind `json:"kind"`
	VendorID       string     `json:"vendor_id"`
	Body           string     `json:"body"`
	IdempotencyKey string     `json:"idempotency_key"`
}

// IdempotencyKey derives what write-back sends as the Idempotency-Key
// header (and as idempotency_key in the body) from an outbox key: the hex
// SHA-256 of the key. Outbox keys embed vendor ids, which may hold spaces,
// non-ASCII or control characters that no header value may carry; the
// digest is always a valid header value, the same on every retry of one
// action and different for every other action.
func IdempotencyKey(outboxKey string) string {
	sum := sha256.Sum256([]byte(outboxKey))
	return hex.EncodeToString(sum[:])
}

// SetState posts the change. The receiver may answer {"remote_status":...}
// in its own vocabulary; otherwise the canonical status is what it stored.
func (w *WritebackConnector) SetState(ctx context.Context, ch connector.StateChange) (connector.RemoteState, error) {
	if ch.VendorID == "" || ch.IdempotencyKey == "" {
		return connector.RemoteState{}, connector.Permanent("set state needs a vendor id and an idempotency key")
	}
	var out struct {
		RemoteStatus string `json:"remote_status"`
	}
	key := IdempotencyKey(ch.IdempotencyKey)
	err := w.post(ctx, "set_state", key, stateRequest{
		Action: "set_state", Kind: ch.Kind, VendorID: ch.VendorID, Status: ch.Status, Verdict: ch.Verdict,
		Published: ch.Published, Reason: ch.Reason, IdempotencyKey: key,
	}, &out)
	if err != nil {
		return connector.RemoteState{}, err
	}
	if out.RemoteStatus == "" {
		out.RemoteStatus = string(ch.Status)
	}
	return connector.RemoteState{RemoteStatus: out.RemoteStatus}, nil
}

// AddComment posts the comment; the Idempotency-Key header (see
// IdempotencyKey) lets the receiver drop a retried duplicate.
func (w *WritebackConnector) AddComment(ctx context.Context, c connector.CommentAction) error {
	if c.VendorID == "" || c.IdempotencyKey == "" {
		return connector.Permanent("add comment needs a vendor id and an idempotency key")
	}
	key := IdempotencyKey(c.IdempotencyKey)
	return w.post(ctx, "add_comment", key, commentRequest{
		Action: "add_comment", Kind: c.Kind, VendorID: c.VendorID, Body: c.Body, IdempotencyKey: key,
	}, nil)
}

func (w *WritebackConnector) post(ctx context.Context, action, key string, body, out any) error {
	req, err := w.client.NewRequest(ctx, http.MethodPost, w.url, body)
	if err != nil {
		return fmt.Errorf("writeback %s: %w", action, err)
	}
	req.Header.Set("Idempotency-Key", key)
	if err := w.client.DoJSON(ctx, req, out); err != nil {
		return fmt.Errorf("writeback %s: %w", action, err)
	}
	return nil
}

// Replays: every write carries its Idempotency-Key, the same on every
// retry, for the receiver to drop a repeat; the receiver has no read API
// to check against, so the engine sends a repeat unchecked either way.
func (w *WritebackConnector) Replays() connector.Replays {
	return connector.Replays{State: connector.ReplayDeduplicated, Comment: connector.ReplayDeduplicated}
}

var _ connector.ReplayReporter = (*WritebackConnector)(nil)
