package demo

import (
	"fmt"
	"strings"
	"time"

	"github.com/alertsync/alertsync/internal/emulators/registry"
	"github.com/alertsync/alertsync/internal/model"
	"github.com/alertsync/alertsync/internal/store"
)

// Mismatch is one way the hub and a vendor's console disagree.
type Mismatch struct {
	Object string `json:"object"` // kind:vendor id
	Field  string `json:"field"`  // presence, state or remote_status
	Hub    string `json:"hub"`
	Remote string `json:"remote"`
}

// hubObject is what the hub holds of one remote object.
type hubObject struct {
	status model.Status
	remote string
}

// hubObjects reads every alert and incident the hub holds of one
// integration, by kind:vendor id.
func (s *scenario) hubObjects(integration string) (map[string]hubObject, error) {
	out := map[string]hubObject{}
	for _, a := range s.alerts(integration) {
		out[registry.KindAlert+":"+a.VendorID] = hubObject{a.Status, a.RemoteStatus}
	}
	after := int64(0)
	for {
		page, err := s.st.IncidentList(s.ctx, store.IncidentListParams{Integration: integration, AfterID: after, Limit: 1000})
		if err != nil {
			return nil, fmt.Errorf("list %s incidents: %w", integration, err)
		}
		if len(page) == 0 {
			return out, nil
		}
		for _, in := range page {
			out[registry.KindIncident+":"+in.VendorID] = hubObject{in.Status, in.RemoteStatus}
		}
		after = page[len(page)-1].ID
	}
}

// compare lists where the hub and a vendor's console disagree: an object
// only one of them has, a different state (new, in progress, closed) or
// a status word the hub last saw that is not the vendor's.
func compare(v registry.Vendor, hub map[string]hubObject, console []registry.Object) []Mismatch {
	out := []Mismatch{}
	seen := map[string]bool{}
	for _, o := range console {
		key := o.Key()
		seen[key] = true
		h, ok := hub[key]
		switch {
		case !ok:
			out = append(out, Mismatch{Object: key, Field: "presence", Hub: "absent", Remote: "present"})
		case stateOf(h.status) != o.State && v.Writable(stateOf(h.status)):
			out = append(out, Mismatch{Object: key, Field: "state", Hub: string(h.status), Remote: o.Status})
		case !strings.EqualFold(h.remote, o.Status):
			out = append(out, Mismatch{Object: key, Field: "remote_status", Hub: h.remote, Remote: o.Status})
		}
	}
	for key := range hub {
		if !seen[key] {
			out = append(out, Mismatch{Object: key, Field: "presence", Hub: "present", Remote: "absent"})
		}
	}
	return out
}

// duplicates counts the comments an object shows more than once.
func duplicates(console []registry.Object) int {
	n := 0
	for _, o := range console {
		seen := map[string]int{}
		for _, c := range o.Comments {
			if seen[c]++; seen[c] > 1 {
				n++
			}
		}
	}
	return n
}

// mismatches compares every integration once.
func (s *scenario) mismatches() (int, error) {
	n := 0
	for _, v := range s.w.set.Vendors() {
		hub, err := s.hubObjects(v.ID)
		if err != nil {
			return 0, err
		}
		em, _ := s.w.set.Emulator(v.Kind)
		n += len(compare(v, hub, em.Console().Objects()))
	}
	return n, nil
}

// converge waits, up to limit, until the outbox has drained and hub and
// vendors agree: each vendor's own changes reach the hub on its next
// polls, and what those cause reaches the vendors in turn.
func (s *scenario) converge(limit time.Duration) {
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) && s.ctx.Err() == nil {
		if _, ok := s.waitUntil(time.Until(deadline), func() bool { return s.pendingActions() == 0 }); !ok {
			return
		}
		time.Sleep(2 * s.poll)
		n, err := s.mismatches()
		if err == nil && n == 0 && s.pendingActions() == 0 {
			return
		}
	}
}
