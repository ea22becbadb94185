package sekoia

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/alertsync/alertsync/internal/emulators/emukit"
)

// target says what an alert's target is on the world: a host's address,
// its DNS name, or a user's UPN.
type target int

const (
	targetHostIP target = iota
	targetHostName
	targetUser
)

// detection is a rule the scenario can raise, modelled on the fact
// sheet's example (a CTI rule on RAT traffic) and Sekoia's catalogue of
// Sigma and anomaly rules; category/value follow the alert_type pairs
// the platform uses.
type detection struct {
	rule, ruleType, detectionType string
	category, value, details      string
	severity                      int
	internal                      bool   // the source is the host itself, not an attacker
	to                            target // what the target is
}

var detections = []detection{
	{"RAT LightSteelBlue", "cti", "CTI", "malicious-traffic", "rat-traffic", "Traffic associated to a Remote Administration Tool", 95, false, targetHostIP},
	{"Mimikatz Basic Commands", "sigma", "sigma", "intrusions", "system-compromise", "Mimikatz command line arguments seen on a host", 80, true, targetHostName},
	{"Suspicious PowerShell Encoded Command", "sigma", "sigma", "malicious-code", "malware", "PowerShell ran a base64-encoded command line", 60, true, targetHostName},
	{"Potential Brute Force On Account", "sigma", "anomaly", "intrusion-attempts", "brute-force", "Many failed logons on one account from one source", 45, false, targetUser},
	{"Impossible Travel", "anomaly", "anomaly", "intrusions", "account-compromise", "Logons of one account from two distant countries within an hour", 55, false, targetUser},
	{"Cobalt Strike Beacon", "cti", "CTI", "malicious-traffic", "c2-server", "Traffic to a known Cobalt Strike team server", 90, false, targetHostIP},
	{"Network Scan From Internal Host", "sigma", "sigma", "information-gathering", "scanner", "One host probed many ports on the internal network", 30, true, targetHostIP},
	{"Phishing Link Clicked", "cti", "CTI", "fraud", "phishing", "A user followed a link to a known phishing domain", 40, false, targetUser},
}

// urgencyDisplay is the band name of a 0-100 urgency (the swagger's
// table: Low [0-20[, Moderate [20-40[, High [40-60[, Major [60-80[,
// Urgent [80-100]).
func urgencyDisplay(v int) string {
	switch {
	case v >= 80:
		return "Urgent"
	case v >= 60:
		return "Major"
	case v >= 40:
		return "High"
	case v >= 20:
		return "Moderate"
	}
	return "Low"
}

// entityOf is the Sekoia entity alerts of a community belong to.
func entityOf(community string) Entity {
	if community == OtherCommunity {
		return Entity{UUID: "0b7e3c2d-6f1a-4e59-a8c4-2d9f1e7b3a60", Name: "Fabrikam Branch"}
	}
	return Entity{UUID: "20b0b40f-ee42-405e-802b-c576ff3f722d", Name: "Contoso Headquarters"}
}

// spawn is one detection about to be made into an alert.
type spawn struct {
	d         detection
	community string
	at        time.Time // when it was raised
}

// newAlert builds a Pending alert of s on the world, drawn from r.
func (e *Emulator) newAlert(r *rand.Rand, s spawn) *Alert {
	w := e.opts.World
	host, user := emukit.Pick(r, w.Hosts), emukit.Pick(r, w.Users)
	src := emukit.Pick(r, w.AttackerIPs)
	if s.d.internal {
		src = host.IP
	}
	dst := host.IP
	switch s.d.to {
	case targetHostName:
		dst = host.DNSName
	case targetUser:
		dst = user.UPN
	}
	criticity := r.IntN(60)
	urgency := (s.d.severity + criticity) / 2 // the documentation's formula
	seen := s.at.UTC().Format(time.RFC3339)
	return &Alert{
		UUID: emukit.GUID(r), ShortID: shortID(r), Title: s.d.rule, CreatedAt: s.at.Unix(), UpdatedAt: s.at.Unix(),
		CreatedBy: "a5fe93d8-e910-494b-ab83-8565fa2e5916", CreatedByType: "application",
		UpdatedBy: "a5fe93d8-e910-494b-ab83-8565fa2e5916", UpdatedByType: "application",
		CommunityUUID: s.community, Entity: entityOf(s.community),
		Urgency:   Urgency{CurrentValue: urgency, Value: urgency, Severity: s.d.severity, Criticity: criticity, Display: urgencyDisplay(urgency)},
		AlertType: AlertType{Category: s.d.category, Value: s.d.value}, Status: Pending,
		Rule: Rule{UUID: ruleUUID(s.d), Name: s.d.rule, Severity: s.d.severity, Type: s.d.ruleType,
			Pattern: fmt.Sprintf("[ipv4-addr:value = '%s']", src)},
		DetectionType: s.d.detectionType, Source: src, Target: dst, Details: s.d.details,
		TTPs: []Ref{}, Adversaries: []Ref{}, FirstSeenAt: seen, LastSeenAt: seen,
		Assets: []string{host.DeviceID}, IntakeUUIDs: []string{},
	}
}

// ruleUUID keeps one uuid per rule across alerts.
func ruleUUID(d detection) string {
	for i, x := range detections {
		if x.rule == d.rule {
			return emukit.GUID(emukit.NewRand(int64(1000 + i)))
		}
	}
	return emukit.GUID(emukit.NewRand(999))
}

// shortID is "AL" and ten letters, like the fact sheet's "ALTqhwoRAyqk".
func shortID(r *rand.Rand) string {
	const letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	b := []byte("AL")
	for range 10 {
		b = append(b, letters[r.IntN(len(letters))])
	}
	return string(b)
}

// Seed replaces all alerts with n generated from seed: about a third in
// OtherCommunity, raised over the last two weeks, most Pending and some
// further along the workflow.
func (e *Emulator) Seed(n int, seed int64) {
	r := emukit.NewRand(seed)
	now := e.clock.Now()
	alerts := map[string]*Alert{}
	for i := range n {
		s := spawn{d: emukit.Pick(r, detections), community: DefaultCommunity,
			at: now.Add(-time.Hour - time.Duration(r.Int64N(int64(14*24*time.Hour))))}
		if i%3 == 2 {
			s.community = OtherCommunity
		}
		a := e.newAlert(r, s)
		dispose(r, a, now)
		alerts[a.UUID] = a
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.alerts = alerts
}

// dispose works some seeded alerts along the workflow, never past now.
func dispose(r *rand.Rand, a *Alert, now time.Time) {
	steps := map[int][]Status{6: {Acknowledged}, 7: {Ongoing}, 8: {Ongoing, Closed}, 9: {Rejected}}[r.IntN(10)]
	at := time.Unix(a.CreatedAt, 0)
	for _, st := range steps {
		at = at.Add(time.Duration(1+r.IntN(120)) * time.Minute)
		if at.After(now) {
			return
		}
		a.History = append(a.History, HistoryItem{UUID: emukit.GUID(r), CreatedAt: at.Unix(), CreatedBy: a.CreatedBy,
			CreatedByType: "avatar", EntryType: "alert", Alert: &HistoryStatus{Status: st.UUID, PreviousStatus: a.Status.UUID}})
		a.Status, a.UpdatedAt, a.UpdatedByType = st, at.Unix(), "avatar"
	}
}

// SeedAlerts adds n new Pending alerts to the integration's community,
// raised now, and returns their uuids.
func (e *Emulator) SeedAlerts(n int) []string { return e.SeedAlertsIn(DefaultCommunity, n) }

// SeedAlertsIn adds n new Pending alerts to community, raised now.
func (e *Emulator) SeedAlertsIn(community string, n int) []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.serial++
	r := emukit.NewRand(e.opts.Seed*1000 + int64(e.serial))
	ids := make([]string, 0, n)
	for range n {
		a := e.newAlert(r, spawn{d: emukit.Pick(r, detections), community: community, at: e.clock.Now()})
		e.alerts[a.UUID] = a
		ids = append(ids, a.UUID)
	}
	return ids
}

// Raise adds one to three new alerts to the integration's community, as
// detections firing now, and returns their uuids.
func (e *Emulator) Raise(r *rand.Rand) []string {
	n := 1 + r.IntN(3)
	e.mu.Lock()
	defer e.mu.Unlock()
	ids := make([]string, 0, n)
	for range n {
		a := e.newAlert(r, spawn{d: emukit.Pick(r, detections), community: DefaultCommunity, at: e.clock.Now()})
		e.alerts[a.UUID] = a
		ids = append(ids, a.UUID)
	}
	return ids
}
