package crowdstrike

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/alertsync/alertsync/internal/emulators/emukit"
)

// statuses are the values update_status accepts and alerts carry.
var statuses = []string{"new", "in_progress", "reopened", "closed"}

// resolutionTags are the tags the console's Resolution sets; the alert's
// resolution field is derived from them.
var resolutionTags = []string{"true_positive", "false_positive", "ignored"}

// Seed replaces all alerts with n generated from seed.
func (e *Emulator) Seed(n int, seed int64) {
	alerts := e.generate(n, seed, e.clock.Now().UTC())
	e.mu.Lock()
	defer e.mu.Unlock()
	e.alerts = map[string]*Alert{}
	e.ticker.Reset()
	for _, a := range alerts {
		e.alerts[a.CompositeID] = a
		e.ticker.Observe(a.UpdatedAt)
	}
}

// SeedAlerts adds n new, unassigned alerts on random hosts of the world,
// each stamped later than anything before, and returns their composite ids.
func (e *Emulator) SeedAlerts(n int) []string {
	e.mu.Lock()
	r := emukit.NewRand(e.opts.Seed + int64(e.serial) + 1)
	e.mu.Unlock()
	var ids []string
	for len(ids) < n {
		for _, a := range e.raise(r, min(3, n-len(ids))) {
			ids = append(ids, a.CompositeID)
		}
	}
	return ids
}

// Raise adds one to three new alerts on one host of the world, as
// detections firing now, and returns copies of them.
func (e *Emulator) Raise(r *rand.Rand) []Alert { return e.raise(r, 1+r.IntN(3)) }

func (e *Emulator) raise(r *rand.Rand, n int) []Alert {
	w := e.world()
	hi := r.IntN(len(w.Hosts))
	host, user := w.Hosts[hi], emukit.Pick(r, w.Users)
	now := e.clock.Now().UTC()
	e.mu.Lock()
	defer e.mu.Unlock()
	inc := ""
	if n > 1 {
		inc = "inc:" + host.MachineID[:32] + ":" + emukit.HexString(r, 32)
	}
	out := make([]Alert, 0, n)
	for i := range n {
		e.serial++
		s := spawn{d: emukit.Pick(r, detections), host: host, user: user, file: emukit.Pick(r, w.Files),
			at: now.Add(-time.Duration(n-i) * 2 * time.Minute), incident: inc, serial: 500000000 + int64(e.serial)}
		a := e.newAlert(r, s, hi)
		a.CrawledAt = now
		a.CreatedAt = e.ticker.Next()
		a.UpdatedAt = a.CreatedAt
		e.alerts[a.CompositeID] = a
		out = append(out, a.clone())
	}
	return out
}

// Alert returns a copy of the alert with this composite id.
func (e *Emulator) Alert(id string) (Alert, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return emukit.CopyOf(e.alerts, id, Alert.clone)
}

// Alerts returns copies of all alerts, oldest first.
func (e *Emulator) Alerts() []Alert {
	e.mu.Lock()
	defer e.mu.Unlock()
	return emukit.SortedCopies(e.alerts, Alert.clone, func(a, b Alert) int {
		return cmp.Or(a.CreatedAt.Compare(b.CreatedAt), strings.Compare(a.CompositeID, b.CompositeID))
	})
}

// Comments returns the comments appended to an alert, oldest first.
func (e *Emulator) Comments(id string) []Comment {
	a, _ := e.Alert(id)
	return a.Comments
}

// SetAlertStatus changes an alert's status as an analyst in the console
// would, bumping updated_timestamp.
func (e *Emulator) SetAlertStatus(id, status string) error {
	if !slices.Contains(statuses, status) {
		return fmt.Errorf("set alert status: %q is not one of %v", status, statuses)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	a, ok := e.alerts[id]
	if !ok {
		return fmt.Errorf("set alert status: alert %q not found", id)
	}
	now := e.ticker.Next()
	setStatus(a, status, now)
	a.UpdatedAt = now
	return nil
}

// setStatus changes status and the triage and resolution timings.
func setStatus(a *Alert, status string, now time.Time) {
	a.Status = status
	since := int64(now.Sub(a.CreatedAt) / time.Second)
	if status != "new" && a.SecondsToTriag == nil {
		a.SecondsToTriag = &since
	}
	if status == "closed" {
		a.SecondsToRes = &since
	} else {
		a.SecondsToRes = nil
	}
}
