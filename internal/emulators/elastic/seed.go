package elastic

import (
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/alertsync/alertsync/internal/emulators/emukit"
)

// rule is a detection rule the scenario raises alerts from, modelled on
// Elastic's prebuilt rules.
type rule struct {
	name, ruleType, severity string
	risk                     int
	category                 string // event.category, and the reason's first word
	action                   string // event.action
	process, parent          string // process rules only
	network                  bool   // source and destination addresses
	tactic, technique        [2]string
	buildingBlock            bool
}

var rules = []rule{
	{name: "PKINIT Certificate Authentication - Administrator TGT Request", ruleType: "query", severity: "high", risk: 73, category: "authentication",
		action: "Kerberos Authentication Service", tactic: [2]string{"TA0006", "Credential Access"}, technique: [2]string{"T1558", "Steal or Forge Kerberos Tickets"}},
	{name: "Potential Credential Access via LSASS Memory Dump", ruleType: "eql", severity: "high", risk: 73, category: "process", action: "start",
		process: "rundll32.exe", parent: "cmd.exe", tactic: [2]string{"TA0006", "Credential Access"}, technique: [2]string{"T1003", "OS Credential Dumping"}},
	{name: "Suspicious MS Office Child Process", ruleType: "eql", severity: "medium", risk: 47, category: "process", action: "start",
		process: "powershell.exe", parent: "winword.exe", tactic: [2]string{"TA0001", "Initial Access"}, technique: [2]string{"T1566", "Phishing"}},
	{name: "Unusual Network Connection via RunDLL32", ruleType: "eql", severity: "medium", risk: 47, category: "network", action: "connection_attempted",
		process: "rundll32.exe", network: true, tactic: [2]string{"TA0005", "Defense Evasion"}, technique: [2]string{"T1218", "System Binary Proxy Execution"}},
	{name: "Multiple Logon Failure from the same Source Address", ruleType: "eql", severity: "medium", risk: 47, category: "authentication",
		action: "logon-failed", network: true, tactic: [2]string{"TA0006", "Credential Access"}, technique: [2]string{"T1110", "Brute Force"}},
	{name: "Potential Remote Desktop Tunneling Detected", ruleType: "eql", severity: "medium", risk: 47, category: "process", action: "start",
		process: "plink.exe", parent: "explorer.exe", tactic: [2]string{"TA0011", "Command and Control"}, technique: [2]string{"T1572", "Protocol Tunneling"}},
	{name: "Ransomware - Detected - Elastic Defend", ruleType: "query", severity: "critical", risk: 99, category: "file", action: "rename",
		process: "svchost32.exe", parent: "explorer.exe", tactic: [2]string{"TA0040", "Impact"}, technique: [2]string{"T1486", "Data Encrypted for Impact"}},
	{name: "Encoded Executable Stored in the Registry", ruleType: "eql", severity: "medium", risk: 47, category: "registry", action: "modification",
		process: "powershell.exe", parent: "cmd.exe", tactic: [2]string{"TA0005", "Defense Evasion"}, technique: [2]string{"T1112", "Modify Registry"}},
	{name: "Whoami Process Activity", ruleType: "query", severity: "low", risk: 21, category: "process", action: "start",
		process: "whoami.exe", parent: "cmd.exe", tactic: [2]string{"TA0007", "Discovery"}, technique: [2]string{"T1033", "System Owner/User Discovery"}},
	{name: "Unusual Discovery Activity by User", ruleType: "eql", severity: "low", risk: 21, category: "process", action: "start",
		process: "net.exe", parent: "cmd.exe", tactic: [2]string{"TA0007", "Discovery"}, technique: [2]string{"T1087", "Account Discovery"}, buildingBlock: true},
}

// kibanaVersion is stamped on generated alerts.
const kibanaVersion = "8.19.12"

// indexName is the concrete index behind a space's alerts alias.
func indexName(space string) string { return ".internal.alerts-security.alerts-" + space + "-000001" }

// seed replaces the default space's alerts with n generated ones.
func (e *Emulator) seed(n int, seed int64) {
	r := emukit.NewRand(seed)
	now := e.clock.Now().UTC()
	e.mu.Lock()
	defer e.mu.Unlock()
	for id, d := range e.docs {
		if d.space == DefaultSpace {
			delete(e.docs, id)
		}
	}
	for range n {
		ts := now.Add(-8*time.Hour - time.Duration(r.Int64N(int64(14*24*time.Hour)))).Truncate(time.Millisecond)
		src := e.newSource(r, emukit.Pick(r, rules), emukit.Pick(r, e.opts.World.Hosts), emukit.Pick(r, e.opts.World.Users), ts)
		triage(r, src, ts, now)
		e.addLocked(DefaultSpace, src)
	}
}

// SeedAlerts adds n new open alerts to the default space, stamped now,
// and returns their ids.
func (e *Emulator) SeedAlerts(n int) []string {
	r := emukit.NewRand(e.ticker.Next().UnixNano())
	ids := make([]string, 0, n)
	for range n {
		rl := emukit.Pick(r, rules[:len(rules)-1]) // never a building block
		src := e.newSource(r, rl, emukit.Pick(r, e.opts.World.Hosts), emukit.Pick(r, e.opts.World.Users), e.ticker.Next())
		e.mu.Lock()
		ids = append(ids, e.addLocked(DefaultSpace, src))
		e.mu.Unlock()
	}
	return ids
}

// Raise adds one to three new open alerts about one host and user of
// the World, as rules firing now, and returns their ids.
func (e *Emulator) Raise(r *rand.Rand) []string {
	host, user := emukit.Pick(r, e.opts.World.Hosts), emukit.Pick(r, e.opts.World.Users)
	n := 1 + r.IntN(3)
	ids := make([]string, 0, n)
	for range n {
		src := e.newSource(r, emukit.Pick(r, rules[:len(rules)-1]), host, user, e.ticker.Next())
		e.mu.Lock()
		ids = append(ids, e.addLocked(DefaultSpace, src))
		e.mu.Unlock()
	}
	return ids
}

// AddAlert stores a document given by a test (the _source as Kibana
// would index it) in space and returns its _id, kibana.alert.uuid when
// the document has one.
func (e *Emulator) AddAlert(space string, source map[string]any) string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.addLocked(space, emukit.DeepCopy(source))
}

func (e *Emulator) addLocked(space string, src map[string]any) string {
	id := first(src, fieldUUID)
	if id == "" {
		id = emukit.HexString(emukit.NewRand(int64(e.seq)+int64(len(e.docs))<<20), 64)
	}
	e.seq++
	e.seqNo++
	e.docs[id] = &doc{id: id, index: indexName(space), space: space, seq: e.seq, seqNo: e.seqNo, source: src}
	return id
}

// SetAlertStatus changes an alert's status as an analyst in Kibana
// would (reason only with closed), stamped now.
func (e *Emulator) SetAlertStatus(id, status, reason string) error {
	if !validStatus(status) || (reason != "" && status != "closed") {
		return fmt.Errorf("status %q with reason %q is not what Kibana accepts", status, reason)
	}
	at := stamp(e.ticker.Next())
	e.mu.Lock()
	defer e.mu.Unlock()
	d, ok := e.docs[id]
	if !ok {
		return fmt.Errorf("alert %s not found", id)
	}
	e.writeStatusLocked(d, status, reason, at)
	return nil
}

func (e *Emulator) newSource(r *rand.Rand, rl rule, h emukit.Host, u emukit.User, ts time.Time) map[string]any {
	id := emukit.HexString(r, 64)
	orig := ts.Add(-time.Duration(5+r.IntN(240)) * time.Second)
	src := map[string]any{
		"@timestamp": stamp(ts),
		"host":       map[string]any{"name": h.DNSName, "hostname": h.Name, "os": map[string]any{"family": osFamily(h.OS), "name": h.OS}, "ip": []any{h.IP}},
		"user":       map[string]any{"name": u.SAM, "domain": "CONTOSO"},
		"event":      map[string]any{"action": rl.action, "category": []any{rl.category}},
		"agent":      map[string]any{"type": "endpoint", "name": h.Name},
		"event.kind": "signal",
	}
	if rl.process != "" {
		src["process"] = processOf(r, e.opts.World, rl)
	}
	if rl.network {
		src["source"] = map[string]any{"ip": emukit.Pick(r, e.opts.World.AttackerIPs), "port": 1024 + r.IntN(60000)}
		src["destination"] = map[string]any{"ip": h.IP, "port": emukit.Pick(r, []int{443, 445, 3389, 88})}
	}
	for k, v := range alertFields(r, rl, id, h, u, ts, orig) {
		src[k] = v
	}
	return src
}

// alertFields are the kibana.alert.* fields, dotted keys at the root.
func alertFields(r *rand.Rand, rl rule, id string, h emukit.Host, u emukit.User, ts, orig time.Time) map[string]any {
	f := map[string]any{
		"kibana.alert.uuid": id, "kibana.alert.status": "active", fieldStatus: "open",
		fieldTags: []any{}, "kibana.alert.workflow_assignee_ids": []any{},
		fieldSeverity: rl.severity, "kibana.alert.risk_score": rl.risk, "kibana.alert.reason": reason(rl, h, u),
		"kibana.alert.original_time": stamp(orig), "kibana.alert.depth": 1, "kibana.alert.start": stamp(ts),
		"kibana.alert.ancestors": []any{map[string]any{"id": emukit.HexString(r, 20), "type": "event",
			"index": ".ds-logs-endpoint.events." + rl.category + "-default-" + orig.Format("2006.01.02") + "-000001", "depth": 0}},
		fieldRuleName: rl.name, "kibana.alert.rule.uuid": emukit.GUID(emukit.NewRand(nameSeed(rl.name))),
		"kibana.alert.rule.rule_id": emukit.GUID(emukit.NewRand(nameSeed("rule_id " + rl.name))),
		"kibana.alert.rule.type":    rl.ruleType, "kibana.alert.rule.severity": rl.severity, "kibana.alert.rule.risk_score": rl.risk,
		"kibana.alert.rule.threat": []any{map[string]any{"framework": "MITRE ATT&CK",
			"tactic":    map[string]any{"id": rl.tactic[0], "name": rl.tactic[1], "reference": "https://attack.mitre.org/tactics/" + rl.tactic[0] + "/"},
			"technique": []any{map[string]any{"id": rl.technique[0], "name": rl.technique[1], "reference": "https://attack.mitre.org/techniques/" + rl.technique[0] + "/"}}}},
		"kibana.alert.rule.producer": "siem", "kibana.alert.rule.consumer": "siem",
		"kibana.alert.intended_timestamp": stamp(ts), "kibana.space_ids": []any{DefaultSpace}, "kibana.version": kibanaVersion,
	}
	if rl.buildingBlock {
		f[fieldBuildingBlock] = "default"
	}
	return f
}

// nameSeed keeps a rule's ids the same in every alert it raises.
func nameSeed(name string) int64 {
	h := fnv.New64a()
	_, _ = h.Write([]byte(name))
	return int64(h.Sum64() >> 1)
}

func processOf(r *rand.Rand, w *emukit.World, rl rule) map[string]any {
	var bad emukit.File
	for !bad.Bad {
		bad = emukit.Pick(r, w.Files)
	}
	p := map[string]any{"name": rl.process, "pid": 1000 + r.IntN(20000), "executable": `C:\Windows\System32\` + rl.process,
		"hash": map[string]any{"sha256": bad.SHA256}}
	if rl.parent != "" {
		p["parent"] = map[string]any{"name": rl.parent, "pid": 500 + r.IntN(5000)}
	}
	return p
}

// reason is kibana.alert.reason the way Kibana builds it.
func reason(rl rule, h emukit.Host, u emukit.User) string {
	var b strings.Builder
	b.WriteString(rl.category + " event")
	if rl.process != "" {
		b.WriteString(" with process " + rl.process)
		if rl.parent != "" {
			b.WriteString(", parent process " + rl.parent)
		}
		b.WriteString(",")
	}
	fmt.Fprintf(&b, " by %s on %s created %s alert %s.", u.SAM, h.DNSName, rl.severity, rl.name)
	return b.String()
}

func osFamily(os string) string {
	switch {
	case strings.HasPrefix(os, "Windows"):
		return "windows"
	case os == "macOS":
		return "macos"
	}
	return "linux"
}

// triage leaves most seeded alerts open and moves some on, as analysts
// would have.
func triage(r *rand.Rand, src map[string]any, ts, now time.Time) {
	x := r.IntN(20)
	if x < 13 {
		return
	}
	at := ts.Add(time.Duration(5+r.IntN(600)) * time.Minute)
	if at.After(now) {
		at = now
	}
	src[fieldStatusAt] = stamp(at)
	src[fieldUser] = "u_" + emukit.HexString(r, 43)
	if x < 16 {
		src[fieldStatus] = "acknowledged"
		return
	}
	src[fieldStatus] = "closed"
	src[fieldReason] = emukit.Pick(r, defaultReasons[:4])
}
