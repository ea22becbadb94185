package config

// EnvVar is one environment variable Load reads, with the config key it
// overrides. The listing feeds `serve --help` and is checked against
// docs/configuration.md and against what Load really reads, so neither
// can name a variable that does nothing or miss one that does something.
type EnvVar struct {
	Name        string
	Key         string
	Description string
}

// EnvVars are the ALERTSYNC_* variables Load applies over the file, in the
// order the documentation lists them. A set, non-empty variable wins over
// the file; secret values may be ${env:...} or ${file:...} references too.
var EnvVars = []EnvVar{
	{"ALERTSYNC_DATA_DIR", "data_dir", "directory for the SQLite database and the generated secret key"},
	{"ALERTSYNC_LISTEN", "listen", "address the API listens on, host:port"},
	{"ALERTSYNC_STORE_DRIVER", "store.driver", "sqlite or postgres"},
	{"ALERTSYNC_STORE_DSN", "store.dsn", "PostgreSQL connection string (secret)"},
	{"ALERTSYNC_SECRET_KEY", "secret_key", "key that encrypts integration secrets at rest (secret)"},
	{"ALERTSYNC_SECRET_KEY_FILE", "secret_key_file", "file holding that key"},
	{"ALERTSYNC_ADMIN_TOKEN", "api.admin_token", "admin API token (secret)"},
	{"ALERTSYNC_LOG_LEVEL", "log_level", "debug, info, warn or error"},
	{"ALERTSYNC_OUTBOX_WORKERS", "outbox.workers", "deliveries in flight per integration"},
}
