// Package elastic is the Elastic Security connector: it polls Kibana's
// detection alerts (POST /api/detection_engine/signals/search), writes
// their workflow status and close reason back (signals/status, many
// alerts a call) and adds notes to them (PATCH /api/note), the alerts'
// only place for text. Kibana has no incidents an API client can read
// as such, so the connector has none.
package elastic

import (
	"encoding/base64"
	"log/slog"
	"strings"

	"github.com/alertsync/alertsync/internal/config"
	"github.com/alertsync/alertsync/internal/connector"
	"github.com/alertsync/alertsync/internal/connector/httpkit"
)

// Kind is the registry name.
const Kind = "elastic"

func init() {
	connector.Register(connector.Registration{
		Kind:  Kind,
		Title: "Elastic Security",
		Description: "Polls Elastic Security detection alerts through Kibana, writes workflow status and close reason back " +
			"and adds alert notes. Authenticates with an Elasticsearch API key.",
		Spec: Spec,
		New:  connector.Decoding(Spec, New),
	})
}

// core holds the connector's state; Connector exposes it.
type core struct {
	id     string
	cfg    Config
	s      settings
	client *httpkit.Client
	log    *slog.Logger
	// batchMax and pagesPerCall are the package constants; tests lower them.
	batchMax, pagesPerCall int
}

// Connector is one Elastic Security integration (one Kibana space).
type Connector struct{ *core }

// New builds the connector for cfg.
func New(deps connector.Deps, cfg Config) (*Connector, error) {
	s, err := cfg.check()
	if err != nil {
		return nil, err
	}
	log := deps.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	client, err := newClient(deps.HTTP, httpkit.Options{
		BaseURL:     s.base,
		Auth:        httpkit.APIKey{Header: "Authorization", Key: config.NewSecret("ApiKey " + s.key.Reveal())},
		Limiter:     httpkit.SharedPerMinute(deps.Tenant, budgetKey(cfg, s), cfg.RequestsPerMinute),
		Secrets:     secretsOf(s),
		Logger:      log.With("connector", deps.ID),
		Integration: deps.ID,
		Tenant:      deps.Tenant,
		Now:         deps.Now,
	})
	if err != nil {
		return nil, &connector.FieldError{Field: "kibana_url", Problem: err.Error()}
	}
	if s.oddKey {
		client.Logger().Warn("elastic api_key is neither \"id:api_key\" nor the encoded key (base64 of id:api_key); Kibana will likely refuse it")
	}
	return &Connector{&core{
		id: deps.ID, cfg: cfg, s: s, client: client, log: client.Logger(),
		batchMax: batchMax, pagesPerCall: maxPagesPerCall,
	}}, nil
}

// budgetKey names the Kibana and API key a budget is counted for, so
// integrations of several spaces with one key share it. The key id is
// not secret (Kibana lists it); the key itself is not in the name.
func budgetKey(cfg Config, s settings) string {
	raw, _ := base64.StdEncoding.DecodeString(s.key.Reveal())
	id, _, _ := strings.Cut(string(raw), ":")
	return "elastic|" + strings.TrimRight(cfg.KibanaURL, "/") + "|" + id
}

// secretsOf lists every form of the key an error could echo.
func secretsOf(s settings) []config.Secret {
	out := []config.Secret{s.key, s.raw}
	if raw, err := base64.StdEncoding.DecodeString(s.key.Reveal()); err == nil {
		if _, key, ok := strings.Cut(string(raw), ":"); ok {
			out = append(out, config.NewSecret(key))
		}
	}
	return out
}

// Kind returns the registry name.
func (c *core) Kind() string { return Kind }

var (
	_ connector.AlertSource      = (*Connector)(nil)
	_ connector.StateSyncer      = (*Connector)(nil)
	_ connector.BatchStateSyncer = (*Connector)(nil)
	_ connector.BatchLimit       = (*Connector)(nil)
	_ connector.Commenter        = (*Connector)(nil)
	_ connector.HealthChecker    = (*Connector)(nil)
)
