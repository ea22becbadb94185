package cortexxdr

import (
	"math/rand/v2"
	"time"

	"github.com/alertsync/alertsync/internal/emulators/emukit"
)

// newAlert builds one alert of d on host for user in case caseID,
// detected at at, modelled on the fact sheet's example: the NetBIOS host
// name, its address, a DOMAIN\user account, the agent's endpoint id and
// MITRE fields spelled "<id> - <name>".
func (e *Emulator) newAlert(r *rand.Rand, d detection, host emukit.Host, user emukit.User, caseID int64, at time.Time) *Alert {
	e.nextAlert += int64(1 + r.IntN(40))
	inserted := at.Add(time.Duration(15+r.IntN(180)) * time.Second)
	a := &Alert{
		AlertID: formatID(e.nextAlert), ExternalID: emukit.GUID(r), CaseID: caseID,
		Name: d.name, Description: d.name + " on " + host.Name, Category: d.category, Severity: d.severity, Source: d.source,
		Action: "DETECTED", ActionPretty: "Detected",
		DetectionTimestamp: at.UnixMilli(), LocalInsertTS: inserted.UnixMilli(),
		LastModifiedTS: inserted.Add(time.Duration(r.IntN(120)) * time.Second).UnixMilli(),
		EndpointID:     host.MachineID[:32], HostName: host.Name, HostIP: host.IP, UserName: "CONTOSO\\" + user.SAM,
		MitreTacticIDAndName: d.tactic, MitreTechniqueIDAndName: d.technique,
		ResolutionStatus: "STATUS_010_NEW", Tags: "DS:PANW/XDR Agent", EventType: d.eventType, MatchingStatus: "MATCHED", IsWhitelisted: "No",
	}
	if d.blocked {
		a.Action, a.ActionPretty = "BLOCKED", "Prevented (Blocked)"
	}
	file := e.opts.World.Files[1] // powershell.exe: the scripting engine BIOCs fire on
	for d.malicious && !file.Bad {
		file = emukit.Pick(r, e.opts.World.Files)
	}
	name, sha, cmd := file.Name, file.SHA256, `"`+file.Path+`" -nop -w hidden`
	a.ActorProcessImageName, a.ActorProcessImageSHA256, a.ActorProcessCommandLine = &name, &sha, &cmd
	parent, account := `C:\Windows\explorer.exe`, "CONTOSO\\"+user.SAM
	a.CausalityActorImagePath, a.ActorEffectiveUsername = &parent, &account
	if d.network {
		ip := emukit.Pick(r, e.opts.World.AttackerIPs)
		a.ActionRemoteIP = &ip
	}
	return a
}
