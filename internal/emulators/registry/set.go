package registry

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/alertsync/alertsync/internal/config"
	"github.com/alertsync/alertsync/internal/emulators/emukit"
)

// Options start a Set.
type Options struct {
	Logger *slog.Logger // discarded when nil
	// Alerts is how many alerts each kind seeds; a kind not named seeds
	// its vendor's DefaultAlerts.
	Alerts map[string]int
	// WorldSeed draws the shared fake organisation.
	WorldSeed int64
	// Unlimited starts every emulator without rate limits and writes hub
	// configs that spend no budget: see Env.Unlimited.
	Unlimited bool
	// Latency delays every vendor API answer, as a vendor's distance
	// does (the emulators in this process answer in microseconds).
	Latency time.Duration
	// Org is the organisation the Set emulates: see Env.Org.
	Org string
}

// Set is every registered emulator running, with the shared logins and
// hosts they need, served from one handler: each login, host and vendor
// on a path prefix of its own ("/entra", "/arm", "/graph").
type Set struct {
	vendors   []Vendor
	running   map[string]Emulator
	logins    map[string]Login
	handler   http.Handler
	unlimited bool
	latency   time.Duration
	org       string
	calls     map[string]*atomic.Int64
}

// Start builds every registered emulator in start order.
func Start(o Options) (*Set, error) {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	vs, err := Vendors()
	if err != nil {
		return nil, err
	}
	s := &Set{vendors: vs, running: map[string]Emulator{}, logins: map[string]Login{}, unlimited: o.Unlimited,
		latency: o.Latency, org: o.Org, calls: map[string]*atomic.Int64{}}
	world := emukit.NewWorld(o.WorldSeed)
	for _, v := range vs {
		if err := s.start(v, o, world); err != nil {
			return nil, err
		}
	}
	if s.handler, err = s.routes(); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *Set) start(v Vendor, o Options, world *emukit.World) error {
	env := Env{Log: o.Logger.With("component", "emulator"), World: world, Alerts: v.DefaultAlerts, Peer: s.peer,
		Unlimited: o.Unlimited, Org: o.Org}
	if n, ok := o.Alerts[v.Kind]; ok {
		env.Alerts = n
	}
	if v.Login != "" {
		l, err := s.login(v.Login)
		if err != nil {
			return fmt.Errorf("start %s emulator: %w", v.Kind, err)
		}
		env.Login = l
	}
	e, err := v.Start(env)
	if err != nil {
		return fmt.Errorf("start %s emulator: %w", v.Kind, err)
	}
	s.running[v.Kind] = e
	return nil
}

func (s *Set) login(name string) (Login, error) {
	if l, ok := s.logins[name]; ok {
		return l, nil
	}
	spec, ok := loginSpec(name)
	if !ok {
		return nil, fmt.Errorf("login %q is not registered", name)
	}
	l := spec.Start(s.org)
	s.logins[name] = l
	return l, nil
}

func (s *Set) peer(kind string) (Emulator, bool) {
	e, ok := s.running[kind]
	return e, ok
}

// routes mounts each login, host and own-host vendor on its prefix.
func (s *Set) routes() (http.Handler, error) {
	mux := http.NewServeMux()
	seen := map[string]string{}
	mount := func(name, what string, h http.Handler) error {
		if prev, dup := seen[name]; dup {
			return fmt.Errorf("registry: %s and %s both want the path /%s", prev, what, name)
		}
		seen[name] = what
		mux.Handle("/"+name+"/", emukit.Mount("/"+name, h))
		return nil
	}
	for name, l := range s.logins {
		if err := mount(name, "login "+name, l.Handler()); err != nil {
			return nil, err
		}
	}
	behind := map[string]map[string]http.Handler{}
	for _, v := range s.vendors {
		h := s.counted(v.Kind, s.running[v.Kind].Handler())
		if v.Host == "" {
			if err := mount(v.Kind, "vendor "+v.Kind, h); err != nil {
				return nil, err
			}
			continue
		}
		if behind[v.Host] == nil {
			behind[v.Host] = map[string]http.Handler{}
		}
		behind[v.Host][v.Route] = h
	}
	for name, routes := range behind {
		spec, ok := hostSpec(name)
		if !ok {
			return nil, fmt.Errorf("registry: host %q is not registered", name)
		}
		if err := mount(name, "host "+name, spec.Router(routes)); err != nil {
			return nil, err
		}
	}
	return mux, nil
}

// counted counts the API calls a vendor has answered (its login's token
// requests are the login's, not counted). A call counts once its answer
// is written, so a reader that sees the count move sees its effects.
func (s *Set) counted(kind string, h http.Handler) http.Handler {
	n := &atomic.Int64{}
	s.calls[kind] = n
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// A caller that gives up during the latency gets no answer, and
		// the call has no effect (see emukit.Delay): served anyway, its
		// effect landed for a caller that counted it failed and sent it
		// again.
		emukit.Delay(r, s.latency)
		h.ServeHTTP(w, r)
		n.Add(1)
	})
}

// Calls is how many API calls kind's emulator has answered, through the
// Set's handler.
func (s *Set) Calls(kind string) int64 {
	if n, ok := s.calls[kind]; ok {
		return n.Load()
	}
	return 0
}

// Handler serves every emulator, login and host on its path prefix.
func (s *Set) Handler() http.Handler { return s.handler }

// Vendors lists the running vendors in start order.
func (s *Set) Vendors() []Vendor { return append([]Vendor(nil), s.vendors...) }

// Vendor returns the declaration of a running kind.
func (s *Set) Vendor(kind string) (Vendor, bool) {
	for _, v := range s.vendors {
		if v.Kind == kind {
			return v, true
		}
	}
	return Vendor{}, false
}

// Emulator returns a running emulator by kind.
func (s *Set) Emulator(kind string) (Emulator, bool) {
	e, ok := s.running[kind]
	return e, ok
}

// Path is the prefix a kind's base URL has on the Set's handler: its
// host's when it sits behind one.
func (s *Set) Path(kind string) string {
	if v, ok := s.Vendor(kind); ok && v.Host != "" {
		return "/" + v.Host
	}
	return "/" + kind
}

// Endpoints are the base URLs the hub uses: each kind's, and each login's
// by its name. Missing ones are the Set's own, under root.
type Endpoints map[string]string

// Check refuses names that are neither a running kind nor a login.
func (s *Set) Check(ep Endpoints) error {
	var bad []string
	for name := range ep {
		_, vendor := s.running[name]
		_, login := s.logins[name]
		if !vendor && !login {
			bad = append(bad, name)
		}
	}
	if len(bad) > 0 {
		return fmt.Errorf("no emulator or login named %s (known: %s)", strings.Join(bad, ", "), strings.Join(s.names(), ", "))
	}
	return nil
}

func (s *Set) names() []string {
	var out []string
	for _, v := range s.vendors {
		out = append(out, v.Kind)
	}
	for name := range s.logins {
		out = append(out, name)
	}
	return out
}

// Base returns the base URL the hub should use for name.
func (s *Set) Base(root string, ep Endpoints, name string) string {
	if u, ok := ep[name]; ok {
		return strings.TrimRight(u, "/")
	}
	if _, ok := s.logins[name]; ok {
		return strings.TrimRight(root, "/") + "/" + name
	}
	return strings.TrimRight(root, "/") + s.Path(name)
}

// Integrations returns the hub config for every running vendor, pointed
// at the Set served under root unless ep says otherwise.
func (s *Set) Integrations(root string, ep Endpoints, poll time.Duration) []config.Integration {
	id := func(kind string) string {
		v, _ := s.Vendor(kind)
		return v.ID
	}
	var out []config.Integration
	for _, v := range s.vendors {
		at := Hub{Base: s.Base(root, ep, v.Kind), Poll: poll, ID: id, Login: map[string]any{}, Unlimited: s.unlimited}
		if l, ok := s.logins[v.Login]; ok {
			at.Login = l.Settings(s.Base(root, ep, v.Login))
		}
		in := s.running[v.Kind].Integration(at)
		in.ID, in.Kind = v.ID, v.Kind
		out = append(out, in)
	}
	return out
}

// Logins lists the running logins by name.
func (s *Set) Logins() map[string]Login {
	out := make(map[string]Login, len(s.logins))
	for k, v := range s.logins {
		out[k] = v
	}
	return out
}

// LoginTitle is what a person calls a login.
func LoginTitle(name string) string {
	if spec, ok := loginSpec(name); ok && spec.Title != "" {
		return spec.Title
	}
	return name
}

// HostTitle is what a person calls a host.
func HostTitle(name string) string {
	if spec, ok := hostSpec(name); ok && spec.Title != "" {
		return spec.Title
	}
	return name
}

// As returns the vendor's own emulator type of a running kind.
func As[T any](s *Set, kind string) (T, error) {
	var zero T
	e, ok := s.running[kind]
	if !ok {
		return zero, fmt.Errorf("no %s emulator is registered", kind)
	}
	t, ok := e.Unwrap().(T)
	if !ok {
		return zero, errors.New("the " + kind + " emulator is not of the type asked for")
	}
	return t, nil
}
