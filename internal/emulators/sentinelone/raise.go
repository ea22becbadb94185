package sentinelone

import (
	"math/rand/v2"

	"github.com/alertsync/alertsync/internal/emulators/emukit"
)

// Raised is what Raise created: new threat ids and new cloud-detection
// alert ids.
type Raised struct {
	Threats, CloudAlerts []string
}

// Raise detects something new on one machine of the World, now: one or
// two unresolved threats and, one time in three, a STAR alert as well,
// stamped after everything before so a poller reading changes since its
// last poll sees them.
func (e *Emulator) Raise(r *rand.Rand) Raised {
	host, user := emukit.Pick(r, e.world.Hosts), emukit.Pick(r, e.world.Users)
	var out Raised
	e.mu.Lock()
	defer e.mu.Unlock()
	for range 1 + r.IntN(2) {
		t := e.newThreat(r, host, user, e.now())
		if _, dup := e.threats[t.ID]; dup {
			continue
		}
		t.ThreatInfo.CreatedAt = e.stamp()
		t.ThreatInfo.UpdatedAt = t.ThreatInfo.CreatedAt
		e.threats[t.ID] = t
		out.Threats = append(out.Threats, t.ID)
	}
	if r.IntN(3) == 0 {
		a := e.newCloudAlert(r, host, user, e.now())
		if _, dup := e.cloud[a.AlertInfo.AlertID]; !dup {
			a.AlertInfo.CreatedAt = e.stamp()
			a.AlertInfo.UpdatedAt = a.AlertInfo.CreatedAt
			e.cloud[a.AlertInfo.AlertID] = a
			out.CloudAlerts = append(out.CloudAlerts, a.AlertInfo.AlertID)
		}
	}
	return out
}
