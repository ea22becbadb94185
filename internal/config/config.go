// Package config is alertsync's typed configuration: a YAML file plus
// ALERTSYNC_* environment overrides, defaults, and validation that names
// the offending field.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/alertsync/alertsync/internal/model"
)

// Config is the whole configuration.
type Config struct {
	DataDir       string        `yaml:"data_dir"`
	Listen        string        `yaml:"listen"`
	Store         StoreConfig   `yaml:"store"`
	SecretKey     Secret        `yaml:"secret_key"`
	SecretKeyFile string        `yaml:"secret_key_file"`
	API           APIConfig     `yaml:"api"`
	Console       ConsoleConfig `yaml:"console"`
	Engine        EngineConfig  `yaml:"engine"`
	Outbox        OutboxConfig  `yaml:"outbox"`
	LogLevel      string        `yaml:"log_level"`
	Integrations  []Integration `yaml:"integrations"`
	Playbooks     Playbooks     `yaml:"playbooks"`
	// Tenants are the customer organisations served beside the default
	// tenant, which holds Integrations and Playbooks above.
	Tenants []Tenant `yaml:"tenants"`
}

// Tenant declares one customer organisation and what it owns: its
// integrations and playbooks, isolated from every other tenant's.
// Tenants may also be created through the API and the CLI; a tenant
// declared here is created (or updated) at start-up.
type Tenant struct {
	ID           string        `yaml:"id"`
	Name         string        `yaml:"name"`
	Disabled     bool          `yaml:"disabled"`
	Integrations []Integration `yaml:"integrations"`
	Playbooks    Playbooks     `yaml:"playbooks"`
}

// Playbooks says where playbook definitions are read from at start-up
// (every *.yaml and *.yml file of Dir; the API manages others) and holds
// the secrets definitions name: a definition never holds a credential,
// only a secret's name (auth token_secret, secret("name")).
//
// RunRetention is how long a finished run stays in the run history (0:
// for ever); it is the hub's, for every tenant's runs, so only the
// top-level playbooks may set it.
type Playbooks struct {
	Dir          string        `yaml:"dir"`
	Secrets      []NamedSecret `yaml:"secrets"`
	RunRetention time.Duration `yaml:"run_retention"`
}

// NamedSecret is one secret playbooks refer to by name; Value may be a
// reference (${env:...}, ${file:...}).
type NamedSecret struct {
	Name  string `yaml:"name"`
	Value Secret `yaml:"value"`
}

// StoreConfig picks the database.
type StoreConfig struct {
	Driver string `yaml:"driver"` // sqlite (default) or postgres
	DSN    Secret `yaml:"dsn"`    // postgres DSN; may carry a password
}

// APIConfig holds the bearer tokens the API accepts.
type APIConfig struct {
	AdminToken Secret     `yaml:"admin_token"`
	Tokens     []APIToken `yaml:"tokens"`
}

// APIToken is one named token with a role: viewer, analyst or admin,
// scoped to one tenant (the default tenant when Tenant is empty), or to
// every tenant when Tenant is "*" (a provider's operator).
type APIToken struct {
	Name   string `yaml:"name"`
	Token  Secret `yaml:"token"`
	Role   string `yaml:"role"`
	Tenant string `yaml:"tenant"`
}

// AllTenants, as an APIToken's tenant, makes it a provider operator's
// token: it acts in any tenant, and as an admin manages tenants.
const AllTenants = "*"

// EngineConfig tunes polling and validation passes.
type EngineConfig struct {
	PollInterval       time.Duration `yaml:"poll_interval"`
	ValidationInterval time.Duration `yaml:"validation_interval"`
	ValidationWindow   time.Duration `yaml:"validation_window"`
	IngestBatch        int           `yaml:"ingest_batch"`
}

// OutboxConfig tunes delivery.
type OutboxConfig struct {
	Workers     int           `yaml:"workers"`
	Batch       int           `yaml:"batch"`
	MaxAttempts int           `yaml:"max_attempts"`
	BaseBackoff time.Duration `yaml:"base_backoff"`
	MaxBackoff  time.Duration `yaml:"max_backoff"`
	Lease       time.Duration `yaml:"lease"`
	IdleWait    time.Duration `yaml:"idle_wait"`
}

// Integration declares one connector instance. Settings are checked
// against the connector's own spec when the app builds it.
type Integration struct {
	ID       string         `yaml:"id"`
	Kind     string         `yaml:"kind"`
	Name     string         `yaml:"name"`
	Disabled bool           `yaml:"disabled"`
	Settings map[string]any `yaml:"settings"`
	Policy   Policy         `yaml:"policy"`
	// Reconcile links this integration's incidents with alerts of other
	// integrations and overrides the connector's default state mapping.
	Reconcile *Reconcile `yaml:"reconcile"`
	// Proxy sends this integration's vendor traffic through an HTTP(S)
	// proxy (http://, https:// or socks5:// URL, credentials allowed: it is
	// kept encrypted like the integration's secrets). Without it the
	// standard HTTPS_PROXY, HTTP_PROXY and NO_PROXY variables apply.
	Proxy Secret `yaml:"proxy"`
}

// Reconcile configures incident ↔ alert reconciliation for an integration
// whose incidents contain alerts from AlertsFrom. OnAlert keys are member
// alert canonical statuses (in_progress, suppressed, resolved).
type Reconcile struct {
	AlertsFrom []string                   `yaml:"alerts_from"`
	OnAlert    map[string]ReconcileTarget `yaml:"on_alert"`
	// Rules switch rows of the reconciliation table off (all are on by
	// default): alert_in_progress, alert_dismissed, alert_resolved,
	// incident_active, incident_closed.
	Rules map[string]bool `yaml:"rules"`
	// ResolveAlertsOnClose is the older name of rules.incident_closed.
	ResolveAlertsOnClose *bool `yaml:"resolve_alerts_on_close"`
	Comment              *bool `yaml:"comment"`
	// MirrorGrace delays alert writes after an incident closed at its
	// source, so a vendor that mirrors the close itself gets there first.
	MirrorGrace time.Duration `yaml:"mirror_grace"`
}

// ReconcileRuleNames are the rows of the reconciliation table.
var ReconcileRuleNames = []string{"alert_in_progress", "alert_dismissed", "alert_resolved", "incident_active", "incident_closed"}

// ReconcileTarget is one mapping entry.
type ReconcileTarget struct {
	Status               string `yaml:"status"`
	Classification       string `yaml:"classification"`
	ClassificationReason string `yaml:"classification_reason"`
}

// Policy is the per-integration sync policy. Pointers distinguish "not
// set" from false so defaults apply only where the user said nothing.
type Policy struct {
	CommentSync            *bool `yaml:"comment_sync" json:"comment_sync"`
	CloseOnNotAThreat      *bool `yaml:"close_on_not_a_threat" json:"close_on_not_a_threat"`
	CloseOnSuspicious      *bool `yaml:"close_on_suspicious" json:"close_on_suspicious"`
	CloseOnPublishedThreat *bool `yaml:"close_on_published_threat" json:"close_on_published_threat"`
	// CommentEachPass makes every correlation pass comment on the source
	// alert (the seed's behaviour); by default a pass comments only when
	// it found something new, and on the last pass.
	CommentEachPass *bool `yaml:"comment_each_pass" json:"comment_each_pass"`
	// AutoValidate puts newly ingested open alerts under validation.
	AutoValidate *AutoValidate `yaml:"auto_validate" json:"auto_validate"`
}

// AutoValidate is an integration's auto-validate policy: off unless
// enabled, limited to alerts at or above MinSeverity, and to MaxActive
// alerts under validation at once.
type AutoValidate struct {
	Enabled     bool   `yaml:"enabled" json:"enabled"`
	MinSeverity string `yaml:"min_severity" json:"min_severity"`
	MaxActive   int    `yaml:"max_active" json:"max_active"`
}

// Defaults returns a Config with every default set.
func Defaults() Config {
	return Config{
		DataDir: "./data",
		Listen:  "127.0.0.1:8080",
		Store:   StoreConfig{Driver: "sqlite"},
		Engine: EngineConfig{
			PollInterval:       30 * time.Second,
			ValidationInterval: 30 * time.Minute,
			ValidationWindow:   48 * time.Hour,
			IngestBatch:        2000,
		},
		Outbox: OutboxConfig{
			Workers: 8, Batch: 64, MaxAttempts: 20,
			BaseBackoff: time.Second, MaxBackoff: 10 * time.Minute,
			Lease: 15 * time.Second, IdleWait: 200 * time.Millisecond,
		},
		Playbooks: Playbooks{RunRetention: 30 * 24 * time.Hour},
		LogLevel:  "info",
	}
}

// Load reads path (optional: "" means defaults only), applies environment
// overrides, resolves secrets written as ${env:NAME} or ${file:PATH} (see
// ResolveSecretRef) and validates.
func Load(path string) (Config, error) {
	cfg := Defaults()
	if path != "" {
		b, err := os.ReadFile(path)
		if err != nil {
			return Config{}, fmt.Errorf("read config: %w", err)
		}
		dec := yaml.NewDecoder(bytes.NewReader(b))
		dec.KnownFields(true)
		if err := dec.Decode(&cfg); err != nil && !errors.Is(err, io.EOF) {
			return Config{}, fmt.Errorf("parse config %s: %w", filepath.Base(path), err)
		}
	}
	if err := cfg.applyEnv(os.Getenv); err != nil {
		return Config{}, err
	}
	if err := cfg.resolveSecretRefs(); err != nil {
		return Config{}, err
	}
	if err := cfg.Validate(); err != nil {
		return Config{}, err
	}
	return cfg, nil
}

// applyEnv overrides file values with ALERTSYNC_* variables.
func (c *Config) applyEnv(get func(string) string) error {
	str := map[string]*string{
		"ALERTSYNC_DATA_DIR":        &c.DataDir,
		"ALERTSYNC_LISTEN":          &c.Listen,
		"ALERTSYNC_STORE_DRIVER":    &c.Store.Driver,
		"ALERTSYNC_SECRET_KEY_FILE": &c.SecretKeyFile,
		"ALERTSYNC_LOG_LEVEL":       &c.LogLevel,
	}
	for k, p := range str {
		if v := get(k); v != "" {
			*p = v
		}
	}
	sec := map[string]*Secret{
		"ALERTSYNC_STORE_DSN":   &c.Store.DSN,
		"ALERTSYNC_SECRET_KEY":  &c.SecretKey,
		"ALERTSYNC_ADMIN_TOKEN": &c.API.AdminToken,
	}
	for k, p := range sec {
		if v := get(k); v != "" {
			*p = NewSecret(v)
		}
	}
	if v := get("ALERTSYNC_OUTBOX_WORKERS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return &FieldError{Field: "ALERTSYNC_OUTBOX_WORKERS", Problem: "want a whole number"}
		}
		c.Outbox.Workers = n
	}
	return nil
}

// FieldError names the field that is wrong and how.
type FieldError struct {
	Field   string
	Problem string
}

func (e *FieldError) Error() string { return "config: " + e.Field + ": " + e.Problem }

// Validate checks the whole config and returns the first problem found.
func (c Config) Validate() error {
	checks := []struct {
		field string
		bad   bool
		msg   string
	}{
		{"store.driver", c.Store.Driver != "sqlite" && c.Store.Driver != "postgres", "must be sqlite or postgres, got " + strconv.Quote(c.Store.Driver)},
		{"store.dsn", c.Store.Driver == "postgres" && c.Store.DSN.IsZero(), "required when store.driver is postgres"},
		{"data_dir", c.DataDir == "", "required"},
		{"listen", c.Listen == "", "required"},
		{"engine.poll_interval", c.Engine.PollInterval <= 0, "must be positive"},
		{"engine.validation_interval", c.Engine.ValidationInterval <= 0, "must be positive"},
		{"engine.validation_window", c.Engine.ValidationWindow < c.Engine.ValidationInterval, "must be at least engine.validation_interval"},
		{"engine.ingest_batch", c.Engine.IngestBatch < 1 || c.Engine.IngestBatch > 5000, "must be between 1 and 5000"},
		{"outbox.workers", c.Outbox.Workers < 1 || c.Outbox.Workers > 256, "must be between 1 and 256"},
		{"outbox.batch", c.Outbox.Batch < 1 || c.Outbox.Batch > 1000, "must be between 1 and 1000"},
		{"outbox.max_attempts", c.Outbox.MaxAttempts < 1, "must be at least 1"},
		{"outbox.base_backoff", c.Outbox.BaseBackoff <= 0 || c.Outbox.MaxBackoff < c.Outbox.BaseBackoff, "must be positive and not above outbox.max_backoff"},
		{"outbox.lease", c.Outbox.Lease < time.Second, "must be at least 1s"},
		{"log_level", !validLevel(c.LogLevel), "must be debug, info, warn or error"},
		{"playbooks.run_retention", c.Playbooks.RunRetention < 0, "must not be negative (0 keeps runs for ever)"},
	}
	for _, ch := range checks {
		if ch.bad {
			return &FieldError{Field: ch.field, Problem: ch.msg}
		}
	}
	if err := c.validateTokensAndIntegrations(); err != nil {
		return err
	}
	return c.Console.validate()
}

func (c Config) validateTokensAndIntegrations() error {
	if !c.API.AdminToken.IsZero() && len(c.API.AdminToken.Reveal()) < 16 {
		return &FieldError{Field: "api.admin_token", Problem: "must be at least 16 characters"}
	}
	for i, t := range c.API.Tokens {
		f := fmt.Sprintf("api.tokens[%d]", i)
		switch {
		case t.Name == "":
			return &FieldError{Field: f + ".name", Problem: "required"}
		case len(t.Token.Reveal()) < 16:
			return &FieldError{Field: f + ".token", Problem: "must be at least 16 characters"}
		case t.Role != "viewer" && t.Role != "analyst" && t.Role != "admin":
			return &FieldError{Field: f + ".role", Problem: "must be viewer, analyst or admin"}
		}
	}
	for i, t := range c.API.Tokens {
		if t.Tenant != "" && t.Tenant != AllTenants && model.CheckTenantID(t.Tenant) != nil {
			return &FieldError{Field: fmt.Sprintf("api.tokens[%d].tenant", i), Problem: "must be a tenant id or \"*\" (every tenant)"}
		}
	}
	if err := validateIntegrations("integrations", c.Integrations); err != nil {
		return err
	}
	tenants := map[string]bool{}
	for i, t := range c.Tenants {
		f := fmt.Sprintf("tenants[%d]", i)
		switch {
		case model.CheckTenantID(t.ID) != nil:
			return &FieldError{Field: f + ".id", Problem: "required: 1-63 lower-case letters, digits, '-' or '_'"}
		case t.ID == model.DefaultTenant:
			return &FieldError{Field: f + ".id", Problem: "the default tenant's integrations and playbooks are the top-level ones"}
		case tenants[t.ID]:
			return &FieldError{Field: f + ".id", Problem: "duplicate tenant " + strconv.Quote(t.ID)}
		}
		tenants[t.ID] = true
		if t.Playbooks.RunRetention != 0 {
			return &FieldError{Field: f + ".playbooks.run_retention", Problem: "the hub's own: set playbooks.run_retention at the top level, for every tenant"}
		}
		if err := validateIntegrations(f+".integrations", t.Integrations); err != nil {
			return err
		}
	}
	return nil
}

// validateIntegrations checks one tenant's integrations: ids are unique
// within the tenant (two tenants may both have a "sentinel").
func validateIntegrations(field string, list []Integration) error {
	seen := map[string]bool{}
	for i, in := range list {
		f := fmt.Sprintf("%s[%d]", field, i)
		switch {
		case !validID(in.ID):
			return &FieldError{Field: f + ".id", Problem: "required: letters, digits, '-' and '_' only"}
		case seen[in.ID]:
			return &FieldError{Field: f + ".id", Problem: "duplicate id " + strconv.Quote(in.ID)}
		case in.Kind == "":
			return &FieldError{Field: f + ".kind", Problem: "required"}
		}
		seen[in.ID] = true
	}
	for i, in := range list {
		f := fmt.Sprintf("%s[%d]", field, i)
		if err := in.Reconcile.validate(f+".reconcile", seen); err != nil {
			return err
		}
		if err := in.Policy.AutoValidate.validate(f + ".policy.auto_validate"); err != nil {
			return err
		}
		if err := validProxy(in.Proxy); err != nil {
			return &FieldError{Field: f + ".proxy", Problem: err.Error()}
		}
	}
	return nil
}

func (a *AutoValidate) validate(field string) error {
	if a == nil {
		return nil
	}
	switch a.MinSeverity {
	case "", "unknown", "informational", "low", "medium", "high", "critical":
	default:
		return &FieldError{Field: field + ".min_severity", Problem: "must be informational, low, medium, high or critical"}
	}
	if a.MaxActive < 0 {
		return &FieldError{Field: field + ".max_active", Problem: "must be 0 (the default) or more"}
	}
	return nil
}

func (r *Reconcile) validate(field string, ids map[string]bool) error {
	if r == nil {
		return nil
	}
	if len(r.AlertsFrom) == 0 {
		return &FieldError{Field: field + ".alerts_from", Problem: "name at least one integration whose alerts the incidents contain"}
	}
	for j, id := range r.AlertsFrom {
		if !ids[id] {
			return &FieldError{Field: fmt.Sprintf("%s.alerts_from[%d]", field, j), Problem: "no integration with id " + strconv.Quote(id)}
		}
	}
	for k := range r.Rules {
		if !slices.Contains(ReconcileRuleNames, k) {
			return &FieldError{Field: field + ".rules." + k, Problem: "not a rule; rules are " + strings.Join(ReconcileRuleNames, ", ")}
		}
	}
	if r.MirrorGrace < 0 {
		return &FieldError{Field: field + ".mirror_grace", Problem: "must not be negative"}
	}
	for k, t := range r.OnAlert {
		switch k {
		case "in_progress", "suppressed", "resolved":
		default:
			return &FieldError{Field: field + ".on_alert." + k, Problem: "key must be in_progress, suppressed or resolved"}
		}
		switch t.Status {
		case "new", "in_progress", "resolved":
		default:
			return &FieldError{Field: field + ".on_alert." + k + ".status", Problem: "must be new, in_progress or resolved"}
		}
	}
	return nil
}

func validLevel(l string) bool {
	switch strings.ToLower(l) {
	case "debug", "info", "warn", "error":
		return true
	}
	return false
}

func validID(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, r := range s {
		if r != '-' && r != '_' && (r < '0' || r > '9') && (r < 'a' || r > 'z') && (r < 'A' || r > 'Z') {
			return false
		}
	}
	return true
}

// validProxy checks a proxy URL without echoing it (it may hold a
// password).
func validProxy(p Secret) error {
	if p.IsZero() {
		return nil
	}
	u, err := url.Parse(p.Reveal())
	if err != nil || u.Host == "" {
		return errors.New("want an absolute proxy URL such as http://proxy.example:3128")
	}
	switch u.Scheme {
	case "http", "https", "socks5":
		return nil
	}
	return errors.New("the proxy scheme must be http, https or socks5")
}
