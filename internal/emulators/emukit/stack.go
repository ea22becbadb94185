package emukit

import (
	"net/http"
)

// Stack wires the shared plumbing around an emulator's API handler in the
// order a vendor applies it: record everything, serve the token endpoint
// (when ServeTokens), inject faults, check the bearer token, charge the rate
// budget, then handle the call.
type Stack struct {
	Issuer      TokenIssuer // nil: no bearer check
	Audience    string      // audience API calls must carry
	ServeTokens bool        // also mount the issuer's token endpoint
	Faults      *Faults
	Limiter     *RateLimiter // nil: no budget
	Recorder    *Recorder
	Errors      ErrorWriter
}

// Handler returns api wrapped in the stack.
func (s Stack) Handler(api http.Handler) http.Handler {
	h := api
	if s.Limiter != nil {
		h = s.Limiter.Middleware(nil, s.Errors)(h)
	}
	if s.Issuer != nil {
		h = Require(s.Issuer, s.Audience, s.Errors)(h)
	}
	if s.Faults != nil {
		h = s.Faults.Middleware(s.Errors)(h)
	}
	if s.ServeTokens && s.Issuer != nil {
		mux := http.NewServeMux()
		s.Issuer.Register(mux)
		mux.Handle("/", h)
		h = mux
	}
	if s.Recorder != nil {
		h = s.Recorder.Middleware(h)
	}
	return h
}
