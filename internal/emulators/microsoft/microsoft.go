// Package microsoft holds what the Microsoft emulators share in the demo
// and `alertsync emulate`: the Entra ID login of one demo tenant, whose
// one app registration has permissions on every Microsoft API emulated,
// and the Azure Resource Manager host that routes to Defender for Cloud
// or Sentinel by provider namespace. Each Microsoft vendor names them in
// its registration; neither the demo nor emulate knows them.
package microsoft

import (
	"crypto/sha256"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/alertsync/alertsync/internal/emulators/emukit/arm"
	"github.com/alertsync/alertsync/internal/emulators/emukit/entra"
	"github.com/alertsync/alertsync/internal/emulators/registry"
)

// Names the Microsoft vendors use in their registrations.
const (
	Login = "entra"
	ARM   = "arm"
)

// The demo tenant, its one app registration and its one Azure
// subscription. The secret is the emulator's only: nothing real accepts it.
const (
	TenantID     = "7d2b6c1e-3f4a-4b8e-9c2d-1a5e6f7b8c9d"
	ClientID     = "4e1f9a2b-6c3d-4e5f-8a7b-2c9d0e1f3a4b"
	ClientSecret = "demo-client-secret-not-a-real-one"
	AppName      = "alertsync"
	Subscription = "20ff7fc3-e762-44dd-bd96-b71116dcdc23"
)

// Register declares the Entra login and the ARM host; every Microsoft
// vendor calls it from init() (the first call counts).
func Register() {
	registry.RegisterLogin(registry.LoginSpec{Name: Login, Title: "Entra ID token endpoint",
		Start: func(org string) registry.Login { return newEntra(org) }})
	registry.RegisterHost(registry.HostSpec{Name: ARM, Title: "Azure Resource Manager",
		Router: arm.Providers})
}

// Entra is the running login: an Entra ID token issuer with the demo app
// registered in the organisation's tenant.
type Entra struct {
	issuer *entra.Issuer
	app    entra.Client
}

func newEntra(org string) *Entra {
	tenant, client, secret := TenantID, ClientID, ClientSecret
	if org != "" {
		// Another customer of the provider: its own Entra tenant and app
		// registration, the same every run.
		tenant, client = orgGUID(org, "tenant"), orgGUID(org, "client")
		secret = "demo-client-secret-of-" + org + "-not-a-real-one"
	}
	e := &Entra{
		issuer: entra.NewIssuer(entra.Options{}),
		app:    entra.Client{Tenant: tenant, ID: client, Secret: secret, DisplayName: AppName},
	}
	e.issuer.RegisterClient(e.app)
	return e
}

// orgGUID is a GUID drawn from an organisation's name and a label.
func orgGUID(org, label string) string {
	h := sha256.Sum256([]byte(org + "/" + label))
	h[6] = h[6]&0x0f | 0x40 // version 4 and the RFC 4122 variant, as Entra's ids
	h[8] = h[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", h[0:4], h[4:6], h[6:8], h[8:10], h[10:16])
}

// TenantID is the organisation's Entra tenant id.
func (e *Entra) TenantID() string { return e.app.Tenant }

// EntraOf returns the Entra login a vendor's Start was given.
func EntraOf(l registry.Login) (*Entra, error) {
	e, ok := l.(*Entra)
	if !ok {
		return nil, fmt.Errorf("the vendor needs the %s login, got %T", Login, l)
	}
	return e, nil
}

// Grant gives the demo app permissions on the APIs with these audiences,
// as an administrator consents to an API's application permissions.
func (e *Entra) Grant(audiences ...string) {
	e.app.Audiences = append(e.app.Audiences, audiences...)
	e.issuer.RegisterClient(e.app)
}

// Issuer is the token issuer vendors check bearer tokens against.
func (e *Entra) Issuer() *entra.Issuer { return e.issuer }

// SetTokenLifetime shortens (or, with zero, restores) the lifetime of the
// tokens the login issues from now on.
func (e *Entra) SetTokenLifetime(d time.Duration) { e.issuer.SetTokenLifetime(d) }

// TokensExpired counts the login's tokens whose lifetime has ended.
func (e *Entra) TokensExpired() int { return e.issuer.TokensExpired() }

// Handler serves the v2 and v1 token endpoints.
func (e *Entra) Handler() http.Handler { return e.issuer.Handler() }

// TokenURL is the v2 token endpoint of the demo tenant under base.
func TokenURL(base string) string { return tokenURL(base, TenantID) }

func tokenURL(base, tenant string) string { return base + "/" + tenant + "/oauth2/v2.0/token" }

// Settings are the Entra app settings every Microsoft connector shares.
func (e *Entra) Settings(base string) map[string]any {
	return map[string]any{"tenant_id": e.app.Tenant, "client_id": e.app.ID, "client_secret": e.app.Secret,
		"token_url": tokenURL(base, e.app.Tenant)}
}

// Describe tells a person how to get a token.
func (e *Entra) Describe(w io.Writer, base string) {
	_, _ = fmt.Fprintf(w, "                token endpoint %s (client credentials, scope <API>/.default)\n", tokenURL(base, e.app.Tenant))
	_, _ = fmt.Fprintf(w, "                tenant %s, client %s, secret %q (emulator only), subscription %s\n",
		e.app.Tenant, e.app.ID, e.app.Secret, Subscription)
}
