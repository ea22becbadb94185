package graph

import (
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/alertsync/alertsync/internal/emulators/emukit"
)

// Raise adds one new incident holding the first one to four alerts of an
// attack story, as detections firing now: new, unassigned, stamped by the
// emulator's clock so a poller reading changes since its last poll sees
// them. The alerts are about the emulator's World (or its seed's).
func (e *Emulator) Raise(r *rand.Rand) (Incident, []Alert) {
	world := e.opts.World
	if world == nil {
		world = emukit.NewWorld(e.opts.Seed)
	}
	now := e.clock.Now().UTC()
	s := &scenario{r: r, world: world, tenant: e.opts.TenantID, now: now}
	story := emukit.Pick(r, stories)
	kinds := story[:1+r.IntN(len(story))]
	host, user := emukit.Pick(r, world.Hosts), emukit.Pick(r, world.Users)

	e.mu.Lock()
	defer e.mu.Unlock()
	in := &Incident{
		ODataType: "#microsoft.graph.security.incident", ID: e.nextIncidentIDLocked(), TenantID: e.opts.TenantID,
		Status: "active", Classification: "unknown", Determination: "unknown",
		CustomTags: []string{}, SystemTags: []string{}, Comments: []Comment{},
	}
	in.IncidentWebURL = "https://security.microsoft.com/incidents/" + in.ID + "?tid=" + e.opts.TenantID
	var cats []string
	out := make([]Alert, 0, len(kinds))
	for i, k := range kinds {
		a := s.alert(k, in, host, user, now.Add(-time.Duration(len(kinds)-i)*3*time.Minute))
		if _, dup := e.alerts[a.ID]; dup {
			continue
		}
		a.CreatedDateTime = e.ticker.Next()
		a.LastUpdateDateTime = a.CreatedDateTime
		e.alerts[a.ID] = a
		in.alertIDs = append(in.alertIDs, a.ID)
		if severityRank[a.Severity] > severityRank[in.Severity] {
			in.Severity = a.Severity
		}
		if len(cats) == 0 || cats[len(cats)-1] != a.Category {
			cats = append(cats, a.Category)
		}
		out = append(out, a.clone())
	}
	in.CreatedDateTime = e.ticker.Next()
	in.LastUpdateDateTime = in.CreatedDateTime
	in.DisplayName = incidentName(kinds[0].title, cats, len(out), kinds[0].evidence)
	e.incidents[in.ID] = in
	return in.clone(), out
}

// nextIncidentIDLocked is one above the highest numeric incident id.
func (e *Emulator) nextIncidentIDLocked() string {
	top := 0
	for id := range e.incidents {
		if n, err := strconv.Atoi(id); err == nil && n > top {
			top = n
		}
	}
	return strconv.Itoa(top + 1)
}
