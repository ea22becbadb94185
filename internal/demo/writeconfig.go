package demo

import (
	"bytes"
	"cmp"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/alertsync/alertsync/internal/config"
	"github.com/alertsync/alertsync/internal/connector"
	"gopkg.in/yaml.v3"
)

// writtenPoll is the poll interval of a written config: brisk, since the
// emulators have no quota worth saving.
const writtenPoll = 10 * time.Second

// serveFile is the part of the serve config a written file sets, in the
// order a person reads it.
type serveFile struct {
	DataDir      string           `yaml:"data_dir"`
	Listen       string           `yaml:"listen"`
	SecretKey    string           `yaml:"secret_key,omitempty"`
	LogLevel     string           `yaml:"log_level,omitempty"`
	Store        map[string]any   `yaml:"store,omitempty"`
	API          map[string]any   `yaml:"api"`
	Engine       map[string]any   `yaml:"engine"`
	Outbox       map[string]any   `yaml:"outbox,omitempty"`
	Integrations []map[string]any `yaml:"integrations"`
}

// serveSpec is what a written config sets beside the emulators'
// integrations; the zero value of a field leaves the key to its default
// (DataDir: next to the file; AdminToken: a random one).
type serveSpec struct {
	DataDir, Listen string
	Poll            time.Duration
	AdminToken      string
	// SecretKey and DSN are the at-rest key and the PostgreSQL store
	// replicas share; empty, the key is the data dir's and the store
	// SQLite.
	SecretKey, DSN string
	LogLevel       string
	Engine, Outbox map[string]any // more engine and outbox keys
	Head           string         // the comment the file starts with
}

// writeServeConfig writes a serve config pointed at the emulators to
// path. Every secret is written to a file of its own next to it (mode
// 0600) and referenced as ${file:PATH}, as a user should keep them; it
// returns those files.
func writeServeConfig(path string, w *world) ([]string, error) {
	return writeServeSpec(path, w, serveSpec{Listen: "127.0.0.1:8080", Poll: writtenPoll,
		Head: "# alertsync serve config for the emulators `alertsync emulate` serves at " + w.url + ".\n" +
			"# Written by `alertsync emulate --write-config`; secrets are referenced as ${file:PATH} (files mode 0600).\n" +
			"# Keys: docs/configuration.md.\n"})
}

// writeServeSpec writes a serve config pointed at the emulators, set as
// spec says, to path; its secrets go to files of their own as
// writeServeConfig's do.
func writeServeSpec(path string, w *world, spec serveSpec) ([]string, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("write config: %w", err)
	}
	dir, stem := filepath.Dir(abs), strings.TrimSuffix(filepath.Base(abs), filepath.Ext(abs))
	secrets := &secretFiles{dir: dir, stem: stem, byValue: map[string]string{}}
	f, err := spec.file(secrets, filepath.Join(dir, stem+"-data"))
	if err != nil {
		return nil, err
	}
	for _, in := range w.set.Integrations(w.url, nil, spec.Poll) {
		m, err := integrationYAML(in, secrets)
		if err != nil {
			return nil, err
		}
		f.Integrations = append(f.Integrations, m)
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(f); err != nil {
		return nil, fmt.Errorf("encode config: %w", err)
	}
	if err := os.WriteFile(abs, append([]byte(spec.Head), buf.Bytes()...), 0o600); err != nil {
		return nil, fmt.Errorf("write config: %w", err)
	}
	return secrets.written, nil
}

// file is the spec's part of the config, its secrets written as files.
func (spec serveSpec) file(secrets *secretFiles, dataDir string) (serveFile, error) {
	token := spec.AdminToken
	if token == "" {
		var err error
		if token, err = randomToken(); err != nil {
			return serveFile{}, err
		}
	}
	adminRef, err := secrets.ref("admin_token", token)
	if err != nil {
		return serveFile{}, err
	}
	f := serveFile{DataDir: cmp.Or(spec.DataDir, dataDir), Listen: spec.Listen, LogLevel: spec.LogLevel,
		API: map[string]any{"admin_token": adminRef}, Engine: map[string]any{"poll_interval": spec.Poll.String()}, Outbox: spec.Outbox}
	for k, v := range spec.Engine {
		f.Engine[k] = v
	}
	if spec.SecretKey != "" {
		if f.SecretKey, err = secrets.ref("secret_key", spec.SecretKey); err != nil {
			return serveFile{}, err
		}
	}
	if spec.DSN != "" {
		dsn, err := secrets.ref("dsn", spec.DSN)
		if err != nil {
			return serveFile{}, err
		}
		f.Store = map[string]any{"driver": "postgres", "dsn": dsn}
	}
	return f, nil
}

// integrationYAML is one integration as config keys, its secret settings
// (by its connector's spec) replaced with file references.
func integrationYAML(in config.Integration, secrets *secretFiles) (map[string]any, error) {
	reg, ok := connector.Lookup(in.Kind)
	if !ok {
		return nil, fmt.Errorf("write config: connector kind %q is not compiled in", in.Kind)
	}
	settings := make(map[string]any, len(in.Settings))
	for k, v := range in.Settings {
		settings[k] = v
	}
	for _, name := range reg.Spec.SecretFields() {
		v, ok := settings[name].(string)
		if !ok || v == "" {
			continue
		}
		ref, err := secrets.ref(name, v)
		if err != nil {
			return nil, err
		}
		settings[name] = ref
	}
	m := map[string]any{"id": in.ID, "kind": in.Kind, "name": in.Name, "settings": settings}
	for key, v := range map[string]any{"policy": in.Policy, "reconcile": in.Reconcile} {
		set, err := setKeys(v)
		if err != nil {
			return nil, err
		}
		if len(set) > 0 {
			m[key] = set
		}
	}
	return m, nil
}

// setKeys is v as config keys, without those left unset.
func setKeys(v any) (map[string]any, error) {
	b, err := yaml.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("encode config section: %w", err)
	}
	var m map[string]any
	if err := yaml.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("encode config section: %w", err)
	}
	for k, x := range m {
		if x == nil || fmt.Sprint(x) == "0s" || fmt.Sprint(x) == "map[]" || fmt.Sprint(x) == "[]" {
			delete(m, k)
		}
	}
	return m, nil
}

// secretFiles writes each distinct secret once, to <stem>.<name>.
type secretFiles struct {
	dir, stem string
	byValue   map[string]string
	written   []string
}

func (s *secretFiles) ref(name, value string) (string, error) {
	if p, ok := s.byValue[value]; ok {
		return "${file:" + p + "}", nil
	}
	p := filepath.Join(s.dir, s.stem+"."+name)
	for i := 2; contains(s.written, p); i++ {
		p = filepath.Join(s.dir, fmt.Sprintf("%s.%s-%d", s.stem, name, i))
	}
	if err := os.WriteFile(p, []byte(value+"\n"), 0o600); err != nil {
		return "", fmt.Errorf("write secret file: %w", err)
	}
	s.byValue[value] = p
	s.written = append(s.written, p)
	sort.Strings(s.written)
	return "${file:" + p + "}", nil
}

func randomToken() (string, error) {
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("generate admin token: %w", err)
	}
	return hex.EncodeToString(b), nil
}
