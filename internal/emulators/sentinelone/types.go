package sentinelone

import (
	"encoding/json"
	"time"
)

// Time is a SentinelOne timestamp: UTC with six fractional digits and a
// Z, as every v2.1 sample shows ("2025-09-08T10:13:16.375559Z").
type Time struct{ time.Time }

const timeLayout = "2006-01-02T15:04:05.000000Z"

// MarshalJSON writes the vendor's layout.
func (t Time) MarshalJSON() ([]byte, error) {
	return json.Marshal(t.UTC().Format(timeLayout))
}

// UnmarshalJSON reads any RFC 3339 time.
func (t *Time) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	p, err := time.Parse(time.RFC3339Nano, s)
	t.Time = p.UTC()
	return err
}

func at(t time.Time) Time { return Time{t.UTC().Truncate(time.Microsecond)} }

// Threat is one item of GET /web/api/v2.1/threats, holding the parts of
// the v2.1 threat model the fact sheet's sample and the swagger document
// that alertsync reads or a console shows.
type Threat struct {
	ID                 string             `json:"id"`
	AgentDetectionInfo AgentDetectionInfo `json:"agentDetectionInfo"`
	AgentRealtimeInfo  AgentRealtimeInfo  `json:"agentRealtimeInfo"`
	Indicators         []Indicator        `json:"indicators"`
	MitigationStatus   []MitigationAction `json:"mitigationStatus"`
	ThreatInfo         ThreatInfo         `json:"threatInfo"`
	WhiteningOptions   []string           `json:"whiteningOptions"`
}

// AgentDetectionInfo is the agent as it was when the threat was detected.
type AgentDetectionInfo struct {
	AccountID                 string  `json:"accountId"`
	AccountName               string  `json:"accountName"`
	AgentDomain               string  `json:"agentDomain"`
	AgentIPV4                 string  `json:"agentIpV4"`
	AgentLastLoggedInUserName string  `json:"agentLastLoggedInUserName"`
	AgentOSName               string  `json:"agentOsName"`
	AgentVersion              string  `json:"agentVersion"`
	ExternalIP                *string `json:"externalIp"`
	GroupID                   string  `json:"groupId"`
	SiteID                    string  `json:"siteId"`
	SiteName                  string  `json:"siteName"`
}

// AgentRealtimeInfo is the agent as it is now.
type AgentRealtimeInfo struct {
	AccountID         string `json:"accountId"`
	AccountName       string `json:"accountName"`
	AgentComputerName string `json:"agentComputerName"`
	AgentDomain       string `json:"agentDomain"`
	AgentID           string `json:"agentId"`
	AgentIsActive     bool   `json:"agentIsActive"`
	AgentMachineType  string `json:"agentMachineType"`
	AgentOSName       string `json:"agentOsName"`
	AgentOSType       string `json:"agentOsType"`
	AgentVersion      string `json:"agentVersion"`
	GroupID           string `json:"groupId"`
	GroupName         string `json:"groupName"`
	SiteID            string `json:"siteId"`
	SiteName          string `json:"siteName"`
}

// Indicator is one behavioural indicator of a threat.
type Indicator struct {
	Category    string   `json:"category"`
	Description string   `json:"description"`
	IDs         []int    `json:"ids"`
	Tactics     []string `json:"tactics"`
}

// MitigationAction is one mitigation the agent ran.
type MitigationAction struct {
	Action              string `json:"action"`
	Status              string `json:"status"`
	MitigationStartedAt Time   `json:"mitigationStartedAt"`
}

// ThreatInfo is the threat itself; incidentStatus and analystVerdict are
// what the incident and analyst-verdict calls change.
type ThreatInfo struct {
	ThreatID                  string   `json:"threatId"`
	ThreatName                string   `json:"threatName"`
	Classification            string   `json:"classification"`
	ClassificationSource      string   `json:"classificationSource"`
	ConfidenceLevel           string   `json:"confidenceLevel"`
	AnalystVerdict            string   `json:"analystVerdict"`
	AnalystVerdictDescription string   `json:"analystVerdictDescription"`
	IncidentStatus            string   `json:"incidentStatus"`
	IncidentStatusDescription string   `json:"incidentStatusDescription"`
	MitigationStatus          string   `json:"mitigationStatus"`
	MitigationStatusDesc      string   `json:"mitigationStatusDescription"`
	CreatedAt                 Time     `json:"createdAt"`
	UpdatedAt                 Time     `json:"updatedAt"`
	IdentifiedAt              Time     `json:"identifiedAt"`
	FilePath                  string   `json:"filePath"`
	FileSize                  int      `json:"fileSize"`
	SHA1                      string   `json:"sha1"`
	SHA256                    *string  `json:"sha256"`
	MD5                       *string  `json:"md5"`
	OriginatorProcess         string   `json:"originatorProcess"`
	ProcessUser               string   `json:"processUser"`
	Storyline                 string   `json:"storyline"`
	Engines                   []string `json:"engines"`
	DetectionType             string   `json:"detectionType"`
	InitiatedBy               string   `json:"initiatedBy"`
	ExternalTicketExists      bool     `json:"externalTicketExists"`
	AutomaticallyResolved     bool     `json:"automaticallyResolved"`
}

// CloudAlert is one item of GET /web/api/v2.1/cloud-detection/alerts (a
// STAR custom-rule alert), shaped as the v2.1 swagger's
// AlertInformationSchema.
type CloudAlert struct {
	AgentDetectionInfo      CloudAgent  `json:"agentDetectionInfo"`
	AlertInfo               AlertInfo   `json:"alertInfo"`
	RuleInfo                RuleInfo    `json:"ruleInfo"`
	SourceProcessInfo       ProcessInfo `json:"sourceProcessInfo"`
	SourceParentProcessInfo ProcessInfo `json:"sourceParentProcessInfo"`
}

// CloudAgent is the agent a cloud-detection alert came from.
type CloudAgent struct {
	AccountID   string `json:"accountId"`
	MachineType string `json:"machineType"`
	Name        string `json:"name"`
	OSFamily    string `json:"osFamily"`
	OSName      string `json:"osName"`
	OSRevision  string `json:"osRevision"`
	SiteID      string `json:"siteId"`
	UUID        string `json:"uuid"`
	Version     string `json:"version"`
}

// AlertInfo is the alert's own state. The swagger spells its read-back
// statuses "Unresolved", "In progress", "Resolved" (the write bodies take
// unresolved/in_progress/resolved or their upper-case forms); verdicts
// default to "Undefined" and are written back in the same style
// ("True positive", "False positive", "Suspicious"), which is unconfirmed.
type AlertInfo struct {
	AlertID        string `json:"alertId"`
	AnalystVerdict string `json:"analystVerdict"`
	IncidentStatus string `json:"incidentStatus"`
	CreatedAt      Time   `json:"createdAt"`
	UpdatedAt      Time   `json:"updatedAt"`
	ReportedAt     Time   `json:"reportedAt"`
	DVEventID      string `json:"dvEventId"`
	EventType      string `json:"eventType"`
	HitType        string `json:"hitType"`
	IsEDR          bool   `json:"isEdr"`
	Source         string `json:"source"`
	SrcIP          string `json:"srcIp,omitempty"`
	DstIP          string `json:"dstIp,omitempty"`
	DstPort        string `json:"dstPort,omitempty"`
}

// RuleInfo is the STAR rule that raised the alert.
type RuleInfo struct {
	ID            string `json:"id"`
	Name          string `json:"name"`
	Description   string `json:"description"`
	Severity      string `json:"severity"`
	S1QL          string `json:"s1ql"`
	QueryType     string `json:"queryType"`
	QueryLang     string `json:"queryLang"`
	ScopeLevel    string `json:"scopeLevel"`
	TreatAsThreat string `json:"treatAsThreat"`
}

// ProcessInfo is a process an alert names.
type ProcessInfo struct {
	Name           string `json:"name"`
	Commandline    string `json:"commandline"`
	FilePath       string `json:"filePath"`
	FileHashSHA1   string `json:"fileHashSha1"`
	FileHashSHA256 string `json:"fileHashSha256"`
	PID            string `json:"pid"`
	Storyline      string `json:"storyline"`
	User           string `json:"user"`
	IntegrityLevel string `json:"integrityLevel"`
	Subsystem      string `json:"subsystem"`
}

// Note is a threat note as GET /threats/{id}/notes lists it.
type Note struct {
	ID        string `json:"id"`
	Text      string `json:"text"`
	Creator   string `json:"creator"`
	CreatorID string `json:"creatorId"`
	CreatedAt Time   `json:"createdAt"`
	UpdatedAt Time   `json:"updatedAt"`
	Edited    bool   `json:"edited"`
}

// pagination is the list envelope's paging block.
type pagination struct {
	NextCursor *string `json:"nextCursor"`
	TotalItems int     `json:"totalItems"`
}

type listBody[T any] struct {
	Data       []T        `json:"data"`
	Pagination pagination `json:"pagination"`
}

func (t Threat) clone() Threat {
	c := t
	c.Indicators = append([]Indicator{}, t.Indicators...)
	c.MitigationStatus = append([]MitigationAction{}, t.MitigationStatus...)
	c.WhiteningOptions = append([]string{}, t.WhiteningOptions...)
	c.ThreatInfo.Engines = append([]string{}, t.ThreatInfo.Engines...)
	return c
}

func (a CloudAlert) clone() CloudAlert { return a }
