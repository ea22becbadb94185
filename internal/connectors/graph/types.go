package graph

// Wire types of the Graph security API (namespace microsoft.graph.security),
// holding only what alertsync reads or writes. Unknown members are ignored
// on read; Raw keeps the whole payload.

// alertWire is microsoft.graph.security.alert.
type alertWire struct {
	ID                 string         `json:"id"`
	Title              string         `json:"title"`
	Description        string         `json:"description"`
	Severity           string         `json:"severity"`
	Status             string         `json:"status"`
	Classification     string         `json:"classification"`
	Determination      string         `json:"determination"`
	ServiceSource      string         `json:"serviceSource"`
	ProviderAlertID    string         `json:"providerAlertId"`
	IncidentID         string         `json:"incidentId"`
	CreatedDateTime    string         `json:"createdDateTime"`
	LastUpdateDateTime string         `json:"lastUpdateDateTime"`
	Evidence           []evidenceWire `json:"evidence"`
	Comments           []commentWire  `json:"comments"`
}

// evidenceWire is the union of the alertEvidence subtypes alertsync reads
// entities from; ODataType says which one it is.
type evidenceWire struct {
	ODataType     string           `json:"@odata.type"`
	DeviceDNSName string           `json:"deviceDnsName"`
	HostName      string           `json:"hostName"`
	UserAccount   *userAccountWire `json:"userAccount"`
	IPAddress     string           `json:"ipAddress"`
	FileDetails   *fileDetailsWire `json:"fileDetails"`
	ImageFile     *fileDetailsWire `json:"imageFile"`
}

type userAccountWire struct {
	AccountName       string `json:"accountName"`
	UserPrincipalName string `json:"userPrincipalName"`
}

type fileDetailsWire struct {
	FileName string `json:"fileName"`
	SHA1     string `json:"sha1"`
	SHA256   string `json:"sha256"`
}

// commentWire is microsoft.graph.security.alertComment.
type commentWire struct {
	Comment              string `json:"comment"`
	CreatedByDisplayName string `json:"createdByDisplayName"`
	CreatedDateTime      string `json:"createdDateTime"`
}

// incidentWire is microsoft.graph.security.incident, with alerts when the
// request asked for $expand=alerts.
type incidentWire struct {
	ID                 string         `json:"id"`
	DisplayName        string         `json:"displayName"`
	Description        *string        `json:"description"`
	Severity           string         `json:"severity"`
	Status             string         `json:"status"`
	CreatedDateTime    string         `json:"createdDateTime"`
	LastUpdateDateTime string         `json:"lastUpdateDateTime"`
	Alerts             []alertRefWire `json:"alerts"`
	Comments           []commentWire  `json:"comments"`
}

// alertRefWire is the part of an expanded alert an incident needs.
type alertRefWire struct {
	ID string `json:"id"`
}

// patchBody is the PATCH body for an alert or an incident. Only the
// properties alertsync owns are sent, all among the documented request
// body properties of Update alert (status, classification, determination,
// assignedTo) and Update incident (the same plus customTags); empty ones
// are left out so a write never clears what an analyst set. The incident's
// resolvingComment is in the CSDL but not among the documented writable
// properties, so it is never sent.
type patchBody struct {
	Status         string `json:"status,omitempty"`
	Classification string `json:"classification,omitempty"`
	Determination  string `json:"determination,omitempty"`
}

// commentBody is the POST .../comments body. The live service wants one
// object; the published OpenAPI (and SDKs generated from it) say an array,
// which the service refuses with "Empty Payload. JSON content expected.".
type commentBody struct {
	ODataType string `json:"@odata.type"`
	Comment   string `json:"comment"`
}

const alertCommentType = "microsoft.graph.security.alertComment"
