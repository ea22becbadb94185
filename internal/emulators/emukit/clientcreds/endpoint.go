package clientcreds

import (
	"mime"
	"net/http"
	"net/url"
	"time"

	"github.com/alertsync/alertsync/internal/emulators/emukit"
)

// Options configure an Issuer. The zero value is a plain RFC 6749 server
// answering 200 with hour-long tokens at /oauth2/token.
type Options struct {
	Clock emukit.Clock // real clock when nil
	// TTL is the token lifetime (DefaultTTL when zero); expires_in says
	// it in whole seconds.
	TTL time.Duration
	// Status is the success status of a token request (200 when zero).
	Status int
	// TokenType is the token_type answered ("bearer" when empty).
	TokenType string
	// TokenPath is where the token endpoint is mounted ("/oauth2/token"
	// when empty); RevokePath, when set, mounts revocation there.
	TokenPath  string
	RevokePath string
	// Fields are optional extra form fields a token request may carry;
	// they are kept on the token. TenantField names the one (if any) that
	// becomes the Principal's Tenant.
	Fields      []string
	TenantField string
	// Check, when set, vets a token request's client and extra fields
	// after its credentials passed; a non-nil Refusal refuses it.
	Check func(c Client, fields url.Values) *Refusal
	// Header, when set, adds vendor headers to a successful token answer.
	Header func(h http.Header, c Client, fields url.Values)
	// Refuse writes a refusal in the vendor's words; nil writes the RFC
	// 6749 JSON body {"error","error_description"}.
	Refuse func(w http.ResponseWriter, r *http.Request, rf Refusal)
	// Revoked writes the answer to a successful revocation; nil answers
	// 200 with an empty JSON object.
	Revoked func(w http.ResponseWriter, r *http.Request)
}

func (o *Options) defaults() {
	if o.TTL <= 0 {
		o.TTL = DefaultTTL
	}
	if o.Status == 0 {
		o.Status = http.StatusOK
	}
	if o.TokenType == "" {
		o.TokenType = "bearer"
	}
	if o.TokenPath == "" {
		o.TokenPath = "/oauth2/token"
	}
}

// Refusal is why a token or revocation request was refused: the HTTP
// status RFC 6749 gives it, the RFC's error code (invalid_request,
// invalid_client, unsupported_grant_type) and a description. A vendor's
// Refuse hook may answer with a status of its own.
type Refusal struct {
	Status      int
	Error       string
	Description string
}

// Refusals the issuer makes itself.
var (
	refuseNotForm   = Refusal{http.StatusBadRequest, "invalid_request", "the request body must be form encoded"}
	refuseMissing   = Refusal{http.StatusBadRequest, "invalid_request", "client_id and client_secret are required"}
	refuseBadClient = Refusal{http.StatusUnauthorized, "invalid_client", "client authentication failed"}
	refuseGrant     = Refusal{http.StatusBadRequest, "unsupported_grant_type", "only client_credentials is supported"}
	refuseNoToken   = Refusal{http.StatusBadRequest, "invalid_request", "token is required"}
	refuseBadForm   = Refusal{http.StatusBadRequest, "invalid_request", "the form could not be read"}
)

// tokenBody is the RFC 6749 section 5.1 answer.
type tokenBody struct {
	AccessToken string `json:"access_token"`
	TokenType   string `json:"token_type"`
	ExpiresIn   int    `json:"expires_in"`
}

// Register mounts the token endpoint (and revocation, when configured)
// on mux.
func (i *Issuer) Register(mux *http.ServeMux) {
	mux.HandleFunc("POST "+i.opts.TokenPath, i.serveToken)
	if i.opts.RevokePath != "" {
		mux.HandleFunc("POST "+i.opts.RevokePath, i.serveRevoke)
	}
}

// Handler serves only the issuer's endpoints.
func (i *Issuer) Handler() http.Handler {
	mux := http.NewServeMux()
	i.Register(mux)
	return mux
}

func (i *Issuer) serveToken(w http.ResponseWriter, r *http.Request) {
	form, rf := readForm(r)
	if rf != nil {
		i.refuse(w, r, *rf)
		return
	}
	if g := form.Get("grant_type"); g != "" && g != "client_credentials" {
		i.refuse(w, r, refuseGrant)
		return
	}
	id, secret := form.Get("client_id"), form.Get("client_secret")
	if id == "" || secret == "" {
		i.refuse(w, r, refuseMissing)
		return
	}
	c, ok := i.Authenticate(id, secret)
	if !ok {
		i.refuse(w, r, refuseBadClient)
		return
	}
	fields := url.Values{}
	for _, f := range i.opts.Fields {
		if v := form.Get(f); v != "" {
			fields.Set(f, v)
		}
	}
	if i.opts.Check != nil {
		if rf := i.opts.Check(c, fields); rf != nil {
			i.refuse(w, r, *rf)
			return
		}
	}
	i.mu.Lock()
	tok := i.mintLocked(c, fields)
	ttl := int(i.ttl / time.Second)
	i.mu.Unlock()
	if i.opts.Header != nil {
		i.opts.Header(w.Header(), c, fields)
	}
	w.Header().Set("Cache-Control", "no-store")
	emukit.WriteJSON(w, i.opts.Status, tokenBody{tok.AccessToken, i.opts.TokenType, ttl})
}

// serveRevoke revokes a token of the authenticated client (HTTP Basic, or
// client_id and client_secret in the form). As RFC 7009 says, an unknown
// token is not an error.
func (i *Issuer) serveRevoke(w http.ResponseWriter, r *http.Request) {
	form, rf := readForm(r)
	if rf != nil {
		i.refuse(w, r, *rf)
		return
	}
	id, secret, ok := r.BasicAuth()
	if !ok {
		id, secret = form.Get("client_id"), form.Get("client_secret")
	}
	c, ok := i.Authenticate(id, secret)
	if !ok {
		i.refuse(w, r, refuseBadClient)
		return
	}
	tok := form.Get("token")
	if tok == "" {
		i.refuse(w, r, refuseNoToken)
		return
	}
	if t, live := i.Lookup(tok); live && t.Client.ID == c.ID {
		i.Revoke(tok)
	}
	if i.opts.Revoked != nil {
		i.opts.Revoked(w, r)
		return
	}
	emukit.WriteJSON(w, http.StatusOK, struct{}{})
}

func readForm(r *http.Request) (url.Values, *Refusal) {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/x-www-form-urlencoded" {
		return nil, &refuseNotForm
	}
	if err := r.ParseForm(); err != nil {
		return nil, &refuseBadForm
	}
	return r.PostForm, nil
}

func (i *Issuer) refuse(w http.ResponseWriter, r *http.Request, rf Refusal) {
	if i.opts.Refuse != nil {
		i.opts.Refuse(w, r, rf)
		return
	}
	emukit.WriteJSON(w, rf.Status, map[string]string{"error": rf.Error, "error_description": rf.Description})
}
