package connector

import (
	"fmt"
	"sort"
	"sync"
)

// Factory builds a connector from normalised settings (see ConfigSpec.Decode).
type Factory func(deps Deps, settings map[string]any) (Connector, error)

// Registration is what a vendor package declares in init().
type Registration struct {
	Kind        string
	Title       string
	Description string
	Spec        ConfigSpec
	New         Factory
	// Family lists sub-products that one integration of this kind covers and
	// that the integrations list shows as rows of their own (Graph v2 does
	// this for the Defender family). Optional.
	Family []FamilyMember
	// Reconcile, for kinds whose incidents contain other integrations'
	// alerts (Sentinel incidents hold Defender for Cloud alerts), is the
	// default mapping from member alert states to the incident's state.
	// Integrations may override it in config. Optional.
	Reconcile *ReconcileDefaults
}

// ReconcileDefaults maps a member alert's canonical status (in_progress,
// suppressed, resolved) to what the containing incident should become.
type ReconcileDefaults struct {
	OnAlert              map[string]ReconcileTarget `json:"on_alert" yaml:"on_alert"`
	ResolveAlertsOnClose bool                       `json:"resolve_alerts_on_close" yaml:"resolve_alerts_on_close"`
}

// ReconcileTarget is the incident state to write, in canonical status plus
// the target's own classification vocabulary.
type ReconcileTarget struct {
	Status               string `json:"status" yaml:"status"`
	Classification       string `json:"classification,omitempty" yaml:"classification"`
	ClassificationReason string `json:"classification_reason,omitempty" yaml:"classification_reason"`
}

// FamilyMember is one product covered through another integration.
type FamilyMember struct {
	Name   string `json:"name"`
	Filter string `json:"filter"`
	Via    string `json:"via"`
}

var (
	regMu sync.RWMutex
	reg   = map[string]Registration{}
)

// Register adds a connector kind. It panics on a duplicate, which is a
// programming error caught at start-up.
func Register(r Registration) {
	regMu.Lock()
	defer regMu.Unlock()
	if r.Kind == "" || r.New == nil {
		panic("connector: Register needs Kind and New")
	}
	if _, dup := reg[r.Kind]; dup {
		panic(fmt.Sprintf("connector: kind %q registered twice", r.Kind))
	}
	reg[r.Kind] = r
}

// Lookup returns the registration of kind.
func Lookup(kind string) (Registration, bool) {
	regMu.RLock()
	defer regMu.RUnlock()
	r, ok := reg[kind]
	return r, ok
}

// Kinds lists registered kinds in order.
func Kinds() []string {
	regMu.RLock()
	defer regMu.RUnlock()
	out := make([]string, 0, len(reg))
	for k := range reg {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Build validates settings against the kind's spec and constructs it.
func Build(kind string, deps Deps, settings map[string]any) (Connector, error) {
	r, ok := Lookup(kind)
	if !ok {
		return nil, fmt.Errorf("connector kind %q is not compiled in (known: %v)", kind, Kinds())
	}
	norm, err := r.Spec.Normalize(settings)
	if err != nil {
		return nil, fmt.Errorf("integration %s (%s): %w", deps.ID, kind, err)
	}
	c, err := r.New(deps, norm)
	if err != nil {
		return nil, fmt.Errorf("build integration %s (%s): %w", deps.ID, kind, err)
	}
	return c, nil
}

// Decoding is the Factory most vendor packages register: it decodes the
// settings into a C with spec (strictly, defaults applied, secrets
// revealed) and hands them to build, the package's New.
func Decoding[C any, T Connector](spec ConfigSpec, build func(Deps, C) (T, error)) Factory {
	return func(deps Deps, settings map[string]any) (Connector, error) {
		var cfg C
		if err := spec.Decode(settings, &cfg); err != nil {
			return nil, err
		}
		c, err := build(deps, cfg)
		if err != nil {
			return nil, err
		}
		return c, nil
	}
}
