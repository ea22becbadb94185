package httpkit

import (
	"errors"
	"net/url"
	"regexp"
	"strings"

	"github.com/alertsync/alertsync/internal/config"
)

const redacted = "[REDACTED]"

// Shapes of credentials that may surface in vendor messages or transport
// errors even when we do not know the value: bearer tokens, OAuth form and
// JSON fields, and JWTs.
var (
	bearerRe = regexp.MustCompile(`(?i)\b(bearer)\s+[A-Za-z0-9\-._~+/]+=*`)
	fieldRe  = regexp.MustCompile(`(?i)\b(client_secret|access_token|refresh_token|id_token|assertion|password|api_?key)("?\s*[:=]\s*"?)[^"&\s,;}]+`)
	jwtRe    = regexp.MustCompile(`\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*`)
)

// Redactor removes credentials from text before it becomes part of an error.
// Besides the configured values it strips anything shaped like a bearer
// token, an OAuth secret field or a JWT, so a token we never saw (one a
// vendor echoes back, say) is caught too.
type Redactor struct {
	values  []string
	sources []func() []string
}

// NewRedactor returns a Redactor for the given secrets; empty ones are ignored.
func NewRedactor(secrets ...config.Secret) *Redactor {
	r := &Redactor{}
	for _, s := range secrets {
		r.add(s.Reveal())
	}
	return r
}

func (r *Redactor) add(v string) {
	if v == "" {
		return
	}
	r.values = append(r.values, v)
	if q := url.QueryEscape(v); q != v {
		r.values = append(r.values, q)
	}
}

// addSource registers values that change over time, such as the current
// access token of an OAuth2 auth.
func (r *Redactor) addSource(f func() []string) { r.sources = append(r.sources, f) }

// String redacts s.
func (r *Redactor) String(s string) string {
	if r != nil {
		for _, v := range r.values {
			s = strings.ReplaceAll(s, v, redacted)
		}
		for _, src := range r.sources {
			for _, v := range src() {
				if v != "" {
					s = strings.ReplaceAll(s, v, redacted)
				}
			}
		}
	}
	s = bearerRe.ReplaceAllString(s, "$1 "+redacted)
	s = fieldRe.ReplaceAllString(s, "$1$2"+redacted)
	return jwtRe.ReplaceAllString(s, redacted)
}

// Error returns err with its text redacted, or nil. The result answers
// errors.Is for the original chain (so context.Canceled and
// context.DeadlineExceeded stay recognisable) but does not unwrap to it,
// so no caller can reach the unredacted text through errors.Unwrap.
func (r *Redactor) Error(err error) error {
	if err == nil {
		return nil
	}
	return &redactedError{msg: r.String(err.Error()), orig: err}
}

type redactedError struct {
	msg  string
	orig error
}

func (e *redactedError) Error() string { return e.msg }

// Is reports whether the original error matches target.
func (e *redactedError) Is(target error) bool { return errors.Is(e.orig, target) }

// Timeout reports whether the original error was a timeout, as net.Error does.
func (e *redactedError) Timeout() bool {
	var t interface{ Timeout() bool }
	return errors.As(e.orig, &t) && t.Timeout()
}
