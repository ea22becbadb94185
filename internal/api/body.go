package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
)

// maxBody bounds JSON request bodies. Verdicts and comments are small (a
// reason is at most model.MaxReasonLen bytes, a comment model.MaxCommentLen);
// the bound is well above both so an over-long field is answered with a
// 400 naming the field, and only a body no request needs gets the 413.
const maxBody = 1 << 20

// decodeBody reads one JSON object into dst, rejecting unknown fields and
// trailing data, and answers itself when the body is wrong: 415 for a
// Content-Type other than JSON, 413 over maxBody, 400 for a string with a
// NUL byte or invalid UTF-8 (naming it) or any other malformed body.
func decodeBody(w http.ResponseWriter, r *http.Request, dst any) bool {
	if !jsonContentType(w, r) {
		return false
	}
	body, ok := readBody(w, r)
	if !ok {
		return false
	}
	if len(bytes.TrimSpace(body)) == 0 {
		invalid(w, "request body: empty; want a JSON object")
		return false
	}
	// Checked before decoding: the decoder would silently turn invalid
	// UTF-8 into U+FFFD, leaving nothing for a later check to see.
	if err := checkJSONText(body); err != nil {
		invalid(w, "%v", err)
		return false
	}
	dec := json.NewDecoder(bytes.NewReader(body))
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

// jsonContentType accepts application/json, with at most a UTF-8 charset
// (JSON is UTF-8), and a missing Content-Type, which is how many scripts
// send; anything else is refused with 415 rather than guessed at.
func jsonContentType(w http.ResponseWriter, r *http.Request) bool {
	ct := r.Header.Get("Content-Type")
	if ct == "" {
		return true
	}
	mt, params, err := mime.ParseMediaType(ct)
	if err == nil && mt == "application/json" {
		cs, set := params["charset"]
		if !set || strings.EqualFold(cs, "utf-8") {
			return true
		}
	}
	writeError(w, http.StatusUnsupportedMediaType, codeUnsupportedType,
		"the request body must be JSON: send Content-Type: application/json")
	return false
}

// readBody reads the whole body up to maxBody, answering 413 above it.
func readBody(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		writeError(w, http.StatusRequestEntityTooLarge, codeTooLarge,
			fmt.Sprintf("the request body is over the limit of %d bytes", maxBody))
		return nil, false
	case err != nil:
		invalid(w, "request body: could not be read")
		return nil, false
	}
	return b, true
}
