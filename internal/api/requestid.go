package api

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
)

// RequestIDHeader carries a request's id both ways: a caller (or a proxy
// in front of alertsync) may send one, and every answer names the id its
// log lines and error body carry, so a user's report of a failed call
// leads to the server's lines about it.
const RequestIDHeader = "X-Request-Id"

// maxRequestIDLen bounds an id taken from a caller; longer ones are
// replaced, so a caller cannot fill log lines through the header.
const maxRequestIDLen = 128

type requestIDKey struct{}

// RequestID returns the id of the API request ctx belongs to, or "".
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}

func withRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestIDKey{}, id)
}

// requestIDFor keeps the caller's id when it is sane (1 to 128 letters,
// digits and - _ . : characters, what tracing systems and load balancers
// send) and makes a fresh one otherwise, so what reaches a log line or a
// header is never arbitrary text.
func requestIDFor(incoming string) string {
	if saneRequestID(incoming) {
		return incoming
	}
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func saneRequestID(s string) bool {
	if s == "" || len(s) > maxRequestIDLen {
		return false
	}
	for _, r := range s {
		if (r < 'a' || r > 'z') && (r < 'A' || r > 'Z') && (r < '0' || r > '9') && r != '-' && r != '_' && r != '.' && r != ':' {
			return false
		}
	}
	return true
}

// LogHandler wraps h so that every record logged with the context of an
// API request carries that request's id as request_id. The app wraps its
// root logger with it, so engine and connector lines written while serving
// a request carry the id too, once; wrapping twice changes nothing.
func LogHandler(h slog.Handler) slog.Handler {
	if _, ok := h.(requestIDHandler); ok {
		return h
	}
	return requestIDHandler{h}
}

type requestIDHandler struct{ slog.Handler }

func (h requestIDHandler) Handle(ctx context.Context, r slog.Record) error {
	if id := RequestID(ctx); id != "" {
		r.AddAttrs(slog.String("request_id", id))
	}
	return h.Handler.Handle(ctx, r)
}

func (h requestIDHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return requestIDHandler{h.Handler.WithAttrs(attrs)}
}

func (h requestIDHandler) WithGroup(name string) slog.Handler {
	return requestIDHandler{h.Handler.WithGroup(name)}
}
