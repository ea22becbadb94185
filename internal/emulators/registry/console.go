package registry

import "strings"

// Console is what a vendor's own console shows: the read-back the demo
// compares with the hub, never the hub's own records.
type Console interface {
	// Objects lists every alert and incident.
	Objects() []Object
	// Object returns one, by kind and the id the vendor gives it.
	Object(kind, id string) (Object, bool)
}

// Object kinds, spelled as alertsync's model spells them.
const (
	KindAlert    = "alert"
	KindIncident = "incident"
)

// State is what an object's status means, in words every vendor's
// statuses map onto.
type State string

// States. Closed covers resolved and dismissed alike: several vendors
// have one closed status for both.
const (
	StateNew        State = "new"
	StateInProgress State = "in_progress"
	StateClosed     State = "closed"
	StateUnknown    State = "unknown"
)

// Object is one alert or incident as the vendor shows it.
type Object struct {
	Kind   string // KindAlert or KindIncident
	ID     string // the vendor's id, as the hub stores it (VendorID)
	Status string // the vendor's own word
	State  State
	// Comments are the texts of its comments, oldest first (those a state
	// write carries included, as the vendor lists them).
	Comments []string
}

// Key names the object within its vendor.
func (o Object) Key() string { return o.Kind + ":" + o.ID }

// StateOf looks status up in a vendor's table, case-insensitively.
func StateOf(table map[string]State, status string) State {
	for k, v := range table {
		if strings.EqualFold(k, status) {
			return v
		}
	}
	return StateUnknown
}

// AlertConsole is the Console of a vendor whose console lists alerts only
// (no incidents): List reads them all, Get one by the id the vendor gives
// it, and Show turns one into an Object.
type AlertConsole[T any] struct {
	List func() []T
	Get  func(id string) (T, bool)
	Show func(T) Object
}

// Objects lists every alert.
func (c AlertConsole[T]) Objects() []Object { return c.listing().Objects() }

// Object returns one alert; the vendor has no other kind.
func (c AlertConsole[T]) Object(kind, id string) (Object, bool) { return c.listing().Object(kind, id) }

func (c AlertConsole[T]) listing() Listing[T] {
	return Listing[T]{Kind: KindAlert, List: c.List, Get: c.Get, Show: c.Show}
}

// Listing is the Console of one kind of object (KindAlert or
// KindIncident) a vendor's console lists; Consoles joins several.
type Listing[T any] struct {
	Kind string
	List func() []T
	Get  func(id string) (T, bool)
	Show func(T) Object
}

// Objects lists every object of the kind.
func (c Listing[T]) Objects() []Object {
	var out []Object
	for _, v := range c.List() {
		out = append(out, c.Show(v))
	}
	return out
}

// Object returns one object of the kind.
func (c Listing[T]) Object(kind, id string) (Object, bool) {
	if kind != c.Kind {
		return Object{}, false
	}
	v, ok := c.Get(id)
	if !ok {
		return Object{}, false
	}
	return c.Show(v), true
}

// Consoles is the Console of a vendor whose console lists several kinds.
type Consoles []Console

// Objects lists every object of every kind.
func (cs Consoles) Objects() []Object {
	var out []Object
	for _, c := range cs {
		out = append(out, c.Objects()...)
	}
	return out
}

// Object returns one object from whichever console has it.
func (cs Consoles) Object(kind, id string) (Object, bool) {
	for _, c := range cs {
		if o, ok := c.Object(kind, id); ok {
			return o, true
		}
	}
	return Object{}, false
}
