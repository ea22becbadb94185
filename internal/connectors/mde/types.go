package mde

import "encoding/json"

// Wire types of the Defender for Endpoint alerts API, holding only what
// alertsync reads or writes. Property names in request bodies are
// case-sensitive: a wrong case is refused as InvalidRequestBody.

// alertWire is the MDE alert entity.
type alertWire struct {
	ID              string         `json:"id"`
	IncidentID      json.Number    `json:"incidentId"`
	Title           string         `json:"title"`
	Description     string         `json:"description"`
	Severity        string         `json:"severity"`
	Status          string         `json:"status"`
	DetectionSource string         `json:"detectionSource"`
	AlertCreation   string         `json:"alertCreationTime"`
	LastUpdateTime  string         `json:"lastUpdateTime"`
	ComputerDNSName string         `json:"computerDnsName"`
	RelatedUser     *relatedUser   `json:"relatedUser"`
	Evidence        []evidenceWire `json:"evidence"`
	Comments        []commentWire  `json:"comments"`
	Classification  *string        `json:"classification"`
	Determination   *string        `json:"determination"`
}

type relatedUser struct {
	UserName   string `json:"userName"`
	DomainName string `json:"domainName"`
}

// evidenceWire is one evidence entry; EntityType says which fields apply.
type evidenceWire struct {
	EntityType        string `json:"entityType"`
	SHA1              string `json:"sha1"`
	SHA256            string `json:"sha256"`
	FileName          string `json:"fileName"`
	IPAddress         string `json:"ipAddress"`
	AccountName       string `json:"accountName"`
	UserPrincipalName string `json:"userPrincipalName"`
}

// commentWire is an alert comment as the API returns it.
type commentWire struct {
	Comment     string `json:"comment"`
	CreatedBy   string `json:"createdBy"`
	CreatedTime string `json:"createdTime"`
}

// updateBody is the PATCH /api/alerts/{id} body and, with AlertIDs, the
// POST /api/alerts/batchUpdate body. Empty properties are left out so a
// write never clears what an analyst set.
type updateBody struct {
	AlertIDs       []string `json:"alertIds,omitempty"`
	Status         string   `json:"status,omitempty"`
	Classification string   `json:"classification,omitempty"`
	Determination  string   `json:"determination,omitempty"`
	Comment        string   `json:"comment,omitempty"`
}
