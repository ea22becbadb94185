// Package registry is how vendor emulators join the demo and `alertsync
// emulate`, the way connectors join the hub: each emulator package
// declares in init() its routes, its slice of the demo scenario, how to
// read back what its console shows, and the hub integration config that
// points at it. The demo and emulate only iterate what is registered
// here, so a new vendor is one registration and one line in
// internal/emulators/all, and no edit to either command.
//
// Two pieces are shared by several vendors and registered on their own: a
// Login (the Entra ID token endpoint every Microsoft API trusts) and a
// Host (the Azure Resource Manager front door, which routes to Defender
// for Cloud or Sentinel by provider namespace).
package registry

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/alertsync/alertsync/internal/config"
	"github.com/alertsync/alertsync/internal/emulators/emukit"
)

// Vendor is what one emulator package declares.
type Vendor struct {
	// Kind is the connector kind a hub uses for this vendor ("graph"); it
	// is also the emulator's name on the command line (--endpoint KIND=URL).
	Kind string
	// ID is the integration id in the demo hub and in written configs.
	ID string
	// Name is what a person calls the API.
	Name string
	// Login names the registered Login whose tokens the vendor trusts;
	// empty when the vendor serves its own token endpoint in its routes.
	Login string
	// Host names the registered Host the vendor sits behind and Route the
	// key that host routes to it by (an ARM provider namespace). Without
	// a Host the vendor has a base URL of its own.
	Host, Route string
	// After lists kinds that must be running first: peers the emulator
	// connects to (Sentinel reads Defender for Cloud's alert stream).
	After []string
	// Writes, when set, are the only states the vendor's API lets a
	// client put an alert in (Lacework: closed); an alert the hub would
	// put in another state stays as the console shows it. Empty: all.
	Writes []State
	// FinalClose marks a vendor whose closed alerts cannot be reopened
	// (Lacework): the demo gives their alerts no conflicting verdicts,
	// which would ask the vendor for a reopen it refuses.
	FinalClose bool
	// DefaultAlerts is how many alerts Start seeds when the caller does
	// not say; zero starts empty.
	DefaultAlerts int
	// Start builds the running emulator.
	Start func(env Env) (Emulator, error)
}

// Env is what a vendor's Start gets.
type Env struct {
	Log *slog.Logger // scoped to the emulators; quiet unless asked
	// World is the fake organisation every vendor raises alerts about, so
	// the same hosts and users show up across vendors and correlation
	// finds cross-vendor incidents.
	World *emukit.World
	// Alerts is how many alerts to seed.
	Alerts int
	// Login is the running login the vendor named, nil when none.
	Login Login
	// Peer returns a running emulator the vendor named in After.
	Peer func(kind string) (Emulator, bool)
	// Unlimited asks the emulator to enforce no rate limit of its own
	// (the benchmark measures the sync path, not the vendor's quota).
	Unlimited bool
	// Org names the customer organisation the Set emulates: "" is the
	// demo's own; another name is a second customer of a provider, with
	// its own Entra tenant and its own Sekoia.io community, whose seeded
	// alerts carry the same vendor ids as the first's.
	Org string
}

// Emulator is one running vendor emulator.
type Emulator interface {
	// Handler serves the vendor's API with the paths the vendor documents,
	// relative to its base URL.
	Handler() http.Handler
	// Console reads back what the vendor's own console would show.
	Console() Console
	// Integration is the hub config that points a hub at the vendor (its
	// ID and Kind are the registration's).
	Integration(at Hub) config.Integration
	// Unwrap returns the vendor's own emulator type, for the demo's
	// vendor-specific checks.
	Unwrap() any
}

// Hub is what an integration config is built from.
type Hub struct {
	// Base is the URL the hub reaches the vendor at: the emulator's base
	// URL, its host's, or whatever a person put in front of it.
	Base string
	// Login holds the settings that log in through the vendor's Login
	// (token URL and credentials), secrets included.
	Login map[string]any
	// Poll is the hub's poll interval.
	Poll time.Duration
	// ID returns the integration id of another registered kind.
	ID func(kind string) string
	// Unlimited asks for a hub config that spends no rate budget (set
	// the vendor's requests-per-period settings to 0), to go with an
	// emulator started Unlimited.
	Unlimited bool
}

// NoBudget sets the named request-budget settings to 0 (none) when the
// hub is to spend no budget (Unlimited), and returns settings.
func (h Hub) NoBudget(settings map[string]any, fields ...string) map[string]any {
	if h.Unlimited {
		for _, f := range fields {
			settings[f] = 0
		}
	}
	return settings
}

// Settings returns the login settings with extra merged over them.
func (h Hub) Settings(extra map[string]any) map[string]any {
	out := make(map[string]any, len(h.Login)+len(extra))
	for k, v := range h.Login {
		out[k] = v
	}
	for k, v := range extra {
		out[k] = v
	}
	return out
}

// Writable reports whether a client can put the vendor's alerts in st.
func (v Vendor) Writable(st State) bool {
	return len(v.Writes) == 0 || slices.Contains(v.Writes, st)
}

// Raiser is a vendor whose detections keep firing during a long demo: it
// raises new alerts about the shared world and returns their ids.
type Raiser interface {
	Raise(r *rand.Rand) ([]string, error)
}

// Portal is a vendor whose own users change its objects during a long
// demo (a Defender for Cloud subscription owner dismissing an alert). It
// changes one object that skip allows and returns it; ok is false when
// none was left.
type Portal interface {
	PortalChange(r *rand.Rand, skip func(Object) bool) (changed Object, ok bool, err error)
}

// Seeder is a vendor that seeds a walk-through for `alertsync emulate`
// and tells a person how to act on it. base is the vendor's base URL.
type Seeder interface {
	SeedWalkthrough() error
	Describe(w io.Writer, base string)
}

// LoginSpec declares a shared login.
type LoginSpec struct {
	Name  string // "entra"
	Title string // what a person calls it
	// Start runs the login of an organisation (Env.Org).
	Start func(org string) Login
}

// Login is a running token endpoint several vendors trust.
type Login interface {
	Handler() http.Handler
	// Settings are the hub settings that log in through base (token URL
	// and credentials, secrets included).
	Settings(base string) map[string]any
	// Describe tells a person the credentials and where tokens come from.
	Describe(w io.Writer, base string)
}

// HostSpec declares a host several vendors sit behind.
type HostSpec struct {
	Name  string // "arm"
	Title string
	// Router routes to the vendors behind the host, given each one's
	// Route key and handler.
	Router func(routes map[string]http.Handler) http.Handler
}

var (
	mu      sync.RWMutex
	vendors = map[string]Vendor{}
	logins  = map[string]LoginSpec{}
	hosts   = map[string]HostSpec{}
)

// Register adds a vendor. It panics on a duplicate or an incomplete
// declaration, programming errors caught at start-up.
func Register(v Vendor) {
	mu.Lock()
	defer mu.Unlock()
	if v.Kind == "" || v.ID == "" || v.Start == nil || (v.Host != "") != (v.Route != "") {
		panic("registry: Register needs Kind, ID, Start, and Route with Host")
	}
	if _, dup := vendors[v.Kind]; dup {
		panic(fmt.Sprintf("registry: vendor %q registered twice", v.Kind))
	}
	vendors[v.Kind] = v
}

// RegisterLogin adds a shared login; registering one name twice keeps the
// first, so every vendor of a family may register the family's login.
func RegisterLogin(l LoginSpec) {
	mu.Lock()
	defer mu.Unlock()
	if _, ok := logins[l.Name]; !ok {
		logins[l.Name] = l
	}
}

// RegisterHost adds a shared host; like RegisterLogin, the first wins.
func RegisterHost(h HostSpec) {
	mu.Lock()
	defer mu.Unlock()
	if _, ok := hosts[h.Name]; !ok {
		hosts[h.Name] = h
	}
}

// Vendors lists the registered vendors in start order: each after those
// it names in After, otherwise by kind.
func Vendors() ([]Vendor, error) {
	mu.RLock()
	defer mu.RUnlock()
	kinds := make([]string, 0, len(vendors))
	for k := range vendors {
		kinds = append(kinds, k)
	}
	slices.Sort(kinds)
	var out []Vendor
	placed := map[string]bool{}
	for len(out) < len(kinds) {
		progress := false
		for _, k := range kinds {
			v := vendors[k]
			if placed[k] || !allPlaced(v.After, placed) {
				continue
			}
			out, placed[k], progress = append(out, v), true, true
		}
		if !progress {
			return nil, fmt.Errorf("registry: vendors wait on each other or on an unregistered kind")
		}
	}
	return out, nil
}

func allPlaced(kinds []string, placed map[string]bool) bool {
	for _, k := range kinds {
		if !placed[k] {
			return false
		}
	}
	return true
}

func loginSpec(name string) (LoginSpec, bool) {
	mu.RLock()
	defer mu.RUnlock()
	l, ok := logins[name]
	return l, ok
}

func hostSpec(name string) (HostSpec, bool) {
	mu.RLock()
	defer mu.RUnlock()
	h, ok := hosts[name]
	return h, ok
}

// AuditLog is a vendor whose console is an audit log rather than alerts
// (Office 365's Management Activity API): the demo checks that the hub
// stored every record the vendor has made available and linked those
// that name an alert's user or IP to it.
type AuditLog interface {
	// Available lists the records a reader can fetch now (their content
	// published), oldest first.
	Available() []AuditRecord
}

// AuditRecord is one audit record as the vendor's console shows it.
type AuditRecord struct {
	ID   string // the record's Id, as the hub stores it (VendorID)
	User string // the user principal name, as the vendor writes it
	IP   string // the client IP, empty when the record has none
}

// Intake is a vendor that takes events pushed to it (Sekoia.io's HTTP
// intake): the demo pushes an alert through the hub and checks the vendor
// received it.
type Intake interface {
	// Received lists the events the intake stored, as the JSON documents
	// pushed (each event's "json" string decoded when it held JSON),
	// oldest first.
	Received() []json.RawMessage
}
