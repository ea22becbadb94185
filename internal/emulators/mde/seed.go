package mde

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/alertsync/alertsync/internal/emulators/emukit"
)

// detection is an alert the scenario generator can raise on a machine.
type detection struct {
	source, category, title, severity, threat string
	mitre                                     []string
	process                                   bool
}

var detections = []detection{
	{"WindowsDefenderAtp", "Execution", "Low-reputation arbitrary code executed by signed executable", "Low", "", []string{"T1064", "T1085", "T1220"}, true},
	{"WindowsDefenderAtp", "Execution", "Suspicious PowerShell command line", "Medium", "", []string{"T1059.001"}, true},
	{"WindowsDefenderAv", "Malware", "'Emotet' malware was detected", "High", "Emotet", nil, false},
	{"WindowsDefenderAtp", "CredentialAccess", "Mimikatz credential theft tool", "High", "Mimikatz", []string{"T1003.001"}, true},
	{"WindowsDefenderAtp", "DefenseEvasion", "Suspicious execution of hidden file", "Low", "", []string{"T1564.001"}, true},
	{"WindowsDefenderAtp", "Impact", "Ransomware behavior detected in the file system", "High", "", []string{"T1486"}, true},
	{"WindowsDefenderAtp", "CommandAndControl", "Connection to a custom network indicator", "Medium", "", []string{"T1071"}, false},
	{"CustomDetection", "LateralMovement", "RDP connection from an external address", "Medium", "", []string{"T1021.001"}, false},
	{"WindowsDefenderAv", "Malware", "An active 'HackTool:Win32/Cobaltstrike' malware was detected", "Medium", "Cobaltstrike", nil, false},
	{"AutomatedInvestigation", "SuspiciousActivity", "Suspicious sequence of exploration activities", "Informational", "", []string{"T1087", "T1069", "T1018"}, true},
}

var investigationStates = []string{"Queued", "Running", "PendingApproval", "SuccessfullyRemediated", "Benign", "PartiallyInvestigated", "UnsupportedAlertType", "TerminatedBySystem"}

// verdicts are classification/determination pairs for resolved alerts, in
// the spellings of update-alert.md.
var verdicts = [][2]string{
	{"TruePositive", "Malware"}, {"TruePositive", "MultiStagedAttack"}, {"TruePositive", "CompromisedUser"},
	{"FalsePositive", "NotMalicious"}, {"FalsePositive", "InsufficientData"},
	{"InformationalExpectedActivity", "SecurityTesting"}, {"InformationalExpectedActivity", "LineOfBusinessApplication"},
}

// generate builds n alerts on the fake world's machines (one drawn from
// seed when w is nil), a few per incident, deterministically from seed and
// now.
func generate(n int, seed int64, w *emukit.World, tenant string, now time.Time) []*Alert {
	r := emukit.NewRand(seed)
	if w == nil {
		w = emukit.NewWorld(seed)
	}
	var out []*Alert
	incident := int64(1126000 + r.IntN(10000))
	for len(out) < n {
		host, user := emukit.Pick(r, w.Hosts), emukit.Pick(r, w.Users)
		start := now.Add(-8*time.Hour - time.Duration(r.Int64N(int64(14*24*time.Hour))))
		size := min(1+r.IntN(4), n-len(out))
		var inv *int64
		if r.IntN(2) == 0 {
			v := int64(5000 + r.IntN(90000))
			inv = &v
		}
		for i := range size {
			out = append(out, newAlert(r, w, emukit.Pick(r, detections), host, user, incident, inv, tenant, start.Add(time.Duration(i*(5+r.IntN(60)))*time.Minute)))
		}
		incident += int64(1 + r.IntN(7))
	}
	return out
}

func newAlert(r *rand.Rand, w *emukit.World, d detection, h emukit.Host, u emukit.User, incident int64, inv *int64, tenant string, first time.Time) *Alert {
	last := first.Add(time.Duration(r.IntN(300)) * time.Second)
	created := last.Add(time.Duration(30+r.IntN(300)) * time.Second)
	a := &Alert{
		ID:         fmt.Sprintf("da%018d_%d", 637000000000000000+r.Int64N(999999999999999), int32(r.Uint32())),
		IncidentID: incident, InvestigationID: inv, Severity: d.severity, Status: "New",
		InvestigationState: emukit.Pick(r, investigationStates), DetectionSource: d.source,
		DetectorID: emukit.GUID(r), Category: d.category, Title: d.title,
		Description:       d.title + " was observed on " + h.DNSName + ".",
		AlertCreationTime: created, FirstEventTime: first, LastEventTime: last,
		LastUpdateTime: created.Add(time.Duration(1+r.IntN(120)) * time.Second),
		MachineID:      h.MachineID, ComputerDNSName: h.DNSName, RBACGroupName: h.RBACGroup, AADTenantID: tenant,
		MitreTechniques: append([]string{}, d.mitre...),
		RelatedUser:     &RelatedUser{UserName: u.SAM, DomainName: "CONTOSO"},
		LoggedOnUsers:   []LoggedOnUser{{AccountName: u.SAM, DomainName: "CONTOSO"}},
		Comments:        []Comment{},
	}
	if d.threat != "" {
		t := d.threat
		a.ThreatFamilyName, a.ThreatName = &t, &t
	}
	disposition(r, w, a)
	a.Evidence = evidence(r, w, d, u, created)
	return a
}

// disposition leaves most alerts new and puts some in progress or resolved.
func disposition(r *rand.Rand, w *emukit.World, a *Alert) {
	x := r.IntN(10)
	if x < 6 {
		return
	}
	analyst := emukit.Pick(r, w.Users).UPN
	a.AssignedTo = &analyst
	if x < 8 {
		a.Status = "InProgress"
		return
	}
	v := emukit.Pick(r, verdicts)
	a.Status, a.Classification, a.Determination = "Resolved", &v[0], &v[1]
	resolved := a.LastUpdateTime
	a.ResolvedTime = &resolved
}

// evidenceKeys are the properties every MDE evidence entry carries,
// null when they do not apply.
var evidenceKeys = []string{"entityType", "evidenceCreationTime", "sha1", "sha256", "fileName", "filePath", "processId",
	"processCommandLine", "processCreationTime", "parentProcessId", "parentProcessCreationTime", "parentProcessFileName",
	"parentProcessFilePath", "ipAddress", "url", "registryKey", "registryHive", "registryValueType", "registryValue",
	"accountName", "domainName", "userSid", "aadUserId", "userPrincipalName", "detectionStatus"}

func blankEvidence(kind string, at time.Time) map[string]any {
	ev := make(map[string]any, len(evidenceKeys))
	for _, k := range evidenceKeys {
		ev[k] = nil
	}
	ev["entityType"], ev["evidenceCreationTime"] = kind, at
	return ev
}

func evidence(r *rand.Rand, w *emukit.World, d detection, u emukit.User, at time.Time) []map[string]any {
	var bad emukit.File
	for !bad.Bad {
		bad = emukit.Pick(r, w.Files)
	}
	user := blankEvidence("User", at)
	user["accountName"], user["domainName"], user["userSid"], user["aadUserId"], user["userPrincipalName"] = u.SAM, "CONTOSO", u.SID, u.ObjectID, u.UPN
	file := blankEvidence("File", at)
	file["sha1"], file["sha256"], file["fileName"], file["filePath"], file["detectionStatus"] = bad.SHA1, bad.SHA256, bad.Name, bad.Dir(), "Detected"
	out := []map[string]any{user, file}
	if d.process {
		parent := w.Files[1]
		p := blankEvidence("Process", at)
		p["sha1"], p["sha256"], p["fileName"], p["filePath"] = bad.SHA1, bad.SHA256, bad.Name, bad.Dir()
		p["processId"], p["processCommandLine"], p["processCreationTime"] = 1000+r.IntN(20000), `"`+bad.Name+`" -s`, at.Add(-5*time.Minute)
		p["parentProcessId"], p["parentProcessCreationTime"] = 500+r.IntN(5000), at.Add(-20*time.Minute)
		p["parentProcessFileName"], p["parentProcessFilePath"], p["detectionStatus"] = parent.Name, parent.Dir(), "Detected"
		p["accountName"], p["domainName"], p["userSid"] = u.SAM, "CONTOSO", u.SID
		out = append(out, p)
	}
	if d.category == "CommandAndControl" || d.category == "LateralMovement" {
		ip := blankEvidence("Ip", at)
		ip["ipAddress"] = emukit.Pick(r, w.AttackerIPs)
		out = append(out, ip)
	}
	return out
}
