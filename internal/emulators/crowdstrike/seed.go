package crowdstrike

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/alertsync/alertsync/internal/emulators/emukit"
)

// detection is an endpoint detection the scenario can raise, modelled on
// the fact sheet's example (EICARTestFileWrittenMac) and Falcon's
// ATT&CK-based naming.
type detection struct {
	name, display, description string
	severity                   int
	tactic, tacticID           string
	technique, techniqueID     string
	pattern                    int
	scenario, objective        string
}

var detections = []detection{
	{"EICARTestFileWritten", "EICAR test file written", "A process has written a known EICAR test file. Review the files written by the triggered process.",
		10, "Execution", "TA0002", "User Execution", "T1204", 20151, "attacker_methodology", "Follow Through"},
	{"CredentialDumpingMimikatz", "Credential dumping with Mimikatz", "A process accessed LSASS memory in a way consistent with Mimikatz. Credentials on the host may be compromised.",
		90, "Credential Access", "TA0006", "OS Credential Dumping", "T1003", 10011, "credential_theft", "Gain Access"},
	{"SuspiciousPowerShellEncoded", "Suspicious encoded PowerShell command", "PowerShell ran an encoded command line often used to hide malicious scripts.",
		50, "Execution", "TA0002", "Command and Scripting Interpreter", "T1059", 10142, "suspicious_activity", "Follow Through"},
	{"RansomwareFileEncryption", "Ransomware file encryption", "A process encrypted many user files in a short time, consistent with ransomware.",
		90, "Impact", "TA0040", "Data Encrypted for Impact", "T1486", 10386, "ransomware", "Follow Through"},
	{"OfficeSpawnedScriptHost", "Office application spawned a script host", "An Office application launched a script interpreter, a common sign of a malicious document.",
		70, "Initial Access", "TA0001", "Phishing", "T1566", 10217, "known_malware", "Gain Access"},
	{"MaliciousFileExecuted", "Known malware executed", "A file classified as malware by the sensor's machine learning model was executed.",
		70, "Machine Learning", "CSTA0004", "Sensor-based ML", "CST0007", 5701, "NGAV", "Falcon Detection Method"},
	{"RemoteAccessToolInstalled", "Remote access tool installed", "A remote access tool was installed; confirm it is sanctioned.",
		30, "Command and Control", "TA0011", "Remote Access Software", "T1219", 10354, "suspicious_activity", "Keep Access"},
	{"RemoteServiceCreatedPsExec", "Service created remotely with PsExec", "A service was created over the network with PsExec, a common lateral movement technique.",
		50, "Lateral Movement", "TA0008", "Remote Services", "T1021", 10198, "lateral_movement", "Explore"},
}

// severityName is the console's word for a 0-100 severity.
func severityName(sev int) string {
	switch {
	case sev >= 90:
		return "Critical"
	case sev >= 70:
		return "High"
	case sev >= 50:
		return "Medium"
	case sev >= 20:
		return "Low"
	}
	return "Informational"
}

// consoleHost is the Falcon console's host for a cloud.
func consoleHost(region string) string {
	if region == "" || region == "us-1" {
		return "falcon.crowdstrike.com"
	}
	return "falcon." + region + ".crowdstrike.com"
}

// platform is the sensor platform of a world host.
func platform(os string) string {
	switch {
	case strings.HasPrefix(os, "Windows"):
		return "Windows"
	case os == "macOS":
		return "Mac"
	}
	return "Linux"
}

// spawn is one detection about to be made into an alert.
type spawn struct {
	d        detection
	host     emukit.Host
	user     emukit.User
	file     emukit.File
	at       time.Time // when the behaviour happened
	incident string    // empty: not grouped
	serial   int64
}

// newAlert builds an alert of e's tenant; status and stamps are the
// caller's to set.
func (e *Emulator) newAlert(r *rand.Rand, s spawn, hostIndex int) *Alert {
	agent := s.host.MachineID[:32]
	idPart := fmt.Sprintf("%d-%d-%d", 625985642593750000+s.serial, s.d.pattern, 1000+r.IntN(9000))
	a := &Alert{
		AgentID: agent, AggregateID: fmt.Sprintf("aggind:%s:%d", agent, 625985642613660000+s.serial),
		CID: e.opts.CID, ID: "ind:" + agent + ":" + idPart, Timestamp: s.at, Status: "new", Tags: []string{},
		Severity: s.d.severity, SeverityName: severityName(s.d.severity), Confidence: 50 + r.IntN(50),
		Product: "epp", Type: "ldt", Platform: platform(s.host.OS), Name: s.d.name, DisplayName: s.d.display,
		Description: s.d.description, Tactic: s.d.tactic, TacticID: s.d.tacticID, Technique: s.d.technique,
		TechniqueID: s.d.techniqueID, PatternID: s.d.pattern, Scenario: s.d.scenario, Objective: s.d.objective,
		ShowInUI: true, MitreAttack: []Mitre{{s.d.pattern, s.d.tactic, s.d.tacticID, s.d.technique, s.d.techniqueID}},
		Filename: s.file.Name, Filepath: s.file.Path, Cmdline: `"` + s.file.Path + `"`, SHA256: s.file.SHA256,
		UserName: s.user.SAM, UserID: s.user.SID, LogonDomain: "CONTOSO",
		Device: &Device{DeviceID: agent, Hostname: s.host.Name, PlatformName: platform(s.host.OS), OSVersion: s.host.OS,
			LocalIP: s.host.IP, ExternalIP: fmt.Sprintf("198.51.100.%d", 1+hostIndex%250), MachineDomain: "contoso.com"},
		SourceProducts: []string{"Falcon Insight"}, SourceVendors: []string{"CrowdStrike"}, DataDomains: []string{"Endpoint"},
	}
	a.CompositeID = e.opts.CID + ":" + a.ID
	a.FalconHostLink = fmt.Sprintf("https://%s/activity-v2/detections/%s?_cid=%s", consoleHost(e.opts.Region), a.CompositeID, e.opts.CID)
	if s.incident != "" {
		a.Incident = &Incident{ID: s.incident, Score: fmt.Sprintf("%.14f", 1+9*r.Float64())}
	}
	return a
}

// generate builds n alerts on the world's hosts, a few per incident,
// deterministically from seed and now: most new, some in progress, some
// closed with a resolution tag.
func (e *Emulator) generate(n int, seed int64, now time.Time) []*Alert {
	r := emukit.NewRand(seed)
	w := e.world()
	var out []*Alert
	for len(out) < n {
		hi := r.IntN(len(w.Hosts))
		host, user := w.Hosts[hi], emukit.Pick(r, w.Users)
		start := now.Add(-8*time.Hour - time.Duration(r.Int64N(int64(14*24*time.Hour))))
		size := min(1+r.IntN(3), n-len(out))
		inc := ""
		if size > 1 {
			inc = "inc:" + host.MachineID[:32] + ":" + emukit.HexString(r, 32)
		}
		for i := range size {
			s := spawn{d: emukit.Pick(r, detections), host: host, user: user, file: emukit.Pick(r, w.Files),
				at: start.Add(time.Duration(i*(5+r.IntN(60))) * time.Minute), incident: inc, serial: int64(len(out))*7919 + seed}
			a := e.newAlert(r, s, hi)
			a.CrawledAt = s.at.Add(time.Duration(5+r.IntN(60)) * time.Second)
			a.CreatedAt = a.CrawledAt.Add(time.Duration(1+r.IntN(30)) * time.Second)
			a.UpdatedAt = a.CreatedAt.Add(time.Duration(r.IntN(3600)) * time.Second)
			dispose(r, w, a)
			out = append(out, a)
		}
	}
	return out
}

// dispose leaves most seeded alerts new and works some.
func dispose(r *rand.Rand, w *emukit.World, a *Alert) {
	x := r.IntN(10)
	if x < 6 {
		return
	}
	analyst := emukit.Pick(r, w.Users)
	name, uuid := analyst.DisplayName, analyst.ObjectID
	uid := analyst.UPN
	a.AssignedToName, a.AssignedToUUID, a.AssignedToUID = &name, &uuid, &uid
	triaged := int64(a.UpdatedAt.Sub(a.CreatedAt) / time.Second)
	a.SecondsToTriag = &triaged
	if x < 8 {
		a.Status = "in_progress"
		return
	}
	a.Status = "closed"
	a.SecondsToRes = &triaged
	tag := emukit.Pick(r, resolutionTags)
	a.Tags = append(a.Tags, tag)
	a.Resolution = &tag
}

func (e *Emulator) world() *emukit.World { return e.opts.World }
