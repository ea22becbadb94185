package sentinelone

import "encoding/json"

// Wire types of the SentinelOne v2.1 management API, holding only what
// alertsync reads or writes. Fields the API sends as null decode to their
// zero values.

// listEnvelope is every list's answer: {"data":[...],"pagination":{...}}.
type listEnvelope struct {
	Data       []json.RawMessage `json:"data"`
	Pagination struct {
		NextCursor *string `json:"nextCursor"`
		TotalItems int     `json:"totalItems"`
	} `json:"pagination"`
}

func (e listEnvelope) next() string {
	if e.Pagination.NextCursor == nil {
		return ""
	}
	return *e.Pagination.NextCursor
}

// threatWire is one item of GET /threats.
type threatWire struct {
	ID                string `json:"id"`
	AgentRealtimeInfo struct {
		AgentComputerName string `json:"agentComputerName"`
		AgentDomain       string `json:"agentDomain"`
		SiteName          string `json:"siteName"`
	} `json:"agentRealtimeInfo"`
	AgentDetectionInfo struct {
		AgentIPV4  string `json:"agentIpV4"`
		ExternalIP string `json:"externalIp"`
	} `json:"agentDetectionInfo"`
	ThreatInfo threatInfoWire `json:"threatInfo"`
}

type threatInfoWire struct {
	ThreatName        string   `json:"threatName"`
	Classification    string   `json:"classification"`
	ConfidenceLevel   string   `json:"confidenceLevel"`
	AnalystVerdict    string   `json:"analystVerdict"`
	IncidentStatus    string   `json:"incidentStatus"`
	MitigationStatus  string   `json:"mitigationStatus"`
	CreatedAt         string   `json:"createdAt"`
	UpdatedAt         string   `json:"updatedAt"`
	FilePath          string   `json:"filePath"`
	SHA1              string   `json:"sha1"`
	SHA256            string   `json:"sha256"`
	OriginatorProcess string   `json:"originatorProcess"`
	ProcessUser       string   `json:"processUser"`
	Engines           []string `json:"engines"`
}

// cloudWire is one item of GET /cloud-detection/alerts (a STAR alert).
type cloudWire struct {
	AgentDetectionInfo struct {
		Name string `json:"name"`
	} `json:"agentDetectionInfo"`
	AlertInfo struct {
		AlertID        string `json:"alertId"`
		AnalystVerdict string `json:"analystVerdict"`
		IncidentStatus string `json:"incidentStatus"`
		CreatedAt      string `json:"createdAt"`
		UpdatedAt      string `json:"updatedAt"`
		EventType      string `json:"eventType"`
		SrcIP          string `json:"srcIp"`
		DstIP          string `json:"dstIp"`
	} `json:"alertInfo"`
	RuleInfo struct {
		Name        string `json:"name"`
		Description string `json:"description"`
		Severity    string `json:"severity"`
	} `json:"ruleInfo"`
	SourceProcessInfo       processWire `json:"sourceProcessInfo"`
	SourceParentProcessInfo processWire `json:"sourceParentProcessInfo"`
}

type processWire struct {
	Name           string `json:"name"`
	User           string `json:"user"`
	FileHashSHA1   string `json:"fileHashSha1"`
	FileHashSHA256 string `json:"fileHashSha256"`
}

// writeFilter is the filter of a bulk write: always the ids, narrowed to
// the configured scope. SentinelOne applies a bulk action to whatever the
// filter matches, so alertsync never sends one without ids.
type writeFilter struct {
	IDs        []string `json:"ids"`
	SiteIDs    []string `json:"siteIds,omitempty"`
	AccountIDs []string `json:"accountIds,omitempty"`
}

// writeBody is {"filter":{...},"data":{...}}.
type writeBody struct {
	Filter writeFilter `json:"filter"`
	Data   any         `json:"data"`
}

type incidentData struct {
	IncidentStatus string `json:"incidentStatus"`
}

type verdictData struct {
	AnalystVerdict string `json:"analystVerdict"`
}

type noteData struct {
	Text string `json:"text"`
}

// writeAnswer is {"data":{"affected":N,"details":[...]}}; the
// cloud-detection and notes endpoints send no details.
type writeAnswer struct {
	Data struct {
		Affected int `json:"affected"`
		Details  []struct {
			ThreatID string `json:"threatId"`
			Result   string `json:"result"`
		} `json:"details"`
	} `json:"data"`
}

// noteWire is one item of GET /threats/{id}/notes.
type noteWire struct {
	ID   string `json:"id"`
	Text string `json:"text"`
}
