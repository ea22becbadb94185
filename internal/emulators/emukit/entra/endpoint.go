package entra

import (
	"errors"
	"fmt"
	"mime"
	"net/http"

	"github.com/alertsync/alertsync/internal/emulators/emukit"
)

// tokenResponse keeps Entra ID's field order.
type tokenResponse struct {
	TokenType    string `json:"token_type"`
	ExpiresIn    int    `json:"expires_in"`
	ExtExpiresIn int    `json:"ext_expires_in"`
	AccessToken  string `json:"access_token"`
}

// aadError is the body Entra ID sends with a refused token request.
type aadError struct {
	Error            string `json:"error"`
	ErrorDescription string `json:"error_description"`
	ErrorCodes       []int  `json:"error_codes"`
	Timestamp        string `json:"timestamp"`
	TraceID          string `json:"trace_id"`
	CorrelationID    string `json:"correlation_id"`
	ErrorURI         string `json:"error_uri"`
}

// Register mounts the v2 and v1 token endpoints on mux:
// POST /{tenant}/oauth2/v2.0/token and POST /{tenant}/oauth2/token.
func (i *Issuer) Register(mux *http.ServeMux) {
	mux.HandleFunc("POST /{tenant}/oauth2/v2.0/token", i.serveToken(false))
	mux.HandleFunc("POST /{tenant}/oauth2/token", i.serveToken(true))
}

// Handler serves only the token endpoints, for a stand-alone login host.
func (i *Issuer) Handler() http.Handler {
	mux := http.NewServeMux()
	i.Register(mux)
	return mux
}

func (i *Issuer) serveToken(v1 bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		tenant := r.PathValue("tenant")
		tok, err := i.parseAndGrant(r, tenant, v1)
		if err != nil {
			i.writeAADError(w, err)
			return
		}
		i.mu.Lock()
		ttl := int(tok.ExpiresAt.Sub(i.clock.Now()).Seconds() + 0.5)
		i.mu.Unlock()
		w.Header().Set("Cache-Control", "no-store, no-cache")
		emukit.WriteJSON(w, http.StatusOK, tokenResponse{"Bearer", ttl, ttl, tok.AccessToken})
	}
}

func (i *Issuer) parseAndGrant(r *http.Request, tenant string, v1 bool) (Token, error) {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt != "application/x-www-form-urlencoded" {
		return Token{}, fmt.Errorf("read token request: not form encoded: %w", missingParam("grant_type"))
	}
	if err := r.ParseForm(); err != nil {
		return Token{}, fmt.Errorf("read token request: %w", missingParam("grant_type"))
	}
	return i.grant(tenant, r.PostForm, v1)
}

func (i *Issuer) writeAADError(w http.ResponseWriter, err error) {
	var te *errTokenRequest
	if !errors.As(err, &te) {
		te = &errTokenRequest{http.StatusBadRequest, "invalid_request", 900144, err.Error()}
	}
	trace, corr := emukit.RequestID(), emukit.RequestID()
	now := i.clock.Now().UTC()
	desc := fmt.Sprintf("AADSTS%d: %s Trace ID: %s Correlation ID: %s Timestamp: %s",
		te.aadsts, te.text, trace, corr, now.Format("2006-01-02 15:04:05Z"))
	emukit.WriteJSON(w, te.status, aadError{
		Error:            te.code,
		ErrorDescription: desc,
		ErrorCodes:       []int{te.aadsts},
		Timestamp:        now.Format("2006-01-02 15:04:05Z"),
		TraceID:          trace,
		CorrelationID:    corr,
		ErrorURI:         "https://login.microsoftonline.com/error?code=" + fmt.Sprint(te.aadsts),
	})
}
