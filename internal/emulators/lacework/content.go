package lacework

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/alertsync/alertsync/internal/emulators/emukit"
)

// What each scope holds, by kind of detection. The shapes follow the Go
// SDK's fixtures (Details' entityMap of KEY and PROPS, Events' CloudTrail
// rows, Integrations' alertChannel, Timeline) and Red Canary's assembled
// alert (Investigation questions, RelatedAlerts rows). The entity types
// and their keys are those of Lacework's event details (Machine, User,
// IpAddress, FileExePath, FileDataHash, Process, CT_User,
// SourceIpAddress, Region, API) [U: the alerts API's entityMap is
// undocumented beyond the SDK's CustomRule example].

func entitiesOf(r *rand.Rand, s spawn) EntityMap {
	switch s.d.kind {
	case kindCloud:
		return EntityMap{
			"CT_User": {{Key: map[string]any{"username": s.user.UPN, "account_id": s.account},
				Props: map[string]any{"principal_id": "AIDA" + strings.ToUpper(emukit.HexString(r, 17)), "mfa": 0,
					"api_list": []string{"ConsoleLogin", "GetCallerIdentity"}, "region_list": []string{s.region}}}},
			"SourceIpAddress": {{Key: map[string]any{"ip_address": s.ip},
				Props: map[string]any{"region": "Texas", "country": "United States of America"}}},
			"Region": {{Key: map[string]any{"region": s.region}, Props: map[string]any{"account_list": []string{s.account}}}},
			"API":    {{Key: map[string]any{"service": "signin.amazonaws.com", "api": "ConsoleLogin"}}},
		}
	case kindAgent:
		return agentEntities(r, s)
	}
	return EntityMap{}
}

func agentEntities(r *rand.Rand, s spawn) EntityMap {
	pid := 1000 + r.IntN(60000)
	m := EntityMap{
		"Machine": {{Key: map[string]any{"hostname": s.host.DNSName},
			Props: map[string]any{"external_ip": externalIP(s.host), "internal_ip_addr": s.host.IP,
				"instance_id": "i-0" + emukit.HexString(r, 16), "os": s.host.OS}}},
		"User": {{Key: map[string]any{"username": s.user.SAM, "mid": 1 + r.IntN(500)}}},
		"FileExePath": {{Key: map[string]any{"exe_path": s.file.Path},
			Props: map[string]any{"last_seen_time": wireTime(s.start.Add(17 * time.Minute))}}},
		"FileDataHash": {{Key: map[string]any{"filedata_hash": s.file.SHA256},
			Props: map[string]any{"exe_path_list": []string{s.file.Path}, "known_bad": boolInt(s.file.Bad)}}},
		"Process": {{Key: map[string]any{"hostname": s.host.DNSName, "process_id": pid, "process_start_time": wireTime(s.start.Add(12 * time.Minute))},
			Props: map[string]any{"cmdline": `"` + s.file.Path + `"`, "username": s.user.SAM}}},
	}
	if s.d.sub == "Network" || s.d.sub == "Host" {
		m["IpAddress"] = []Entity{{Key: map[string]any{"ip_address": s.ip},
			Props: map[string]any{"country": "Netherlands", "threat_tags": []string{"C2"}, "port_list": []int{443}}}}
	}
	return m
}

// externalIP is a host's public address, stable per host.
func externalIP(h emukit.Host) string {
	return fmt.Sprintf("198.51.100.%d", 1+int(h.DeviceID[0])%250)
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func eventsOf(r *rand.Rand, s spawn) []Event {
	at := wireTime(s.start.Add(time.Duration(5+r.IntN(50)) * time.Minute))
	switch s.d.kind {
	case kindCloud:
		ident, _ := json.Marshal(map[string]string{"type": "IAMUser", "userName": s.user.UPN, "accountId": s.account})
		return []Event{{"awsRegion": s.region, "eventName": "ConsoleLogin", "eventSource": "signin.amazonaws.com",
			"sourceIpAddress": s.ip, "recipientAccountId": s.account, "mfa": "false", "eventTime": at,
			"userIdentity": string(ident), "additionalEventInfo": `{"MFAUsed": "No", "LoginTo": "https://console.aws.amazon.com/"}`}}
	case kindAgent:
		return []Event{{"hostname": s.host.DNSName, "username": s.user.SAM, "exe_path": s.file.Path,
			"cmdline": `"` + s.file.Path + `"`, "dst_ip_addr": s.ip, "dst_port": 443, "protocol": "TCP", "eventTime": at}}
	}
	return []Event{}
}

// questions are the Investigation scope's questions, the first three from
// Red Canary's published alert.
var questions = map[string][]string{
	kindCloud: {
		"Has a new user been involved in the event in the last 60 days?",
		"Have the users involved in the event authenticated without MFA in the last 60 days?",
		"Have any of the users involved in the event used the Root account in the last 60 days?",
	},
	kindAgent: {
		"Has the host connected to this external IP in the last 60 days?",
		"Has this application run on other hosts in the last 60 days?",
		"Is the application's file known bad?",
	},
}

func investigationOf(r *rand.Rand, s spawn) []QA {
	out := []QA{}
	for _, q := range questions[s.d.kind] {
		out = append(out, QA{Question: q, Answer: emukit.Pick(r, []string{"Yes", "No", "No"})})
	}
	return out
}

func relatedOf(r *rand.Rand, s spawn) []Related {
	out := []Related{}
	for i := range r.IntN(3) {
		start := s.start.Add(-time.Duration(24*(i+1)+r.IntN(200)) * time.Hour)
		out = append(out, Related{
			EventType: strings.ReplaceAll(s.d.typ, "Clone of ", ""), EventID: eventID(r), Severity: fmt.Sprint(2 + r.IntN(3)),
			StartTime: start.Format(time.RFC3339), EndTime: start.Add(time.Hour).Format(time.RFC3339), Rank: 3 - i,
			EventInfo: info{Subject: s.fill(s.d.subject), Description: s.fill(s.d.description)}, EventName: strings.ToLower(s.d.name),
		})
	}
	return out
}

// channelOf is the webhook channel every alert is sent to.
func channelOf(r *rand.Rand, a *Alert) Channel {
	guid := "ALERTSYNC_" + strings.ToUpper(emukit.HexString(r, 37))
	return Channel{
		AlertChannel: map[string]any{
			"INTG_GUID": guid, "NAME": "SOC webhook", "TYPE": "Webhook", "ENABLED": 1, "IS_ORG": 0,
			"CREATED_OR_UPDATED_TIME": "2025-05-02T20:44:56.612Z", "CREATED_OR_UPDATED_BY": DefaultUser,
			"STATE": map[string]any{"ok": true, "lastUpdatedTime": a.End.UnixMilli(), "lastSuccessfulTime": a.End.UnixMilli()},
			"DATA":  map[string]any{"WEBHOOK_URL": "https://soc.contoso.com/hooks/lacework"},
		},
		AlertIntegrationID: emukit.GUID(r), AlertID: a.ID, IntegrationType: "WEBHOOK",
		IntegrationContext: map[string]any{"id": "", "link": ""}, IntgGUID: guid,
		LastSyncTime: wireTime(a.End.Add(2 * time.Minute)), Status: StatusOpen,
	}
}
