package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/url"

	"github.com/alertsync/alertsync/internal/config"
	"github.com/alertsync/alertsync/internal/connector"
	"github.com/alertsync/alertsync/internal/engine"
	"github.com/alertsync/alertsync/internal/model"
	"github.com/alertsync/alertsync/internal/secrets"
	"github.com/alertsync/alertsync/internal/store"
)

// loadIntegrations stores every configured integration, its secret
// settings sealed with the tenant's data key (made here if the tenant has
// none yet), then builds connectors from what the database holds, so the
// stored form is the one that runs. Rows no longer in the config are kept
// (their history matters) but disabled.
func (t *tenant) loadIntegrations(ctx context.Context) error {
	env, err := t.a.keys.envelope(ctx, t.id, true)
	if errors.Is(err, secrets.ErrNoKey) {
		// Refuse rather than replace the key: a replica given the wrong
		// key would otherwise make every secret of the tenant unreadable
		// for the replicas that hold the right one.
		return fmt.Errorf("%w: start with the key that wrapped it (as a previous key, on the line after the current one), "+
			"or, if that key is lost for good, run `alertsync secrets rotate --replace-lost-keys` "+
			"(the configured secrets are then stored again; those set in the console must be set again)", err)
	}
	if err != nil {
		return err
	}
	declared := map[string]bool{}
	err = t.scope.WithTx(ctx, func(tx store.Tx) error {
		for i, ic := range t.cfg.Integrations {
			row, err := t.integrationRow(env, i, ic)
			if err != nil {
				return err
			}
			declared[ic.ID] = true
			if err := keepConsolePolicy(ctx, tx, &row); err != nil {
				return err
			}
			if err := t.keepConsoleSecrets(ctx, tx, env, &row); err != nil {
				return err
			}
			if err := tx.IntegrationUpsert(ctx, row); err != nil {
				return fmt.Errorf("store integration %s: %w", ic.ID, err)
			}
		}
		return t.disableUndeclared(ctx, tx, declared)
	})
	if err != nil {
		return err
	}
	rows, err := t.scope.IntegrationList(ctx)
	if err != nil {
		return fmt.Errorf("list integrations: %w", err)
	}
	for _, row := range rows {
		if !row.Enabled {
			continue
		}
		if err := t.buildIntegration(env, row); err != nil {
			return err
		}
	}
	return nil
}

func (t *tenant) integrationRow(env secrets.Envelope, i int, ic config.Integration) (store.Integration, error) {
	field := fmt.Sprintf("%s[%d]", t.configField(), i)
	reg, ok := connector.Lookup(ic.Kind)
	if !ok {
		return store.Integration{}, &config.FieldError{Field: field + ".kind",
			Problem: fmt.Sprintf("%q is not a known connector (known: %v)", ic.Kind, connector.Kinds())}
	}
	norm, err := reg.Spec.Normalize(ic.Settings)
	if err != nil {
		return store.Integration{}, &config.FieldError{Field: field + ".settings." + fieldOf(err), Problem: problemOf(err)}
	}
	plain, secret := map[string]any{}, map[string]any{}
	maps.Copy(plain, norm)
	for _, name := range reg.Spec.SecretFields() {
		if v, ok := plain[name]; ok {
			secret[name] = v
			delete(plain, name)
		}
	}
	if !ic.Proxy.IsZero() {
		secret[proxyKey] = ic.Proxy.Reveal()
	}
	settings, err := json.Marshal(plain)
	if err != nil {
		return store.Integration{}, fmt.Errorf("encode settings of %s: %w", ic.ID, err)
	}
	secretJSON, err := json.Marshal(secret)
	if err != nil {
		return store.Integration{}, fmt.Errorf("encode secrets of %s: %w", ic.ID, err)
	}
	sealed, err := env.Seal(secretJSON, t.secretAAD(ic.ID))
	if err != nil {
		return store.Integration{}, fmt.Errorf("seal secrets of %s: %w", ic.ID, err)
	}
	policy, err := json.Marshal(storedPolicy{Policy: engine.PolicyFrom(ic.Policy), Reconcile: reconcileFrom(reg, ic.Reconcile)})
	if err != nil {
		return store.Integration{}, fmt.Errorf("encode policy of %s: %w", ic.ID, err)
	}
	name := ic.Name
	if name == "" {
		name = reg.Title
	}
	return store.Integration{
		ID: ic.ID, Kind: ic.Kind, Name: name, Enabled: !ic.Disabled,
		Settings: settings, Secrets: sealed, Policy: policy, UpdatedAt: t.a.opts.Now().UTC(),
	}, nil
}

// configField is where the configuration declares the tenant's
// integrations, for error messages.
func (t *tenant) configField() string {
	if t.id == model.DefaultTenant {
		return "integrations"
	}
	return "tenants[" + t.id + "].integrations"
}

// secretAAD binds an integration's sealed secrets to the tenant and the
// integration they belong to, so a row copied to another tenant or
// integration does not open. The default tenant's are bound to the
// integration alone, as they were before tenants existed.
func (t *tenant) secretAAD(id string) string { return secretAAD(t.id, id) }

func secretAAD(tenant, id string) string {
	if tenant == model.DefaultTenant {
		return id
	}
	return tenant + "/" + id
}

func (t *tenant) disableUndeclared(ctx context.Context, tx store.Tx, declared map[string]bool) error {
	rows, err := tx.IntegrationList(ctx)
	if err != nil {
		return fmt.Errorf("list integrations: %w", err)
	}
	for _, row := range rows {
		if declared[row.ID] || !row.Enabled {
			continue
		}
		row.Enabled = false
		t.a.log.Info("integration no longer in config; disabled", "tenant", t.id, "integration", row.ID)
		if err := tx.IntegrationUpsert(ctx, row); err != nil {
			return fmt.Errorf("disable integration %s: %w", row.ID, err)
		}
	}
	return nil
}

func (t *tenant) buildIntegration(env secrets.Envelope, row store.Integration) error {
	in, err := t.integrationOf(env, row)
	if err != nil {
		return err
	}
	t.engine.AddIntegration(in)
	return nil
}

// integrationOf builds the connector a stored row describes: its plain
// settings, its sealed secrets (those set in the console winning over
// the configured ones) and its policy.
func (t *tenant) integrationOf(env secrets.Envelope, row store.Integration) (engine.Integration, error) {
	settings := map[string]any{}
	if err := json.Unmarshal(row.Settings, &settings); err != nil {
		return engine.Integration{}, fmt.Errorf("decode settings of %s: %w", row.ID, err)
	}
	secret, err := t.openSecrets(env, row)
	if err != nil {
		return engine.Integration{}, err
	}
	proxy, _ := secret[proxyKey].(string)
	delete(secret, proxyKey)
	if console, ok := secret[consoleKey].(map[string]any); ok {
		maps.Copy(secret, console)
	}
	delete(secret, consoleKey)
	maps.Copy(settings, secret)
	client, err := t.a.clientFor(proxy)
	if err != nil {
		return engine.Integration{}, fmt.Errorf("integration %s: %w", row.ID, err)
	}
	var pol storedPolicy
	if err := json.Unmarshal(row.Policy, &pol); err != nil {
		return engine.Integration{}, fmt.Errorf("decode policy of %s: %w", row.ID, err)
	}
	c, err := connector.Build(row.Kind, connector.Deps{
		ID: row.ID, Tenant: t.id, Logger: t.a.log.With("tenant", t.id), HTTP: client, Now: t.a.opts.Now,
	}, settings)
	if err != nil {
		return engine.Integration{}, err
	}
	return engine.Integration{ID: row.ID, Kind: row.Kind, Name: row.Name, Policy: pol.effective(), Connector: c, Reconcile: pol.Reconcile}, nil
}

// openSecrets opens a row's sealed secret settings.
func (t *tenant) openSecrets(env secrets.Envelope, row store.Integration) (map[string]any, error) {
	plain, err := env.Open(row.Secrets, t.secretAAD(row.ID))
	if err != nil {
		return nil, fmt.Errorf("integration %s: %w", row.ID, err)
	}
	secret := map[string]any{}
	if err := json.Unmarshal(plain, &secret); err != nil {
		return nil, fmt.Errorf("decode secrets of %s: %w", row.ID, err)
	}
	return secret, nil
}

// sealSecrets seals a row's secret settings again.
func (t *tenant) sealSecrets(env secrets.Envelope, row *store.Integration, secret map[string]any) error {
	b, err := json.Marshal(secret)
	if err != nil {
		return fmt.Errorf("encode secrets of %s: %w", row.ID, err)
	}
	if row.Secrets, err = env.Seal(b, t.secretAAD(row.ID)); err != nil {
		return fmt.Errorf("seal secrets of %s: %w", row.ID, err)
	}
	return nil
}

// proxyKey holds an integration's proxy URL among its sealed secrets (it
// may carry a password); it never reaches the connector's settings.
const proxyKey = "_proxy"

// clientFor is the app's HTTP client, or a copy of it whose transport
// goes through proxy. Without one, the standard proxy variables apply
// (the default transport reads HTTPS_PROXY, HTTP_PROXY and NO_PROXY).
func (a *App) clientFor(proxy string) (*http.Client, error) {
	if proxy == "" {
		return a.opts.HTTPClient, nil
	}
	u, err := url.Parse(proxy)
	if err != nil {
		return nil, errors.New("proxy: not a URL")
	}
	base := a.opts.HTTPClient.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	tr, ok := base.(*http.Transport)
	if !ok {
		return nil, errors.New("proxy: the app's HTTP transport cannot take a proxy")
	}
	tr = tr.Clone()
	tr.Proxy = http.ProxyURL(u)
	c := *a.opts.HTTPClient
	c.Transport = tr
	return &c, nil
}

func fieldOf(err error) string {
	if fe, ok := errors.AsType[*connector.FieldError](err); ok {
		return fe.Field
	}
	return "?"
}

func problemOf(err error) string {
	if fe, ok := errors.AsType[*connector.FieldError](err); ok {
		return fe.Problem
	}
	return err.Error()
}

// storedPolicy is what the integrations table keeps as policy: the sync
// policy and, where configured, incident reconciliation.
type storedPolicy struct {
	engine.Policy
	Reconcile *engine.Reconcile `json:"reconcile,omitempty"`
	// Console is the policy set in the web console, which wins over the
	// configured one (see App.SetPolicy).
	Console *engine.Policy `json:"console,omitempty"`
}

// reconcileFrom applies an integration's reconcile config over its
// connector's declared defaults. Without alerts_from there is nothing to
// reconcile with.
func reconcileFrom(reg connector.Registration, rc *config.Reconcile) *engine.Reconcile {
	if rc == nil {
		return nil
	}
	r := &engine.Reconcile{AlertsFrom: rc.AlertsFrom, OnAlert: map[model.Status]connector.ReconcileTarget{},
		Rules: engine.AllRules(), Comment: true, MirrorGrace: engine.DefaultMirrorGrace}
	if d := reg.Reconcile; d != nil {
		for k, t := range d.OnAlert {
			r.OnAlert[model.Status(k)] = t
		}
		r.Rules.IncidentClosed = d.ResolveAlertsOnClose
	}
	for k, t := range rc.OnAlert {
		r.OnAlert[model.Status(k)] = connector.ReconcileTarget{Status: t.Status, Classification: t.Classification, ClassificationReason: t.ClassificationReason}
	}
	if rc.ResolveAlertsOnClose != nil {
		r.Rules.IncidentClosed = *rc.ResolveAlertsOnClose
	}
	rules := map[string]*bool{
		"alert_in_progress": &r.Rules.AlertInProgress, "alert_dismissed": &r.Rules.AlertDismissed,
		"alert_resolved": &r.Rules.AlertResolved, "incident_active": &r.Rules.IncidentActive,
		"incident_closed": &r.Rules.IncidentClosed,
	}
	for name, on := range rc.Rules {
		if p := rules[name]; p != nil {
			*p = on
		}
	}
	if rc.Comment != nil {
		r.Comment = *rc.Comment
	}
	if rc.MirrorGrace > 0 {
		r.MirrorGrace = rc.MirrorGrace
	}
	return r
}
