package httpintake

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/alertsync/alertsync/internal/connector"
)

// readBody reads the pushed body. The API bounds it (api.MaxIntakeBody,
// the one limit for every receiver) with http.MaxBytesReader; running into
// that bound is the sender's doing and cannot succeed on retry.
func readBody(r *http.Request) ([]byte, error) {
	if r.Body == nil {
		return nil, &connector.Error{Class: connector.ClassPermanent, Status: http.StatusBadRequest, Message: "empty body"}
	}
	b, err := io.ReadAll(r.Body)
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		return nil, &connector.Error{Class: connector.ClassPermanent, Status: http.StatusRequestEntityTooLarge,
			Message: fmt.Sprintf("body over the limit of %d bytes", tooLarge.Limit)}
	case err != nil:
		return nil, &connector.Error{Class: connector.ClassRetryable, Message: "read pushed body", Err: err}
	}
	return b, nil
}

// splitPayload accepts a single object, an array of objects, or an
// {"alerts":[...]} envelope (an object whose "alerts" member is an array
// is always read as the envelope). Each element is returned verbatim.
func splitPayload(body []byte) ([]json.RawMessage, error) {
	body = bytes.TrimSpace(body)
	if !json.Valid(body) {
		return nil, malformed("body is not valid JSON")
	}
	switch {
	case len(body) > 0 && body[0] == '[':
		var list []json.RawMessage
		if err := json.Unmarshal(body, &list); err != nil {
			return nil, malformed("decode alert array")
		}
		return list, nil
	case len(body) > 0 && body[0] == '{':
		var env struct {
			Alerts json.RawMessage `json:"alerts"`
		}
		if json.Unmarshal(body, &env) == nil && bytes.HasPrefix(bytes.TrimSpace(env.Alerts), []byte("[")) {
			var list []json.RawMessage
			if err := json.Unmarshal(env.Alerts, &list); err != nil {
				return nil, malformed("decode alerts envelope")
			}
			return list, nil
		}
		return []json.RawMessage{body}, nil
	}
	return nil, malformed("want a JSON object, an array or {\"alerts\":[...]}")
}

func malformed(msg string) error {
	return &connector.Error{Class: connector.ClassPermanent, Status: http.StatusBadRequest, Message: msg}
}

// errUnauthorized is what a push with a missing or wrong key gets; the API
// answers it with 401.
var errUnauthorized = &connector.Error{Class: connector.ClassAuth, Status: http.StatusUnauthorized, Message: "missing or invalid intake key"}
