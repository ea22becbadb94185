package emukit

import "time"

// StampResolved keeps a resolved-at stamp the way Microsoft's security APIs
// do (Graph resolvedDateTime, MDE resolvedTime): set to now when a record
// first becomes resolved, kept while it stays resolved, cleared when it is
// reopened.
func StampResolved(at **time.Time, resolved bool, now time.Time) {
	switch {
	case !resolved:
		*at = nil
	case *at == nil:
		*at = &now
	}
}
