package httpkit

import (
	"context"
	"crypto/rand"
	"errors"
	"io"
	"net/http"
	"time"

	"github.com/alertsync/alertsync/internal/config"
)

// SignFunc sets the credential headers of one request. at is the time to
// sign with and random a source of fresh randomness (for a nonce); a
// vendor whose signature covers the request itself reads req's method, URL
// and headers (and its body through req.GetBody).
type SignFunc func(req *http.Request, at time.Time, random io.Reader) error

// Signed is an Auth for vendors that sign every request anew from the
// current time and a nonce, with a key that never travels itself (Cortex
// XDR's advanced API keys, HMAC-signed APIs). Nothing is cached, so a
// request the Client resends after a 401 is signed again with a new nonce.
type Signed struct {
	// Sign sets the headers; required.
	Sign SignFunc
	// Secrets are the keys Sign uses. They are redacted from every error
	// of a Client using this Auth, without being listed again in
	// Options.Secrets.
	Secrets []config.Secret
	// Now is the clock signatures are stamped with; nil means time.Now.
	Now func() time.Time
	// Random is the nonce source; nil means crypto/rand.
	Random io.Reader
}

// errNoSignFunc is a programming error: a Signed without its SignFunc.
var errNoSignFunc = errors.New("signed auth has no sign function")

// Apply signs req.
func (s Signed) Apply(_ context.Context, req *http.Request) error {
	if s.Sign == nil {
		return errNoSignFunc
	}
	now, random := time.Now, s.Random
	if s.Now != nil {
		now = s.Now
	}
	if random == nil {
		random = rand.Reader
	}
	return s.Sign(req, now(), random)
}

// Invalidate does nothing: every request is signed afresh anyway.
func (Signed) Invalidate() {}

func (s Signed) redactValues() []string {
	out := make([]string, 0, len(s.Secrets))
	for _, k := range s.Secrets {
		out = append(out, k.Reveal())
	}
	return out
}

var _ Auth = Signed{}
