package graph

import (
	"time"

	"github.com/alertsync/alertsync/internal/emulators/emukit"
)

// evidence builds alertEvidence entries of the kinds the detection carries,
// using derived types as the service emits them.
func (s *scenario) evidence(k alertKind, host emukit.Host, user emukit.User, at time.Time) []map[string]any {
	out := []map[string]any{}
	bad := s.badFile()
	for _, kind := range k.evidence {
		var ev map[string]any
		switch kind {
		case "device":
			ev = s.deviceEvidence(host, user)
		case "user":
			ev = map[string]any{"@odata.type": "#microsoft.graph.security.userEvidence", "userAccount": userAccount(user, s.world.Domain)}
		case "ip":
			ev = map[string]any{"@odata.type": "#microsoft.graph.security.ipEvidence", "ipAddress": emukit.Pick(s.r, s.world.AttackerIPs), "countryLetterCode": emukit.Pick(s.r, []string{"RU", "CN", "NL", "US", "BR", "KP"})}
		case "file":
			ev = map[string]any{"@odata.type": "#microsoft.graph.security.fileEvidence", "fileDetails": fileDetails(bad), "mdeDeviceId": host.MachineID, "detectionStatus": "detected"}
		case "process":
			ev = s.processEvidence(host, user, bad, at)
		}
		ev["createdDateTime"] = at
		ev["verdict"] = emukit.Pick(s.r, []string{"suspicious", "malicious"})
		ev["remediationStatus"] = emukit.Pick(s.r, []string{"none", "remediated", "prevented", "blocked"})
		ev["remediationStatusDetails"] = nil
		ev["roles"] = []string{emukit.Pick(s.r, []string{"compromised", "attacker", "contextual", "suspicious"})}
		ev["detailedRoles"] = []string{}
		ev["tags"] = []string{}
		out = append(out, ev)
	}
	return out
}

func (s *scenario) badFile() emukit.File {
	for {
		if f := emukit.Pick(s.r, s.world.Files); f.Bad {
			return f
		}
	}
}

func (s *scenario) deviceEvidence(h emukit.Host, u emukit.User) map[string]any {
	return map[string]any{
		"@odata.type": "#microsoft.graph.security.deviceEvidence", "firstSeenDateTime": s.now.Add(-400 * 24 * time.Hour),
		"mdeDeviceId": h.MachineID, "azureAdDeviceId": h.DeviceID, "deviceDnsName": h.DNSName, "hostName": h.Name,
		"osPlatform": h.OS, "osBuild": h.OSBuild, "version": "22H2", "healthStatus": "active", "riskScore": "high",
		"rbacGroupId": 0, "rbacGroupName": h.RBACGroup, "onboardingStatus": "onboarded", "defenderAvStatus": "updated",
		"ipInterfaces": []string{h.IP}, "loggedOnUsers": []map[string]any{{"accountName": u.SAM, "domainName": "CONTOSO"}},
		"vmMetadata": nil,
	}
}

func (s *scenario) processEvidence(h emukit.Host, u emukit.User, f emukit.File, at time.Time) map[string]any {
	parent := s.world.Files[1] // powershell.exe
	return map[string]any{
		"@odata.type": "#microsoft.graph.security.processEvidence", "processId": 1000 + s.r.IntN(20000),
		"parentProcessId": 500 + s.r.IntN(5000), "processCommandLine": `"` + f.Name + `" -s -k netsvcs`,
		"processCreationDateTime": at.Add(-5 * time.Minute), "parentProcessCreationDateTime": at.Add(-20 * time.Minute),
		"detectionStatus": "detected", "mdeDeviceId": h.MachineID, "imageFile": fileDetails(f),
		"parentProcessImageFile": fileDetails(parent), "userAccount": userAccount(u, "contoso.com"),
	}
}

func fileDetails(f emukit.File) map[string]any {
	return map[string]any{"sha1": f.SHA1, "sha256": f.SHA256, "fileName": f.Name, "filePath": f.Dir(), "fileSize": f.Size, "filePublisher": nil, "signer": nil, "issuer": nil}
}

func userAccount(u emukit.User, domain string) map[string]any {
	return map[string]any{"accountName": u.SAM, "domainName": "CONTOSO", "userSid": u.SID, "azureAdUserId": u.ObjectID, "userPrincipalName": u.UPN, "displayName": u.DisplayName}
}
