package emukit

import (
	"encoding/json"
	"fmt"
	"slices"
)

// Emulators keep their records behind a mutex and hand out copies, so a
// test holding an alert never races the handler changing it. These helpers
// run with the caller's lock held; the copies are safe after it is
// released.

// CopyOf returns clone of the record m holds for key, or the zero value and
// false when there is none.
func CopyOf[K comparable, V any](m map[K]*V, key K, clone func(V) V) (V, bool) {
	p, ok := m[key]
	if !ok {
		var zero V
		return zero, false
	}
	return clone(*p), true
}

// SortedCopies returns clone of every record in m, ordered by cmp.
func SortedCopies[K comparable, V any](m map[K]*V, clone func(V) V, cmp func(a, b V) int) []V {
	out := make([]V, 0, len(m))
	for _, p := range m {
		out = append(out, clone(*p))
	}
	slices.SortFunc(out, cmp)
	return out
}

// DeepCopy copies v through its JSON form, for wire types whose maps and
// slices nest too deeply to copy by hand. v must survive a JSON round trip
// (every vendor wire type does); anything else is a programming error and
// panics.
func DeepCopy[T any](v T) T {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("emukit: deep copy %T: marshal: %v", v, err))
	}
	var c T
	if err := json.Unmarshal(b, &c); err != nil {
		panic(fmt.Sprintf("emukit: deep copy %T: unmarshal: %v", v, err))
	}
	return c
}
