package httpkit

import (
	"cmp"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/alertsync/alertsync/internal/connector"
)

// Limits on what an error keeps of a vendor's answer: enough to diagnose,
// never a whole page of HTML in a log line.
const (
	maxErrorBody    = 64 << 10
	maxErrorMessage = 512
	maxErrorCode    = 128
)

// ClassForStatus maps an HTTP status to how the outbox and the poller should
// treat it. Statuses below 400 have no class and return "". 408 and 425
// (Too Early, RFC 8470: the server will not process a request that might be
// replayed yet, and the client may retry it later) are retryable by
// definition, like the 5xx.
func ClassForStatus(status int) connector.Class {
	switch {
	case status < 400:
		return ""
	case status == http.StatusTooManyRequests:
		return connector.ClassRateLimited
	case status == http.StatusUnauthorized, status == http.StatusForbidden:
		return connector.ClassAuth
	case status == http.StatusNotFound:
		return connector.ClassNotFound
	case status == http.StatusConflict, status == http.StatusPreconditionFailed:
		return connector.ClassConflict
	case status == http.StatusRequestTimeout, status == http.StatusTooEarly, status >= 500:
		return connector.ClassRetryable
	}
	return connector.ClassPermanent
}

// RetryForbidden returns an Options.Classify hook that makes a 403 whose
// error code is one of codes (compared case-insensitively) retryable
// instead of auth. Some APIs answer a principal whose access is still being
// set up with a 403 that a later attempt gets past; retrying it with backoff
// keeps the integration running, while a 403 with any other code still
// means the credentials lack a permission and stays auth. The vendor
// package names the codes; the kit knows none of them.
func RetryForbidden(codes ...string) func(e *connector.Error, h http.Header) {
	codes = slices.Clone(codes)
	return func(e *connector.Error, _ http.Header) {
		if e.Status != http.StatusForbidden || e.Class != connector.ClassAuth {
			return
		}
		if slices.ContainsFunc(codes, func(c string) bool { return strings.EqualFold(c, e.Code) }) {
			e.Class = connector.ClassRetryable
		}
	}
}

// ParseRetryAfter reads a Retry-After value: delay seconds, including the
// fractional form some Microsoft APIs send ("2.128"), or an HTTP date. It
// returns zero when the value is missing, malformed or already past, which
// tells the caller to fall back to its own backoff.
func ParseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if secs, err := strconv.ParseFloat(v, 64); err == nil {
		if secs <= 0 || secs > float64(24*time.Hour/time.Second) {
			return 0
		}
		return time.Duration(secs * float64(time.Second))
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := t.Sub(now); d > 0 {
			return d
		}
	}
	return 0
}

// defaultRetryAfter reads the standard header; vendors with their own
// header (an epoch timestamp, say) supply Options.RetryAfter instead.
func defaultRetryAfter(h http.Header, now time.Time) time.Duration {
	return ParseRetryAfter(h.Get("Retry-After"), now)
}

// errorBody holds the error envelopes seen across vendors: OData/ARM
// {"error":{"code","message"}}, OAuth {"error":"...","error_description"},
// {"errors":[{"code","message"}]} and a bare {"code","message"}.
type errorBody struct {
	Error            json.RawMessage `json:"error"`
	ErrorDescription string          `json:"error_description"`
	Errors           []struct {
		Code    json.RawMessage `json:"code"`
		Message string          `json:"message"`
		// SentinelOne: {"errors":[{"code","detail","title"}]}.
		Detail string `json:"detail"`
		Title  string `json:"title"`
	} `json:"errors"`
	Code    json.RawMessage `json:"code"`
	Message string          `json:"message"`
	// Cortex XDR: {"reply":{"err_code","err_msg","err_extra"}}.
	Reply struct {
		ErrCode json.RawMessage `json:"err_code"`
		ErrMsg  string          `json:"err_msg"`
	} `json:"reply"`
}

// parseErrorBody extracts a code and a message from a vendor error body,
// falling back to the body as plain text.
func parseErrorBody(body []byte) (code, msg string) {
	var eb errorBody
	if json.Unmarshal(body, &eb) == nil {
		var inner struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		}
		var s string
		switch {
		case len(eb.Error) > 0 && json.Unmarshal(eb.Error, &inner) == nil && (inner.Code != "" || inner.Message != ""):
			return inner.Code, inner.Message
		case len(eb.Error) > 0 && json.Unmarshal(eb.Error, &s) == nil && s != "":
			// OAuth's error_description, or Kibana's
			// {"statusCode","error":"Bad Request","message"}.
			return s, cmp.Or(eb.ErrorDescription, eb.Message)
		case len(eb.Errors) > 0:
			e := eb.Errors[0]
			msg := cmp.Or(e.Message, e.Detail, e.Title)
			if e.Message == "" && e.Detail != "" && e.Title != "" {
				msg = e.Title + ": " + e.Detail
			}
			return rawText(e.Code), msg
		case eb.Reply.ErrMsg != "":
			return rawText(eb.Reply.ErrCode), eb.Reply.ErrMsg
		case eb.Message != "" || len(eb.Code) > 0:
			return rawText(eb.Code), eb.Message
		}
	}
	return "", strings.TrimSpace(string(body))
}

// rawText renders a JSON string or number as text.
func rawText(r json.RawMessage) string {
	var s string
	if json.Unmarshal(r, &s) == nil {
		return s
	}
	return strings.Trim(string(r), `"`)
}

// truncate cuts s to at most n bytes on a rune boundary.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// oneLine keeps messages to a single line so they read well in logs.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
