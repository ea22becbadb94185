package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"

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
)

// maxBody bounds JSON request bodies; verdicts and comments are small.
const maxBody = 1 << 20

type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Code    string `json:"code"`
	Message string `json:"message"`
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

func writeError(w http.ResponseWriter, status int, code, msg string) {
	b, _ := json.Marshal(errorBody{Error: errorDetail{Code: code, Message: msg}})
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
		writeError(w, http.StatusNotFound, codeNotFound, err.Error())
	case errors.Is(err, store.ErrConflict):
		writeError(w, http.StatusConflict, codeConflict, err.Error())
	default:
		s.log.ErrorContext(r.Context(), "api request failed", "route", r.Pattern, "err", err)
		writeError(w, http.StatusInternalServerError, codeInternal, "internal error")
	}
}

func invalid(w http.ResponseWriter, format string, args ...any) {
	writeError(w, http.StatusBadRequest, codeInvalid, fmt.Sprintf(format, args...))
}

func notFound(w http.ResponseWriter, format string, args ...any) {
	writeError(w, http.StatusNotFound, codeNotFound, fmt.Sprintf(format, args...))
}

// decodeBody reads one JSON object into dst, rejecting unknown fields and
// trailing data, and answers 400 itself when the body is wrong.
func decodeBody(w http.ResponseWriter, r *http.Request, dst any) bool {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		invalid(w, "request body: %v", err)
		return false
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		invalid(w, "request body: want a single JSON object")
		return false
	}
	return true
}
