package lacework

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/alertsync/alertsync/internal/emulators/emukit"
)

// Statuses an alert carries. The console also shows In progress [U:
// whether and how the API returns it; the emulator lists it as written].
const (
	StatusOpen       = "Open"
	StatusInProgress = "In progress"
	StatusClosed     = "Closed"
)

// CloseReasons are the reasons POST .../close takes: 0 to 4 from the
// FortiCNAPP CLI docs, 5 from the Go SDK [U: 6 and 7 unknown, refused].
var CloseReasons = map[int]string{
	0: "Other", 1: "False positive", 2: "Not enough information",
	3: "Malicious and have resolution in place", 4: "Expected because of routine testing", 5: "Expected Behavior",
}

// firstID numbers the alerts; Lacework's are plain integers.
const firstID = 960000

// errClosed is a close of an alert already closed: Lacework cannot reopen
// or close again.
var errClosed = errors.New("alert is already closed")

// Seed replaces all alerts with n generated from seed.
func (e *Emulator) Seed(n int, seed int64) {
	now := e.clock.Now().UTC()
	e.mu.Lock()
	defer e.mu.Unlock()
	e.alerts, e.nextID, e.nextNote = map[int]*Alert{}, firstID, 1
	e.ticker.Reset()
	for _, a := range e.generate(n, seed, now) {
		e.alerts[a.ID] = a
		e.ticker.Observe(a.UserUpdated)
	}
}

// SeedAlerts adds n new open alerts about the last full hour and returns
// their ids.
func (e *Emulator) SeedAlerts(n int) []string {
	e.mu.Lock()
	e.serial++
	r := emukit.NewRand(e.opts.Seed*7919 + e.serial)
	e.mu.Unlock()
	var ids []string
	for _, a := range e.raise(r, n) {
		ids = append(ids, strconv.Itoa(a.ID))
	}
	return ids
}

// Raise adds one or two new alerts, as policies and anomaly detection
// firing on the last full hour, and returns copies of them.
func (e *Emulator) Raise(r *rand.Rand) []Alert { return e.raise(r, 1+r.IntN(2)) }

func (e *Emulator) raise(r *rand.Rand, n int) []Alert {
	end := e.clock.Now().UTC().Truncate(time.Hour)
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make([]Alert, 0, n)
	for range n {
		a := e.newAlert(r, end.Add(-time.Hour))
		e.alerts[a.ID] = a
		out = append(out, a.clone())
	}
	return out
}

func (a Alert) clone() Alert { return emukit.DeepCopy(a) }

// Alert returns a copy of the alert with id (its decimal form).
func (e *Emulator) Alert(id string) (Alert, bool) {
	n, err := strconv.Atoi(id)
	if err != nil {
		return Alert{}, false
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	return emukit.CopyOf(e.alerts, n, Alert.clone)
}

// Alerts returns copies of all alerts, by start time then id.
func (e *Emulator) Alerts() []Alert {
	e.mu.Lock()
	defer e.mu.Unlock()
	return emukit.SortedCopies(e.alerts, Alert.clone, byStart)
}

func byStart(a, b Alert) int { return cmp.Or(a.Start.Compare(b.Start), cmp.Compare(a.ID, b.ID)) }

// Status returns an alert's status, empty when there is no such alert.
func (e *Emulator) Status(id string) string {
	a, _ := e.Alert(id)
	return a.Status
}

// Comments returns the texts of an alert's comments, oldest first: those
// posted and those a close carried.
func (e *Emulator) Comments(id string) []string {
	a, _ := e.Alert(id)
	return a.comments()
}

func (a Alert) comments() []string {
	var out []string
	for _, t := range a.Timeline {
		if t.EntryType == entryComment {
			out = append(out, t.Message.Value)
		}
	}
	return out
}

// SetAlertStatus changes an alert's status as a person in the console
// would: Open or In progress, or Closed (as Other). A closed alert stays
// closed.
func (e *Emulator) SetAlertStatus(id, status string) error {
	if status != StatusOpen && status != StatusInProgress && status != StatusClosed {
		return fmt.Errorf("set alert status: %q is not Open, In progress or Closed", status)
	}
	n, _ := strconv.Atoi(id)
	e.mu.Lock()
	defer e.mu.Unlock()
	a, ok := e.alerts[n]
	switch {
	case !ok:
		return fmt.Errorf("set alert status: alert %q not found", id)
	case a.Status == StatusClosed:
		return fmt.Errorf("set alert status: %w", errClosed)
	case status == StatusClosed:
		return e.closeLocked(a, 0, "Closed in the console.", DefaultUser)
	}
	a.Status, a.UserUpdated = status, e.ticker.Next()
	return nil
}

// Timeline entry types [U: only Comment is documented].
const (
	entryComment = "Comment"
	entryStatus  = "StatusChange"
)

// noteLocked appends a timeline entry by username.
func (e *Emulator) noteLocked(a *Alert, kind, text, username string) Timeline {
	t := Timeline{
		ID: e.nextNote, AlertID: a.ID, EntryType: kind, EntryAuthorType: "UserUpdate", Message: value{text},
		ExternalTime: "0", User: user{UserGUID: userGUID(username), Username: username}, UpdateContext: map[string]any{},
	}
	e.nextNote++
	a.Timeline = append(a.Timeline, t)
	return t
}

// closeLocked closes a for reason, noting the comment (when any) and the
// status change on its timeline.
func (e *Emulator) closeLocked(a *Alert, reason int, comment, username string) error {
	if a.Status == StatusClosed {
		return errClosed
	}
	a.Status, a.CloseReason, a.UserUpdated = StatusClosed, &reason, e.ticker.Next()
	if comment != "" {
		e.noteLocked(a, entryComment, comment, username)
	}
	e.noteLocked(a, entryStatus, "Closed: "+CloseReasons[reason], username)
	return nil
}

// userGUID is a stable user guid of the account's shape.
func userGUID(username string) string {
	sum := sha256.Sum256([]byte(username))
	return "ALERTSYNC_" + strings.ToUpper(hex.EncodeToString(sum[:20]))
}

// sortedLocked returns the alerts whose start is in [from, to], by start
// then id.
func (e *Emulator) sortedLocked(from, to time.Time) []*Alert {
	var out []*Alert
	for _, a := range e.alerts {
		if !a.Start.Before(from) && !a.Start.After(to) {
			out = append(out, a)
		}
	}
	slices.SortFunc(out, func(a, b *Alert) int { return byStart(*a, *b) })
	return out
}
