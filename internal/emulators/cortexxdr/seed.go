package cortexxdr

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/alertsync/alertsync/internal/emulators/emukit"
)

// detection is an alert Cortex XDR can raise on an endpoint. The first is
// the fact sheet's example alert.
type detection struct {
	name, category, source, severity, tactic, technique, eventType string
	blocked, malicious, network                                    bool
}

var detections = []detection{
	{"Image File Execution Options Registry key injection by scripting engine", "Privilege Escalation", "XDR BIOC", "medium",
		"TA0004 - Privilege Escalation", "T1546.012 - Event Triggered Execution: Image File Execution Options Injection", "Registry Event", false, false, false},
	{"Suspicious PowerShell Command Line", "Execution", "XDR Analytics BIOC", "medium",
		"TA0002 - Execution", "T1059.001 - Command and Scripting Interpreter: PowerShell", "Process Execution", false, false, false},
	{"WildFire Malware", "Malware", "XDR Agent", "high",
		"TA0002 - Execution", "T1204.002 - User Execution: Malicious File", "File Event", true, true, false},
	{"Behavioral Threat", "Credential Access", "XDR Agent", "high",
		"TA0006 - Credential Access", "T1003.001 - OS Credential Dumping: LSASS Memory", "Process Execution", true, true, false},
	{"Uncommon remote scheduled task created", "Lateral Movement", "XDR Analytics", "low",
		"TA0008 - Lateral Movement", "T1053.005 - Scheduled Task/Job: Scheduled Task", "Process Execution", false, false, false},
	{"Failed Connections", "Discovery", "XDR Analytics", "low",
		"TA0007 - Discovery", "T1046 - Network Service Discovery", "Network Connections", false, false, true},
	{"Possible data exfiltration over DNS", "Exfiltration", "XDR Analytics BIOC", "high",
		"TA0010 - Exfiltration", "T1048 - Exfiltration Over Alternative Protocol", "Network Connections", false, false, true},
	{"Ransomware protection: suspicious file encryption", "Impact", "XDR Agent", "critical",
		"TA0040 - Impact", "T1486 - Data Encrypted for Impact", "File Event", true, true, false},
	{"Rundll32 with no command-line arguments", "Defense Evasion", "XDR BIOC", "low",
		"TA0005 - Defense Evasion", "T1218.011 - System Binary Proxy Execution: Rundll32", "Process Execution", false, false, false},
	{"Remote access tool connected to an external address", "Command and Control", "XDR BIOC", "medium",
		"TA0011 - Command and Control", "T1219 - Remote Access Software", "Network Connections", false, false, true},
	{"Unusual local account creation", "Persistence", "XDR Analytics", "informational",
		"TA0003 - Persistence", "T1136.001 - Create Account: Local Account", "Process Execution", false, false, false},
}

// closes are how seeded incidents were resolved, with the analyst's note.
var closes = [][2]string{
	{"resolved_true_positive", "Confirmed malicious; host reimaged."},
	{"resolved_false_positive", "Benign: IT deployment script."},
	{"resolved_known_issue", "Known behaviour of the backup agent."},
	{"resolved_security_testing", "Red team exercise, ticket SEC-2291."},
}

// Seed replaces all data with n alerts drawn from seed: incidents of one
// to four alerts on the World's endpoints, detected over the last two
// weeks, most new, some under investigation, some resolved.
func (e *Emulator) Seed(n int, seed int64) {
	r := emukit.NewRand(seed)
	now := e.clock.Now()
	e.mu.Lock()
	defer e.mu.Unlock()
	e.alerts, e.incidents, e.lastStamp = map[string]*Alert{}, map[string]*Incident{}, 0
	e.nextAlert, e.nextCase = 150000+r.Int64N(1000), 400+r.Int64N(100)
	for count := 0; count < n; {
		size := min(1+r.IntN(4), n-count)
		first := now.Add(-8*time.Hour - time.Duration(r.Int64N(int64(14*24*time.Hour))))
		in := e.addIncidentLocked(r, size, first, false)
		settle(r, e, in)
		count += size
	}
}

// SeedAlerts adds n new alerts detected now, in new incidents of up to
// three, and returns their ids.
func (e *Emulator) SeedAlerts(n int) []string {
	r := emukit.NewRand(e.clock.Now().UnixNano())
	e.mu.Lock()
	defer e.mu.Unlock()
	var ids []string
	for len(ids) < n {
		in := e.addIncidentLocked(r, min(3, n-len(ids)), e.clock.Now(), true)
		ids = append(ids, in.alerts...)
	}
	return ids
}

// SeedIncident adds a new incident of size new alerts detected now and
// returns its id and theirs.
func (e *Emulator) SeedIncident(size int) (string, []string) {
	r := emukit.NewRand(e.clock.Now().UnixNano())
	e.mu.Lock()
	defer e.mu.Unlock()
	in := e.addIncidentLocked(r, max(size, 1), e.clock.Now(), true)
	return in.IncidentID, slices.Clone(in.alerts)
}

// Raise adds one to three new alerts on one endpoint of the World, in a
// new incident, as detections firing now, and returns copies of them.
func (e *Emulator) Raise(r *rand.Rand) []Alert {
	e.mu.Lock()
	defer e.mu.Unlock()
	in := e.addIncidentLocked(r, 1+r.IntN(3), e.clock.Now(), true)
	out := make([]Alert, 0, len(in.alerts))
	for _, id := range in.alerts {
		out = append(out, e.alerts[id].clone())
	}
	return out
}

// addIncidentLocked creates an incident of size alerts about one endpoint
// and user, the first detected at first. Live ones are stamped by the
// emulator's clock as changes now; seeded ones keep their past times.
func (e *Emulator) addIncidentLocked(r *rand.Rand, size int, first time.Time, live bool) *Incident {
	w := e.opts.World
	host, user := emukit.Pick(r, w.Hosts), emukit.Pick(r, w.Users)
	e.nextCase += int64(1 + r.IntN(3))
	in := &Incident{IncidentID: formatID(e.nextCase), Status: "new", Starred: false,
		XDRURL: fmt.Sprintf("https://%s/incident-view?caseId=%d", e.opts.FQDN, e.nextCase)}
	for i := range size {
		at := first.Add(time.Duration(i*(5+r.IntN(60))) * time.Minute)
		if live {
			at = first.Add(-time.Duration(size-i) * time.Minute)
		}
		a := e.newAlert(r, emukit.Pick(r, detections), host, user, e.nextCase, at)
		if live {
			a.LastModifiedTS = e.stampLocked()
			a.LocalInsertTS = min(a.LocalInsertTS, a.LastModifiedTS)
		}
		e.observeLocked(a.LastModifiedTS)
		e.alerts[a.AlertID] = a
		in.alerts = append(in.alerts, a.AlertID)
	}
	e.summarizeLocked(in, host, user)
	e.incidents[in.IncidentID] = in
	return in
}

// summarizeLocked fills the fields an incident derives from its alerts.
func (e *Emulator) summarizeLocked(in *Incident, host emukit.Host, user emukit.User) {
	first := e.alerts[in.alerts[0]]
	in.CreationTime, in.Severity = first.LocalInsertTS, "low"
	in.AlertCount, in.LowSeverityAlertCount, in.MedSeverityAlertCount, in.HighSeverityAlertCount = len(in.alerts), 0, 0, 0
	in.IncidentSources = nil
	for _, id := range in.alerts {
		a := e.alerts[id]
		in.ModificationTime = max(in.ModificationTime, a.LastModifiedTS)
		if severityRank[a.Severity] > severityRank[in.Severity] {
			in.Severity = a.Severity
		}
		switch severityRank[a.Severity] {
		case 0, 1, 2:
			in.LowSeverityAlertCount++
		case 3:
			in.MedSeverityAlertCount++
		default:
			in.HighSeverityAlertCount++
		}
		if !slices.Contains(in.IncidentSources, a.Source) {
			in.IncidentSources = append(in.IncidentSources, a.Source)
		}
	}
	in.Hosts = []string{host.Name + ":" + first.EndpointID}
	in.Users = []string{first.UserName}
	in.Description = fmt.Sprintf("'%s' generated by %s detected on host %s involving user %s", first.Name, first.Source, host.Name, first.UserName)
	if n := len(in.alerts); n > 1 {
		in.Description = fmt.Sprintf("'%s' along with %d other alerts generated by %s detected on host %s involving user %s",
			first.Name, n-1, first.Source, host.Name, first.UserName)
	}
}

// settle gives a seeded incident and its alerts a past disposition: most
// stay new, some are under investigation, some were resolved.
func settle(r *rand.Rand, e *Emulator, in *Incident) {
	x := r.IntN(10)
	if x < 6 {
		return
	}
	status, note := "under_investigation", ""
	if x >= 8 {
		c := emukit.Pick(r, closes)
		status, note = c[0], c[1]
	}
	analyst := emukit.Pick(r, e.opts.World.Users)
	in.Status, in.AssignedUserMail, in.AssignedUserPrettyName = status, &analyst.UPN, &analyst.DisplayName
	for _, id := range in.alerts {
		a := e.alerts[id]
		a.ResolutionStatus = alertReadStatus[status]
		if note != "" {
			a.ResolutionComment = &note
		}
	}
	if note != "" {
		resolvedAt := in.ModificationTime
		in.ResolveComment, in.ResolvedTimestamp = &note, &resolvedAt
	}
}
