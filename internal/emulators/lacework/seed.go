package lacework

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/alertsync/alertsync/internal/emulators/emukit"
)

// Kinds of detection: CloudTrail activity, agent (workload) activity, and
// the platform's own health alerts.
const (
	kindCloud    = "cloud"
	kindAgent    = "agent"
	kindPlatform = "platform"
)

// detection is an alert the scenario can raise, modelled on the alerts of
// the fact sheet (CloudActivityLogIngestionFailed), the Go SDK's fixtures
// (ChangedFile) and Red Canary's published one (New AWS User).
// Placeholders: {account} {upn} {sam} {host} {ip} {exe}.
type detection struct {
	name, typ, severity   string
	category, sub, source string
	policy, kind          string
	subject, description  string
}

var detections = []detection{
	{"New AWS User", "ServiceCalledawsApi", "High", "Anomaly", "Cloud Activity", "aws", "LW_CLOUD_ANOMALY_NEW_USER", kindCloud,
		"For account: {account}  : User {upn} accessed using AWS for the first time",
		"For account: {account}  : User {upn} accessed using AWS for the first time"},
	{"Successful Console Login Without MFA", "SuccessfulConsoleLoginWithoutMFA", "Medium", "Policy", "Cloud Activity", "aws", "LW_AWS_IAM_26", kindCloud,
		"User {upn} logged in to the AWS console without MFA",
		"For account: {account}  : User {upn} logged in to the AWS console without MFA from {ip}"},
	{"New External Server IP Connection", "NewExternalServerIp", "Medium", "Anomaly", "Network", "Agent", "LW_HOST_ANOMALY_NEW_EXT_IP", kindAgent,
		"Host {host} connected to a new external server IP",
		"Host {host} made a first connection to external server {ip} from {exe}"},
	{"Suspicious Application Launched", "SuspiciousApplicationLaunched", "High", "Anomaly", "Application", "Agent", "LW_HOST_ANOMALY_SUSP_APP", kindAgent,
		"Suspicious application launched on {host}",
		"Application {exe} launched on {host} by user {sam}; it was never seen before in this environment"},
	{"Clone of Files Changed", "ChangedFile", "Medium", "Policy", "File", "Agent", "CUSTOM_FIM_276", kindAgent,
		"Clone of Files Changed", "Custom Policy Violation"},
	{"Known Bad IP Connection", "KnownBadIpConnection", "Critical", "Policy", "Host", "Agent", "LW_HOST_BAD_IP_3", kindAgent,
		"Host {host} connected to a known bad IP",
		"Host {host} connected to {ip}, an address on a threat intelligence list, from {exe}"},
	{"Clone of Cloud Activity log ingestion failure detected", "CloudActivityLogIngestionFailed", "High", "Policy", "Platform", "", "CUSTOM_PLATFORM_130", kindPlatform,
		"Clone of Cloud Activity log ingestion failure detected",
		"New integration failure detected for {account}-cloudtrail (and 3 more)"},
}

// spawn is one detection about to become an alert.
type spawn struct {
	d       detection
	host    emukit.Host
	user    emukit.User
	file    emukit.File
	ip      string
	account string // AWS account id
	region  string
	start   time.Time
}

func (s spawn) fill(text string) string {
	return strings.NewReplacer("{account}", s.account, "{upn}", s.user.UPN, "{sam}", s.user.SAM,
		"{host}", s.host.DNSName, "{ip}", s.ip, "{exe}", s.file.Path).Replace(text)
}

var regions = []string{"us-east-1", "us-west-2", "eu-central-1", "eu-west-1"}

// awsAccount is the organisation's AWS account, stable per world.
func awsAccount(w *emukit.World) string {
	digits := strings.Map(func(c rune) rune {
		if c >= '0' && c <= '9' {
			return c
		}
		return -1
	}, w.TenantID)
	return (digits + "287105300711")[:12]
}

// newAlert builds an open alert about the hour from start; the caller
// holds e.mu.
func (e *Emulator) newAlert(r *rand.Rand, start time.Time) *Alert {
	w := e.opts.World
	s := spawn{d: emukit.Pick(r, detections), host: emukit.Pick(r, w.Hosts), user: emukit.Pick(r, w.Users),
		file: emukit.Pick(r, w.Files), ip: emukit.Pick(r, w.AttackerIPs), account: awsAccount(w),
		region: emukit.Pick(r, regions), start: start}
	a := &Alert{
		ID: e.nextID, Name: s.d.name, Type: s.d.typ, Severity: s.d.severity, Status: StatusOpen,
		Start: start, End: start.Add(time.Hour), Subject: s.fill(s.d.subject), Description: s.fill(s.d.description),
		Category: s.d.category, SubCategory: s.d.sub, Source: s.d.source, PolicyID: s.d.policy,
		AlertSource: alertSource(s.d.kind), Reachability: "UnknownReachability", InternetExposure: "UnknownInternetExposure",
		Timeline: []Timeline{},
	}
	e.nextID++
	a.Entities, a.Events = entitiesOf(r, s), eventsOf(r, s)
	a.Investigation, a.Related = investigationOf(r, s), relatedOf(r, s)
	a.Integrations = []Channel{channelOf(r, a)}
	return a
}

func alertSource(kind string) string {
	switch kind {
	case kindCloud:
		return "AwsCloudTrail"
	case kindAgent:
		return "Agent"
	}
	return "UnknownAlertSource"
}

// generate builds n alerts over the last six days, deterministically from
// seed and now: most open, some in progress, some closed with a reason
// and an analyst's comment.
func (e *Emulator) generate(n int, seed int64, now time.Time) []*Alert {
	r := emukit.NewRand(seed)
	out := make([]*Alert, 0, n)
	for range n {
		start := now.Add(-2*time.Hour - time.Duration(r.Int64N(int64(6*24*time.Hour)))).Truncate(time.Hour)
		a := e.newAlert(r, start)
		e.dispose(r, a, now)
		out = append(out, a)
	}
	return out
}

// dispose leaves most seeded alerts open and works some, as analysts
// did in the console.
func (e *Emulator) dispose(r *rand.Rand, a *Alert, now time.Time) {
	x := r.IntN(10)
	if x < 7 {
		return
	}
	analyst := emukit.Pick(r, e.opts.World.Users).UPN
	at := a.End.Add(time.Duration(1+r.IntN(90)) * time.Minute)
	if at.After(now) {
		at = now
	}
	if x < 9 {
		a.Status, a.UserUpdated = StatusInProgress, at
		e.noteLocked(a, entryComment, "Looking into this with the owner of "+a.Subject+".", analyst)
		return
	}
	reason := emukit.Pick(r, []int{1, 2, 3, 5})
	a.Status, a.CloseReason, a.UserUpdated = StatusClosed, &reason, at
	e.noteLocked(a, entryComment, fmt.Sprintf("Reviewed: %s.", strings.ToLower(CloseReasons[reason])), analyst)
	e.noteLocked(a, entryStatus, "Closed: "+CloseReasons[reason], analyst)
}

// eventID is a Lacework event id: a decimal number as a string.
func eventID(r *rand.Rand) string { return strconv.Itoa(10000 + r.IntN(90000)) }
