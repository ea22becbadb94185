package sentinelone

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/alertsync/alertsync/internal/emulators/emukit"
)

// The demo console has one account with two sites; the ids are the fact
// sheet sample's.
const (
	AccountID     = "2202822069622178056"
	AccountName   = "Contoso"
	DefaultSiteID = "2202822071148904793"
	ServerSiteID  = "2202822071148904801"
)

// detection is a threat the agent can raise.
type detection struct {
	classification, confidence, detectionType, engine string
	indicators                                        []Indicator
	mitigated                                         bool
}

var detections = []detection{
	{"Malware", "malicious", "static", "SentinelOne Cloud", nil, true},
	{"Malware", "malicious", "static", "On-Write DFI", nil, true},
	{"Ransomware", "malicious", "dynamic", "DBT - Executables", []Indicator{{Category: "Ransomware", Description: "Detected a ransomware-like file encryption sequence.", IDs: []int{171}, Tactics: []string{"Impact"}}}, true},
	{"Infostealer", "malicious", "dynamic", "DBT - Executables", []Indicator{{Category: "InfoStealer", Description: "This binary has keylogging capabilities.", IDs: []int{23}, Tactics: []string{}}}, false},
	{"Trojan", "suspicious", "dynamic", "DBT - Executables", []Indicator{{Category: "Evasion", Description: "Process injected code into a remote process.", IDs: []int{88}, Tactics: []string{"Defense Evasion"}}}, false},
	{"PUA", "suspicious", "static", "Reputation", nil, false},
	{"Hacktool", "malicious", "static", "SentinelOne Cloud", nil, true},
}

// rule is a STAR custom detection rule.
type rule struct {
	name, severity, eventType, s1ql, treat string
	network                                bool
}

var rules = []rule{
	{"Encoded PowerShell launched by an Office application", "High", "Process Creation", `SrcProcParentName In Contains Anycase ("winword.exe","excel.exe") AND SrcProcCmdLine ContainsCIS "-enc"`, "Malicious", false},
	{"Inbound RDP from an external address", "Medium", "IP Connect", `DstPort = 3389 AND NetConnStatus = "SUCCESS" AND SrcIP Not In ("10.0.0.0/8")`, "UNDEFINED", true},
	{"LSASS memory read by an unsigned process", "Critical", "Open Remote Process Handle", `TgtProcName = "lsass.exe" AND SrcProcSignedStatus = "unsigned"`, "Malicious", false},
	{"Certutil used to download a file", "Medium", "Process Creation", `SrcProcName = "certutil.exe" AND SrcProcCmdLine ContainsCIS "urlcache"`, "Suspicious", false},
	{"New service installed from a user-writable path", "Low", "Registry Value Create", `RegistryKeyPath ContainsCIS "\\Services\\" AND RegistryValue ContainsCIS "\\Users\\Public\\"`, "UNDEFINED", false},
}

// snowflake returns a 19-digit SentinelOne-style id drawn from r.
func snowflake(r *rand.Rand) string {
	return fmt.Sprint(1_000_000_000_000_000_000 + r.Int64N(8_000_000_000_000_000_000))
}

// stableID is a snowflake derived from s, for ids that belong to a world
// object (an agent per host) rather than to one alert.
func stableID(s string) string {
	sum := sha256.Sum256([]byte(s))
	return fmt.Sprint(1_000_000_000_000_000_000 + binary.BigEndian.Uint64(sum[:8])%8_000_000_000_000_000_000)
}

func site(h emukit.Host) (id, name string) {
	if strings.HasPrefix(h.Name, "SRV-") {
		return ServerSiteID, "Servers"
	}
	return DefaultSiteID, "Default site"
}

func osType(h emukit.Host) string {
	switch h.OS {
	case "Linux":
		return "linux"
	case "macOS":
		return "macos"
	}
	return "windows"
}

// devicePath is how the agent reports a Windows path.
func devicePath(p string) string {
	return `\Device\HarddiskVolume3\` + strings.TrimPrefix(p, `C:\`)
}

// newThreat builds an open threat on h by u, created at created.
func (e *Emulator) newThreat(r *rand.Rand, h emukit.Host, u emukit.User, created time.Time) *Threat {
	d := emukit.Pick(r, detections)
	var f emukit.File
	for !f.Bad {
		f = emukit.Pick(r, e.world.Files)
	}
	id := snowflake(r)
	siteID, siteName := site(h)
	hash256 := f.SHA256
	ext := egressIP(siteID)
	info := ThreatInfo{
		ThreatID: id, ThreatName: f.Name, Classification: d.classification, ClassificationSource: "Engine",
		ConfidenceLevel: d.confidence, AnalystVerdict: "undefined", IncidentStatus: "unresolved",
		MitigationStatus: "not_mitigated", CreatedAt: at(created), UpdatedAt: at(created.Add(time.Duration(200+r.IntN(800)) * time.Millisecond)),
		IdentifiedAt: at(created.Add(-time.Duration(20+r.IntN(200)) * time.Millisecond)), FilePath: devicePath(f.Path), FileSize: f.Size,
		SHA1: f.SHA1, SHA256: &hash256, OriginatorProcess: emukit.Pick(r, []string{"explorer.exe", "outlook.exe", "chrome.exe", "cmd.exe"}),
		ProcessUser: "CONTOSO\\" + u.SAM, Storyline: strings.ToUpper(emukit.HexString(r, 16)), Engines: []string{d.engine},
		DetectionType: d.detectionType, InitiatedBy: "agent_policy",
	}
	t := &Threat{
		ID: id, ThreatInfo: info, Indicators: append([]Indicator{}, d.indicators...), WhiteningOptions: []string{"hash", "path"},
		AgentDetectionInfo: AgentDetectionInfo{AccountID: AccountID, AccountName: AccountName, AgentDomain: e.world.Domain, AgentIPV4: h.IP,
			AgentLastLoggedInUserName: u.SAM, AgentOSName: h.OS, AgentVersion: "24.2.3.471", ExternalIP: &ext, GroupID: stableID(siteID + "/group"),
			SiteID: siteID, SiteName: siteName},
		AgentRealtimeInfo: AgentRealtimeInfo{AccountID: AccountID, AccountName: AccountName, AgentComputerName: h.Name, AgentDomain: e.world.Domain,
			AgentID: stableID(h.MachineID), AgentIsActive: true, AgentMachineType: machineType(h), AgentOSName: h.OS, AgentOSType: osType(h),
			AgentVersion: "24.2.3.471", GroupID: stableID(siteID + "/group"), GroupName: "Default Group", SiteID: siteID, SiteName: siteName},
		MitigationStatus: []MitigationAction{},
	}
	if d.mitigated {
		t.ThreatInfo.MitigationStatus = "mitigated"
		t.MitigationStatus = []MitigationAction{{Action: "kill", Status: "success", MitigationStartedAt: info.CreatedAt},
			{Action: "quarantine", Status: "success", MitigationStartedAt: info.CreatedAt}}
	}
	describe(&t.ThreatInfo)
	return t
}

// egressIP is the public address a site's agents reach the console from
// (documentation range).
func egressIP(siteID string) string {
	if siteID == ServerSiteID {
		return "198.51.100.80"
	}
	return "198.51.100.23"
}

func machineType(h emukit.Host) string {
	if strings.HasPrefix(h.Name, "SRV-") {
		return "server"
	}
	return "desktop"
}

// newCloudAlert builds an open STAR alert on h by u, created at created.
func (e *Emulator) newCloudAlert(r *rand.Rand, h emukit.Host, u emukit.User, created time.Time) *CloudAlert {
	rl := emukit.Pick(r, rules)
	siteID, _ := site(h)
	proc := emukit.Pick(r, e.world.Files)
	parent := e.world.Files[0]
	a := &CloudAlert{
		AgentDetectionInfo: CloudAgent{AccountID: AccountID, MachineType: machineType(h), Name: h.Name, OSFamily: osType(h),
			OSName: h.OS, OSRevision: fmt.Sprint(h.OSBuild), SiteID: siteID, UUID: emukit.HexString(r, 32), Version: "24.2.3.471"},
		AlertInfo: AlertInfo{AlertID: snowflake(r), AnalystVerdict: "Undefined", IncidentStatus: "Unresolved",
			CreatedAt: at(created), UpdatedAt: at(created), ReportedAt: at(created.Add(-time.Duration(2+r.IntN(30)) * time.Second)),
			DVEventID: emukit.HexString(r, 24), EventType: rl.eventType, HitType: "Events", IsEDR: true, Source: "STAR"},
		RuleInfo: RuleInfo{ID: stableID(rl.name), Name: rl.name, Description: rl.name + ".", Severity: rl.severity, S1QL: rl.s1ql,
			QueryType: "events", QueryLang: "1.0", ScopeLevel: "account", TreatAsThreat: rl.treat},
		SourceProcessInfo: ProcessInfo{Name: proc.Name, Commandline: `"` + proc.Path + `"`, FilePath: proc.Path, FileHashSHA1: proc.SHA1,
			FileHashSHA256: proc.SHA256, PID: fmt.Sprint(1000 + r.IntN(30000)), Storyline: strings.ToUpper(emukit.HexString(r, 16)),
			User: "CONTOSO\\" + u.SAM, IntegrityLevel: "medium", Subsystem: "sys_win32"},
		SourceParentProcessInfo: ProcessInfo{Name: parent.Name, FilePath: parent.Path, FileHashSHA1: parent.SHA1, FileHashSHA256: parent.SHA256,
			PID: fmt.Sprint(500 + r.IntN(5000)), User: "CONTOSO\\" + u.SAM, IntegrityLevel: "medium", Subsystem: "sys_win32"},
	}
	if rl.network {
		a.AlertInfo.SrcIP, a.AlertInfo.DstIP, a.AlertInfo.DstPort = emukit.Pick(r, e.world.AttackerIPs), h.IP, "3389"
	}
	return a
}

// seed replaces the data with nThreats threats and nCloud cloud alerts
// spread over the last two weeks, most open, some in progress or
// resolved with a verdict.
func (e *Emulator) seed(nThreats, nCloud int, seed int64) {
	r := emukit.NewRand(seed)
	now := e.clock.Now()
	e.mu.Lock()
	defer e.mu.Unlock()
	e.threats, e.cloud, e.notes = map[string]*Threat{}, map[string]*CloudAlert{}, map[string][]Note{}
	for range nThreats {
		t := e.newThreat(r, emukit.Pick(r, e.world.Hosts), emukit.Pick(r, e.world.Users), past(r, now))
		disposeThreat(r, t)
		e.threats[t.ID] = t
		e.observe(t.ThreatInfo.UpdatedAt)
	}
	for range nCloud {
		a := e.newCloudAlert(r, emukit.Pick(r, e.world.Hosts), emukit.Pick(r, e.world.Users), past(r, now))
		disposeCloud(r, a)
		e.cloud[a.AlertInfo.AlertID] = a
		e.observe(a.AlertInfo.UpdatedAt)
	}
}

func past(r *rand.Rand, now time.Time) time.Time {
	return now.Add(-time.Hour - time.Duration(r.Int64N(int64(14*24*time.Hour))))
}

// disposeThreat leaves most threats open and some worked on.
func disposeThreat(r *rand.Rand, t *Threat) {
	switch x := r.IntN(10); {
	case x < 7:
	case x < 9:
		t.ThreatInfo.IncidentStatus = "in_progress"
	default:
		t.ThreatInfo.IncidentStatus = "resolved"
		t.ThreatInfo.AnalystVerdict = emukit.Pick(r, []string{"true_positive", "false_positive"})
	}
	t.ThreatInfo.UpdatedAt = at(t.ThreatInfo.UpdatedAt.Add(time.Duration(r.IntN(3600)) * time.Second))
	describe(&t.ThreatInfo)
}

func disposeCloud(r *rand.Rand, a *CloudAlert) {
	if r.IntN(10) < 8 {
		return
	}
	a.AlertInfo.IncidentStatus, a.AlertInfo.AnalystVerdict = "Resolved", "False positive"
	a.AlertInfo.UpdatedAt = at(a.AlertInfo.CreatedAt.Add(time.Duration(1+r.IntN(3600)) * time.Second))
}

// noteID derives a note id from its sequence number.
func noteID(seq int64) string {
	sum := sha256.Sum256(fmt.Appendf(nil, "note-%d", seq))
	return fmt.Sprint(1_000_000_000_000_000_000 + binary.BigEndian.Uint64(sum[:8])%8_000_000_000_000_000_000)
}
