package graph

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/alertsync/alertsync/internal/emulators/emukit"
)

// alertKind is a detection the scenario generator can raise.
type alertKind struct {
	source, detection, product, category, title string
	mitre                                       []string
	severity                                    string
	threat                                      string
	evidence                                    []string // device, user, ip, file, process
}

// stories are attacks whose alerts land in one incident, in order.
var stories = [][]alertKind{
	{ // phishing to malware on an endpoint
		{"microsoftDefenderForOffice365", "microsoftDefenderForOffice365", "Microsoft Defender for Office 365", "InitialAccess", "Email messages containing malicious file removed after delivery", []string{"T1566.001"}, "medium", "", []string{"user", "ip", "file"}},
		{"microsoftDefenderForEndpoint", "microsoftDefenderForEndpoint", "Microsoft Defender for Endpoint", "Execution", "Suspicious PowerShell command line", []string{"T1059.001"}, "medium", "", []string{"device", "user", "process"}},
		{"microsoftDefenderForEndpoint", "antivirus", "Microsoft Defender for Endpoint", "Malware", "'Emotet' malware was detected", nil, "high", "Emotet", []string{"device", "file"}},
		{"microsoftDefenderForEndpoint", "microsoftDefenderForEndpoint", "Microsoft Defender for Endpoint", "CommandAndControl", "Connection to a custom network indicator", []string{"T1071"}, "medium", "", []string{"device", "ip"}},
	},
	{ // credential theft and lateral movement
		{"microsoftDefenderForEndpoint", "microsoftDefenderForEndpoint", "Microsoft Defender for Endpoint", "CredentialAccess", "Mimikatz credential theft tool", []string{"T1003.001"}, "high", "Mimikatz", []string{"device", "user", "process", "file"}},
		{"microsoftDefenderForIdentity", "microsoftDefenderForIdentity", "Microsoft Defender for Identity", "CredentialAccess", "Suspected DCSync attack (replication of directory services)", []string{"T1003.006"}, "high", "", []string{"device", "user", "ip"}},
		{"microsoftDefenderForIdentity", "microsoftDefenderForIdentity", "Microsoft Defender for Identity", "LateralMovement", "Suspected identity theft (pass-the-ticket)", []string{"T1550.003"}, "high", "", []string{"device", "user"}},
	},
	{ // account compromise in the cloud
		{"azureAdIdentityProtection", "azureAdIdentityProtection", "Azure Active Directory Identity Protection", "InitialAccess", "Unfamiliar sign-in properties", []string{"T1078"}, "medium", "", []string{"user", "ip"}},
		{"azureAdIdentityProtection", "azureAdIdentityProtection", "Azure Active Directory Identity Protection", "InitialAccess", "Atypical travel", []string{"T1078"}, "medium", "", []string{"user", "ip"}},
		{"microsoftDefenderForCloudApps", "cloudAppSecurity", "Microsoft Defender for Cloud Apps", "InitialAccess", "Impossible travel activity", []string{"T1078"}, "medium", "", []string{"user", "ip"}},
		{"microsoftDefenderForCloudApps", "cloudAppSecurity", "Microsoft Defender for Cloud Apps", "Exfiltration", "Mass download by a single user", []string{"T1530"}, "high", "", []string{"user", "ip"}},
	},
	{ // Azure workload
		{"microsoftDefenderForCloud", "microsoftDefenderForServers", "Microsoft Defender for Cloud", "Execution", "Suspicious PowerShell Activity Detected", []string{"T1059.001"}, "high", "", []string{"device", "process"}},
		{"microsoftDefenderForCloud", "microsoftDefenderForNetwork", "Microsoft Defender for Cloud", "CommandAndControl", "Traffic detected from IP addresses recommended for blocking", []string{"T1071"}, "low", "", []string{"device", "ip"}},
		{"microsoftDefenderForCloud", "microsoftDefenderForStorage", "Microsoft Defender for Cloud", "Exfiltration", "Access from a Tor exit node to a storage account", []string{"T1090.003"}, "high", "", []string{"ip"}},
	},
	{ // ransomware
		{"microsoft365Defender", "customDetection", "Microsoft 365 Defender", "LateralMovement", "RDP connection from an external address", []string{"T1021.001"}, "medium", "", []string{"device", "ip", "user"}},
		{"microsoftDefenderForEndpoint", "microsoftDefenderForEndpoint", "Microsoft Defender for Endpoint", "DefenseEvasion", "Suspicious execution of hidden file", []string{"T1564.001"}, "low", "", []string{"device", "process", "file"}},
		{"microsoftDefenderForEndpoint", "microsoftDefenderForEndpoint", "Microsoft Defender for Endpoint", "Impact", "Ransomware behavior detected in the file system", []string{"T1486"}, "high", "", []string{"device", "user", "process", "file"}},
	},
	{ // security testing, usually benign
		{"microsoftDefenderForEndpoint", "antivirus", "Microsoft Defender for Endpoint", "Malware", "An active 'HackTool:Win32/Cobaltstrike' malware was detected", nil, "medium", "Cobaltstrike", []string{"device", "file"}},
		{"microsoftDefenderForEndpoint", "microsoftDefenderForEndpoint", "Microsoft Defender for Endpoint", "Discovery", "Suspicious sequence of exploration activities", []string{"T1087", "T1069", "T1018"}, "low", "", []string{"device", "user", "process"}},
	},
}

var verdicts = [][2]string{
	{"truePositive", "malware"}, {"truePositive", "multiStagedAttack"}, {"truePositive", "compromisedAccount"},
	{"truePositive", "phishing"}, {"truePositive", "maliciousUserActivity"}, {"falsePositive", "notMalicious"},
	{"falsePositive", "notEnoughDataToValidate"}, {"informationalExpectedActivity", "securityTesting"},
	{"informationalExpectedActivity", "lineOfBusinessApplication"}, {"informationalExpectedActivity", "confirmedActivity"},
}

var idPrefix = map[string]string{
	"microsoftDefenderForEndpoint": "da", "microsoftDefenderForIdentity": "aa", "microsoftDefenderForOffice365": "fa",
	"microsoftDefenderForCloudApps": "ca", "microsoft365Defender": "ra", "azureAdIdentityProtection": "ad",
	"microsoftDefenderForCloud": "dc",
}

var severityRank = map[string]int{"informational": 1, "low": 2, "medium": 3, "high": 4}

// scenario carries the generator's state for one Seed call.
type scenario struct {
	r      *rand.Rand
	world  *emukit.World
	tenant string
	now    time.Time
}

// generate builds n alerts grouped into incidents about world (one drawn
// from seed when nil), deterministically from seed and now.
func generate(n int, seed int64, world *emukit.World, tenant string, now time.Time) ([]*Alert, []*Incident) {
	if world == nil {
		world = emukit.NewWorld(seed)
	}
	s := &scenario{r: emukit.NewRand(seed), world: world, tenant: tenant, now: now}
	var alerts []*Alert
	var incidents []*Incident
	nextIncident := 28000 + s.r.IntN(2000)
	for len(alerts) < n {
		story := emukit.Pick(s.r, stories)
		size := min(1+s.r.IntN(len(story)), n-len(alerts))
		in, as := s.incident(strconv.Itoa(nextIncident), story[:size])
		nextIncident += 1 + s.r.IntN(5)
		incidents = append(incidents, in)
		alerts = append(alerts, as...)
	}
	return alerts, incidents
}

func (s *scenario) incident(id string, kinds []alertKind) (*Incident, []*Alert) {
	start := s.now.Add(-8*time.Hour - time.Duration(s.r.Int64N(int64(14*24*time.Hour))))
	host, user := emukit.Pick(s.r, s.world.Hosts), emukit.Pick(s.r, s.world.Users)
	status, class, det, assigned := s.disposition()
	in := &Incident{
		ODataType: "#microsoft.graph.security.incident", ID: id, TenantID: s.tenant,
		IncidentWebURL:  "https://security.microsoft.com/incidents/" + id + "?tid=" + s.tenant,
		CreatedDateTime: start.Add(3 * time.Minute), Classification: class, Determination: det,
		CustomTags: []string{}, SystemTags: []string{}, Comments: []Comment{}, AssignedTo: assigned,
	}
	var alerts []*Alert
	cats := []string{}
	t := start
	for _, k := range kinds {
		a := s.alert(k, in, host, user, t)
		a.Classification, a.Determination, a.AssignedTo = class, det, assigned
		switch status {
		case "resolved":
			resolved := a.LastUpdateDateTime
			a.Status, a.ResolvedDateTime = "resolved", &resolved
		case "inProgress":
			a.Status = "inProgress"
		}
		alerts = append(alerts, a)
		in.alertIDs = append(in.alertIDs, a.ID)
		if severityRank[a.Severity] > severityRank[in.Severity] {
			in.Severity = a.Severity
		}
		if len(cats) == 0 || cats[len(cats)-1] != a.Category {
			cats = append(cats, a.Category)
		}
		in.LastUpdateDateTime = a.LastUpdateDateTime
		t = t.Add(time.Duration(2+s.r.IntN(90)) * time.Minute)
	}
	in.Status = map[string]string{"new": "active", "inProgress": "inProgress", "resolved": "resolved"}[status]
	if in.Status == "active" && s.r.IntN(15) == 0 {
		in.Status = "awaitingAction" // set by Defender Experts, an evolvable member
	}
	in.DisplayName = incidentName(kinds[0].title, cats, len(alerts), kinds[0].evidence)
	return in, alerts
}

func incidentName(title string, cats []string, n int, ev []string) string {
	scope := "on one endpoint"
	if ev[0] == "user" || ev[0] == "ip" {
		scope = "involving one user"
	}
	if n == 1 || len(cats) == 1 {
		return "'" + title + "' " + scope
	}
	return "Multi-stage incident involving " + cats[0] + " & " + cats[1] + " " + scope
}

// disposition picks where the incident stands: mostly new, some under
// investigation, some resolved with a verdict.
func (s *scenario) disposition() (status, class, det string, assigned *string) {
	switch x := s.r.IntN(10); {
	case x < 6:
		return "new", "unknown", "unknown", nil
	case x < 8:
		a := emukit.Pick(s.r, s.world.Users).UPN
		return "inProgress", "unknown", "unknown", &a
	default:
		a := emukit.Pick(s.r, s.world.Users).UPN
		v := emukit.Pick(s.r, verdicts)
		return "resolved", v[0], v[1], &a
	}
}

func (s *scenario) alert(k alertKind, in *Incident, host emukit.Host, user emukit.User, first time.Time) *Alert {
	id := fmt.Sprintf("%s%018d_%d", idPrefix[k.source], 637000000000000000+s.r.Int64N(999999999999999), int32(s.r.Uint32()))
	last := first.Add(time.Duration(s.r.IntN(600)) * time.Second)
	created := last.Add(time.Duration(30+s.r.IntN(600)) * time.Second)
	a := &Alert{
		ODataType: "#microsoft.graph.security.alert", ID: id, ProviderAlertID: id, IncidentID: in.ID,
		Status: "new", Severity: k.severity, Classification: "unknown", Determination: "unknown",
		ServiceSource: k.source, DetectionSource: k.detection, ProductName: k.product,
		DetectorID: emukit.GUID(s.r), TenantID: s.tenant, Title: k.title, Category: k.category,
		Description:        k.title + " was observed. Review the evidence and the related activity.",
		RecommendedActions: "Collect artifacts and determine scope. Review the machine timeline for suspicious activities that may have occurred before and after the time of the alert.",
		AlertWebURL:        "https://security.microsoft.com/alerts/" + id + "?tid=" + s.tenant,
		IncidentWebURL:     in.IncidentWebURL, MitreTechniques: append([]string{}, k.mitre...),
		CreatedDateTime: created, LastUpdateDateTime: created.Add(time.Duration(s.r.IntN(300)) * time.Second),
		FirstActivityDateTime: first, LastActivityDateTime: last,
		Comments: []Comment{}, SystemTags: []string{},
	}
	if k.mitre == nil {
		a.MitreTechniques = []string{}
	}
	if k.threat != "" {
		th := k.threat
		a.ThreatFamilyName, a.ThreatDisplayName = &th, &th
	}
	a.Evidence = s.evidence(k, host, user, created)
	return a
}
