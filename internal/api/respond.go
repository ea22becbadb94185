package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/alertsync/alertsync/internal/engine"
	"github.com/alertsync/alertsync/internal/store"
)

// Error codes in the error body.
const (
	codeNotFound     = "not_found"
	codeInvalid      = "invalid"
	codeUnauthorized = "unauthorized"
	codeForbidden    = "forbidden"
	codeInternal     = "internal"
	codeConflict     = "conflict"
	codeUnavailable  = "unavailable"
	// codeMethodNotAllowed comes with an Allow header naming the methods
	// the path takes.
	codeMethodNotAllowed = "method_not_allowed"
	codeTooLarge         = "too_large"
	codeUnsupportedType  = "unsupported_media_type"
)

type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	// RequestID is the id the server's log lines about the request carry.
	RequestID string `json:"request_id"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		writeError(w, http.StatusInternalServerError, codeInternal, "could not encode the response")
		return
	}
	writeRaw(w, status, b)
}

func writeRaw(w http.ResponseWriter, status int, b []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = w.Write(b)
	_, _ = w.Write([]byte("\n"))
}

// writeError answers in the API's error shape. The request id comes from
// the response's own X-Request-Id header, which logRequests set before any
// handler ran: every refusal has the ResponseWriter at hand, not always
// the request.
func writeError(w http.ResponseWriter, status int, code, msg string) {
	b, _ := json.Marshal(errorBody{Error: errorDetail{Code: code, Message: msg, RequestID: w.Header().Get(RequestIDHeader)}})
	writeRaw(w, status, b)
}

// fail answers with the error's class: the caller's mistakes and missing
// objects say what was wrong, anything else is logged and reported as an
// internal error without detail.
func (s *server) fail(w http.ResponseWriter, r *http.Request, err error) {
	switch {
	case errors.Is(err, engine.ErrInvalid):
		writeError(w, http.StatusBadRequest, codeInvalid, err.Error())
	case errors.Is(err, store.ErrNotFound):
		writeError(w, http.StatusNotFound, codeNotFound, missing(r))
	case errors.Is(err, store.ErrConflict):
		writeError(w, http.StatusConflict, codeConflict, err.Error())
	default:
		s.log.ErrorContext(r.Context(), "api request failed", "route", r.Pattern, "err", err)
		writeError(w, http.StatusInternalServerError, codeInternal, "internal error")
	}
}

// missing says which object a not-found error is about. The store and the
// engine each name the lookup they made, so their message would say the
// same thing twice ("get alert 9: get alert 9: not found"); on a route
// with an {id}, the object the path names is the one that is missing.
func missing(r *http.Request) string {
	id := r.PathValue("id")
	if id == "" {
		return "not found"
	}
	_, path, _ := strings.Cut(r.Pattern, " ")
	rest, _ := strings.CutPrefix(path, "/api/v1/")
	collection, _, _ := strings.Cut(rest, "/")
	noun := map[string]string{"alerts": "alert", "incidents": "incident", "outbox": "outbox item"}[collection]
	if noun == "" {
		noun = "object"
	}
	return fmt.Sprintf("no %s with id %s", noun, id)
}

func invalid(w http.ResponseWriter, format string, args ...any) {
	writeError(w, http.StatusBadRequest, codeInvalid, fmt.Sprintf(format, args...))
}

func notFound(w http.ResponseWriter, format string, args ...any) {
	writeError(w, http.StatusNotFound, codeNotFound, fmt.Sprintf(format, args...))
}
