package o365

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/alertsync/alertsync/internal/emulators/emukit"
)

// actor is who did something and from where.
type actor struct {
	user     emukit.User
	ip       string
	attacker bool
}

// activityLocked makes n records about the world's users, stamped evenly
// between from and to: sign-ins (some failed, from attacker addresses
// more often than from the office), inbox rules, file downloads and
// views, and a few Security & Compliance alerts.
func (e *Emulator) activityLocked(n int, from, to time.Time) []Record {
	out := make([]Record, 0, n+1)
	for len(out) < n {
		a := e.pickActor(e.rng.IntN(5) == 0)
		at := from.Add(time.Duration(float64(to.Sub(from)) * float64(len(out)+1) / float64(n)))
		switch k := e.rng.IntN(20); {
		case k < 9:
			out = append(out, e.signIn(a, at, e.rng.IntN(10) < failures(a)))
		case k < 11:
			out = append(out, e.inboxRule(a, at, a.attacker || e.rng.IntN(3) == 0))
		case k < 19:
			out = append(out, e.fileOp(a, at, emukit.Pick(e.rng, []string{"FileAccessed", "FileAccessed", "FileDownloaded"})))
		default:
			out = append(out, e.alert(a, at)...)
		}
	}
	return out[:n]
}

// failures is how many sign-ins in ten fail: most of an attacker's
// password guesses, few of the staff's.
func failures(a actor) int {
	if a.attacker {
		return 7
	}
	return 1
}

// pickActor draws a user and an address: an attacker's, or an office
// machine's.
func (e *Emulator) pickActor(attacker bool) actor {
	a := actor{user: emukit.Pick(e.rng, e.world.Users), attacker: attacker}
	if attacker {
		a.ip = emukit.Pick(e.rng, e.world.AttackerIPs)
	} else {
		a.ip = emukit.Pick(e.rng, e.world.Hosts).IP
	}
	return a
}

// Raise plays one account takeover about a user of the world now: failed
// sign-ins from an attacker's address, a successful one, an inbox rule
// forwarding mail outside, a file download and the alert Microsoft raises
// for the rule. The records are published like any others.
func (e *Emulator) Raise(r *rand.Rand) []Record {
	e.mu.Lock()
	defer e.mu.Unlock()
	now := e.clock.Now().UTC()
	a := actor{user: emukit.Pick(r, e.world.Users), ip: emukit.Pick(r, e.world.AttackerIPs), attacker: true}
	at := func(i int) time.Time { return now.Add(time.Duration(i-6) * 20 * time.Second) }
	recs := []Record{
		e.signIn(a, at(0), true), e.signIn(a, at(1), true), e.signIn(a, at(2), false),
		e.inboxRule(a, at(3), true), e.fileOp(a, at(4), "FileDownloaded"),
	}
	recs = append(recs, e.alert(a, at(5))...)
	e.publishLocked(recs, now)
	return recs
}

func (e *Emulator) common(a actor, at time.Time, recordType int, op, workload string) common {
	return common{
		CreationTime: at.UTC().Format(recordTime), ID: emukit.GUID(e.rng), Operation: op,
		OrganizationID: e.opts.TenantID, RecordType: recordType, UserKey: a.user.ObjectID, Version: 1,
		Workload: workload, ClientIP: a.ip, UserID: a.user.UPN,
	}
}

func (e *Emulator) record(ct string, c common, v any) Record {
	raw, err := json.Marshal(v)
	if err != nil {
		panic(err) // the emulator's own types always encode
	}
	at, _ := time.Parse(recordTime, c.CreationTime)
	return Record{ID: c.ID, ContentType: ct, Operation: c.Operation, User: c.UserID, IP: c.ClientIP, Created: at, Raw: raw}
}

// signIn is an Entra ID sign-in: the STS logon record most tenants see,
// or now and then the older account logon record of the reference's
// sample blob.
func (e *Emulator) signIn(a actor, at time.Time, failed bool) Record {
	if e.rng.IntN(4) == 0 {
		return e.accountLogon(a, at, failed)
	}
	op, result, code, why := "UserLoggedIn", "Success", "0", ""
	if failed {
		op, result, code, why = "UserLoginFailed", "Failed", "50126", "InvalidUserNameOrPassword"
	}
	c := e.common(a, at, recStsLogon, op, "AzureActiveDirectory")
	c.ResultStatus, c.ObjectID = result, "00000002-0000-0ff1-ce00-000000000000"
	return e.record(AzureActiveDirectory, c, stsLogon{
		common: c, AzureActiveDirectoryEventType: 1,
		ExtendedProperties: []nameValue{{"ResultStatusDetail", result}, {"UserAgent", userAgent(e.rng)}, {"RequestType", "OAuth2:Authorize"}},
		ModifiedProperties: []nameValue{}, Actor: []identity{{a.user.ObjectID, 0}, {a.user.UPN, 5}},
		ActorContextID: e.opts.TenantID, ActorIPAddress: a.ip, InterSystemsID: emukit.GUID(e.rng), IntraSystemID: emukit.GUID(e.rng),
		Target: []identity{{"00000002-0000-0ff1-ce00-000000000000", 0}}, TargetContextID: e.opts.TenantID,
		ApplicationID: "00000002-0000-0ff1-ce00-000000000000", ErrorCode: code, LogonError: why,
	})
}

func (e *Emulator) accountLogon(a actor, at time.Time, failed bool) Record {
	c := e.common(a, at, recAccountLogon, "PasswordLogonInitialAuthUsingPassword", "AzureActiveDirectory")
	c.ResultStatus, c.ObjectID, c.UserKey = "success", a.user.UPN, fmt.Sprintf("%d@%s", 1000000000000000000+e.rng.Int64N(1e17), e.tenantDomain())
	rec := accountLogon{common: c, Client: "Exchange", UserDomain: e.tenantDomain()}
	if failed {
		rec.ResultStatus, rec.LoginStatus = "failed", -2147217390
		rec.ExtendedProperties = []nameValue{{"LoginError", "-2147217390;PP_E_BAD_PASSWORD;The entered and stored passwords do not match."}}
	}
	return e.record(AzureActiveDirectory, rec.common, rec)
}

// inboxRule is New-InboxRule or Set-InboxRule run against the user's
// mailbox; forward sends mail to an outside address. Exchange writes
// ClientIP with the client's port.
func (e *Emulator) inboxRule(a actor, at time.Time, forward bool) Record {
	op := emukit.Pick(e.rng, []string{"New-InboxRule", "New-InboxRule", "Set-InboxRule"})
	name := emukit.Pick(e.rng, []string{"Invoices", "RSS sync", ".", "Archive"})
	params := []nameValue{{"Name", name}}
	if forward {
		params = append(params, nameValue{"ForwardTo", emukit.Pick(e.rng, outsiders)})
	} else {
		params = append(params, nameValue{"MoveToFolder", emukit.Pick(e.rng, []string{"Archive", "RSS Feeds", "Conversation History"})})
	}
	params = append(params, nameValue{"StopProcessingRules", "True"})
	c := e.common(a, at, recExchangeAdmin, op, "Exchange")
	c.ResultStatus, c.UserKey = "True", strings.ToUpper(emukit.HexString(e.rng, 16))
	c.ClientIP = fmt.Sprintf("%s:%d", a.ip, 1024+e.rng.IntN(60000))
	c.ObjectID = fmt.Sprintf("EURPR01A001.PROD.OUTLOOK.COM/Microsoft Exchange Hosted Organizations/%s/%s\\%s", e.tenantDomain(), a.user.ObjectID, name)
	return e.record(Exchange, c, exchangeAdmin{
		common: c, AppID: "00000002-0000-0ff1-ce00-000000000000", OrganizationName: e.tenantDomain(),
		OriginatingServer: "AM6PR01MB4710 (15.20.7452.022)", Parameters: params, SessionID: emukit.GUID(e.rng),
	})
}

// outsiders are mailboxes outside the tenant that rules forward to.
var outsiders = []string{"invoices.archive@mailbox.example", "j.ramirez.backup@freemail.example", "ops-forward@relay.example"}

// fileOp is a SharePoint or OneDrive file event on a file of the user's
// department site.
func (e *Emulator) fileOp(a actor, at time.Time, op string) Record {
	site := "https://" + e.tenantName() + ".sharepoint.com/sites/" + strings.ToLower(a.user.Department) + "/"
	file := emukit.Pick(e.rng, []string{"Q3 forecast.xlsx", "Payroll 2026.xlsx", "Board deck.pptx", "Vendor contracts.docx", "VPN setup.pdf"})
	folder := "Shared Documents"
	c := e.common(a, at, recSharePointFile, op, "SharePoint")
	c.UserKey, c.ObjectID = "i:0h.f|membership|"+strings.ToLower(emukit.HexString(e.rng, 16))+"@live.com", site+folder+"/"+file
	return e.record(SharePoint, c, sharePointFile{
		common: c, CorrelationID: emukit.GUID(e.rng), EventSource: "SharePoint", ItemType: "File",
		ListID: emukit.GUID(e.rng), ListItemUniqueID: emukit.GUID(e.rng), Site: emukit.GUID(e.rng),
		UserAgent: userAgent(e.rng), WebID: emukit.GUID(e.rng), SourceFileExtension: file[strings.LastIndexByte(file, '.')+1:],
		SiteURL: site, SourceFileName: file, SourceRelativeURL: folder,
	})
}

// alert is a Security & Compliance alert about the user (RecordType 40)
// as its two records: AlertTriggered, which names no user, and
// AlertEntityGenerated, which names the user as the alert's entity.
func (e *Emulator) alert(a actor, at time.Time) []Record {
	id := emukit.GUID(e.rng)
	out := make([]Record, 0, 2)
	for _, op := range []string{"AlertTriggered", "AlertEntityGenerated"} {
		c := e.common(a, at, recComplianceAlert, op, "SecurityComplianceCenter")
		c.UserID, c.UserKey, c.UserType, c.ClientIP, c.ResultStatus, c.ObjectID = "SecurityComplianceAlerts", "SecurityComplianceAlerts", 4, "", "Succeeded", id
		rec := complianceAlert{common: c, AlertID: id, AlertType: "System", Name: "Creation of forwarding/redirect rule",
			PolicyID: "a3c3d3bc-7e43-4a1b-9d48-0a4c3f6e2f55", Status: "Active", Severity: "Medium", Category: "ThreatManagement",
			Source: "Office 365 Security & Compliance", Comments: "New alert"}
		if op == "AlertEntityGenerated" {
			rec.AlertEntityID, rec.EntityType = a.user.UPN, "User"
		}
		r := e.record(General, c, rec)
		r.User = rec.AlertEntityID
		out = append(out, r)
	}
	return out
}

func userAgent(r *rand.Rand) string {
	return emukit.Pick(r, []string{
		"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 Edg/124.0.0.0",
		"Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook 16.0.17328; Pro)",
		"python-requests/2.31.0",
	})
}

// tenantName is the tenant's initial domain label ("contoso").
func (e *Emulator) tenantName() string {
	name, _, _ := strings.Cut(e.world.Domain, ".")
	return name
}

func (e *Emulator) tenantDomain() string { return e.tenantName() + ".onmicrosoft.com" }
