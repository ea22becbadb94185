package crowdstrike

import (
	"fmt"
	"net/http"
	"net/url"

	"github.com/alertsync/alertsync/internal/emulators/emukit"
	"github.com/alertsync/alertsync/internal/emulators/emukit/clientcreds"
)

// attrRegion is the client attribute naming its home cloud.
const attrRegion = "region"

// newIssuer plays POST /oauth2/token (form client_id, client_secret and
// an optional member_cid; 201; X-CS-Region naming the client's home
// cloud) and POST /oauth2/revoke (form token, HTTP Basic client
// credentials; 200 with meta and an empty errors list).
func (e *Emulator) newIssuer() *clientcreds.Issuer {
	return clientcreds.New(clientcreds.Options{
		Clock: e.clock, TTL: TokenTTL, Status: http.StatusCreated, RevokePath: "/oauth2/revoke",
		Fields: []string{"member_cid"}, TenantField: "member_cid",
		Header: func(h http.Header, c clientcreds.Client, _ url.Values) { h.Set("X-CS-Region", c.Attrs[attrRegion]) },
		Refuse: e.refuseToken,
		Revoked: func(w http.ResponseWriter, r *http.Request) {
			e.writeErrors(w, r, http.StatusOK, poweredByCSAM)
		},
	})
}

// AddClient registers an API client whose home cloud is region.
func (e *Emulator) AddClient(id, secret, region string) {
	e.issuer.RegisterClient(clientcreds.Client{ID: id, Secret: secret, Name: DefaultAppName, Attrs: map[string]string{attrRegion: region}})
}

// refuseToken answers a refused token request the way the token service
// does: 403 "Failed to issue access token - Client authentication
// failed" for wrong credentials (quoted in a public issue), 400 "Failed
// to generate access token for clientID=…" for a request it cannot read
// (likewise quoted; which malformed requests get it is [U]).
func (e *Emulator) refuseToken(w http.ResponseWriter, r *http.Request, rf clientcreds.Refusal) {
	if rf.Error == "invalid_client" {
		e.writeErrors(w, r, http.StatusForbidden, poweredByCSAM,
			apiError{Code: http.StatusForbidden, Message: "Failed to issue access token - Client authentication failed"})
		return
	}
	msg := fmt.Sprintf("Failed to generate access token for clientID=%s.", r.PostFormValue("client_id"))
	e.writeErrors(w, r, http.StatusBadRequest, poweredByCSAM, apiError{Code: http.StatusBadRequest, Message: msg})
}

// regional is the issuer as the API checks tokens: a token is good only
// in its client's home cloud [U: what another cloud answers is not
// documented; 401 is what the gateway sends any token it does not know].
type regional struct{ e *Emulator }

func (g regional) Validate(tok, audience string) (emukit.Principal, emukit.AuthFailure) {
	p, why := g.e.issuer.Validate(tok, audience)
	if why != emukit.AuthOK {
		return p, why
	}
	if t, ok := g.e.issuer.Lookup(tok); !ok || t.Client.Attrs[attrRegion] != g.e.opts.Region {
		return emukit.Principal{}, emukit.AuthInvalid
	}
	return p, emukit.AuthOK
}

func (g regional) Register(mux *http.ServeMux) { g.e.issuer.Register(mux) }

var _ emukit.TokenIssuer = regional{}
