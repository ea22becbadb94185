package mde

import (
	"math/rand/v2"
	"time"

	"github.com/alertsync/alertsync/internal/emulators/emukit"
)

// Raise adds one to three new alerts on one machine of the emulator's
// World (or its seed's), as detections firing now: New, unassigned, in a
// new incident, stamped by the emulator's clock so a poller reading
// changes since its last poll sees them. It returns copies of them.
func (e *Emulator) Raise(r *rand.Rand) []Alert {
	w := e.opts.World
	if w == nil {
		w = emukit.NewWorld(e.opts.Seed)
	}
	host, user := emukit.Pick(r, w.Hosts), emukit.Pick(r, w.Users)
	now := e.clock.Now().UTC()
	e.mu.Lock()
	defer e.mu.Unlock()
	incident := int64(1)
	for _, a := range e.alerts {
		incident = max(incident, a.IncidentID+1)
	}
	n := 1 + r.IntN(3)
	out := make([]Alert, 0, n)
	for i := range n {
		a := newAlert(r, w, emukit.Pick(r, detections), host, user, incident, nil, e.opts.TenantID, now.Add(-time.Duration(n-i)*2*time.Minute))
		if _, dup := e.alerts[a.ID]; dup {
			continue
		}
		a.Status, a.AssignedTo, a.Classification, a.Determination, a.ResolvedTime = "New", nil, nil, nil, nil
		a.AlertCreationTime = e.ticker.Next()
		a.LastUpdateTime = a.AlertCreationTime
		e.alerts[a.ID] = a
		out = append(out, a.clone())
	}
	return out
}
