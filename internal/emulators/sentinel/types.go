package sentinel

import "time"

// Incident statuses, severities, classifications and reasons, as the
// 2025-09-01 API spells them.
const (
	StatusNew    = "New"
	StatusActive = "Active"
	StatusClosed = "Closed"
)

// SecurityAlert statuses.
const (
	AlertNew        = "New"
	AlertInProgress = "InProgress"
	AlertResolved   = "Resolved"
	AlertDismissed  = "Dismissed"
)

var (
	incidentStatuses      = set("New", "Active", "Closed")
	severities            = set("High", "Medium", "Low", "Informational")
	classifications       = set("Undetermined", "TruePositive", "BenignPositive", "FalsePositive")
	classificationReasons = set("SuspiciousActivity", "SuspiciousButExpected", "IncorrectAlertLogic", "InaccurateData")
	ownerTypes            = set("Unknown", "User", "Group")
	attackTactics         = set("Reconnaissance", "ResourceDevelopment", "InitialAccess", "Execution", "Persistence",
		"PrivilegeEscalation", "DefenseEvasion", "CredentialAccess", "Discovery", "LateralMovement", "Collection",
		"Exfiltration", "CommandAndControl", "Impact", "PreAttack", "ImpairProcessControl", "InhibitResponseFunction")
)

func set(xs ...string) map[string]bool {
	m := make(map[string]bool, len(xs))
	for _, x := range xs {
		m[x] = true
	}
	return m
}

// Incident is a Microsoft.SecurityInsights/incidents resource on the wire.
type Incident struct {
	ID         string             `json:"id"`
	Name       string             `json:"name"`
	Type       string             `json:"type"`
	Etag       string             `json:"etag"`
	Properties IncidentProperties `json:"properties"`
}

// IncidentProperties are an incident's properties; the server owns the
// read-only ones and ignores what a client sends for them.
type IncidentProperties struct {
	AdditionalData         *IncidentAdditionalData `json:"additionalData,omitempty"`
	Classification         string                  `json:"classification,omitempty"`
	ClassificationComment  string                  `json:"classificationComment,omitempty"`
	ClassificationReason   string                  `json:"classificationReason,omitempty"`
	CreatedTimeUtc         time.Time               `json:"createdTimeUtc,omitzero"`
	Description            string                  `json:"description,omitempty"`
	FirstActivityTimeUtc   time.Time               `json:"firstActivityTimeUtc,omitzero"`
	IncidentURL            string                  `json:"incidentUrl,omitempty"`
	IncidentNumber         int                     `json:"incidentNumber,omitempty"`
	Labels                 []IncidentLabel         `json:"labels"`
	LastActivityTimeUtc    time.Time               `json:"lastActivityTimeUtc,omitzero"`
	LastModifiedTimeUtc    time.Time               `json:"lastModifiedTimeUtc,omitzero"`
	Owner                  IncidentOwnerInfo       `json:"owner,omitzero"`
	ProviderName           string                  `json:"providerName,omitempty"`
	ProviderIncidentID     string                  `json:"providerIncidentId,omitempty"`
	RelatedAnalyticRuleIDs []string                `json:"relatedAnalyticRuleIds"`
	Severity               string                  `json:"severity"`
	Status                 string                  `json:"status"`
	Title                  string                  `json:"title"`
}

// IncidentAdditionalData is the read-only summary Sentinel computes.
type IncidentAdditionalData struct {
	AlertsCount       int      `json:"alertsCount"`
	BookmarksCount    int      `json:"bookmarksCount"`
	CommentsCount     int      `json:"commentsCount"`
	AlertProductNames []string `json:"alertProductNames"`
	Tactics           []string `json:"tactics"`
}

// IncidentOwnerInfo is who the incident is assigned to.
type IncidentOwnerInfo struct {
	Email             string `json:"email,omitempty"`
	AssignedTo        string `json:"assignedTo,omitempty"`
	ObjectID          string `json:"objectId,omitempty"`
	UserPrincipalName string `json:"userPrincipalName,omitempty"`
	OwnerType         string `json:"ownerType,omitempty"`
}

// IncidentLabel is a label; labelType is set by the server.
type IncidentLabel struct {
	LabelName string `json:"labelName"`
	LabelType string `json:"labelType,omitempty"`
}

// Comment is an incident comment resource.
type Comment struct {
	ID         string            `json:"id"`
	Name       string            `json:"name"`
	Type       string            `json:"type"`
	Etag       string            `json:"etag"`
	Properties CommentProperties `json:"properties"`
}

// CommentProperties are a comment's properties.
type CommentProperties struct {
	Message             string     `json:"message"`
	CreatedTimeUtc      time.Time  `json:"createdTimeUtc,omitzero"`
	LastModifiedTimeUtc time.Time  `json:"lastModifiedTimeUtc,omitzero"`
	Author              ClientInfo `json:"author,omitzero"`
}

// ClientInfo is the user or app that wrote a comment.
type ClientInfo struct {
	Email             string `json:"email,omitempty"`
	Name              string `json:"name,omitempty"`
	ObjectID          string `json:"objectId,omitempty"`
	UserPrincipalName string `json:"userPrincipalName,omitempty"`
}

// SecurityAlert is the SecurityAlert entity POST .../incidents/{id}/alerts
// returns.
type SecurityAlert struct {
	ID         string                  `json:"id"`
	Name       string                  `json:"name"`
	Type       string                  `json:"type"`
	Kind       string                  `json:"kind"`
	Properties SecurityAlertProperties `json:"properties"`
}

// SecurityAlertProperties are the alert entity's (all read-only) properties.
type SecurityAlertProperties struct {
	AdditionalData      map[string]any   `json:"additionalData"`
	AlertDisplayName    string           `json:"alertDisplayName"`
	AlertLink           string           `json:"alertLink,omitempty"`
	AlertType           string           `json:"alertType"`
	CompromisedEntity   string           `json:"compromisedEntity,omitempty"`
	ConfidenceLevel     string           `json:"confidenceLevel"`
	Description         string           `json:"description,omitempty"`
	EndTimeUtc          time.Time        `json:"endTimeUtc,omitzero"`
	FriendlyName        string           `json:"friendlyName"`
	ProcessingEndTime   time.Time        `json:"processingEndTime,omitzero"`
	ProductName         string           `json:"productName"`
	ProviderAlertID     string           `json:"providerAlertId,omitempty"`
	RemediationSteps    []string         `json:"remediationSteps"`
	ResourceIdentifiers []map[string]any `json:"resourceIdentifiers"`
	Severity            string           `json:"severity"`
	StartTimeUtc        time.Time        `json:"startTimeUtc,omitzero"`
	Status              string           `json:"status"`
	SystemAlertID       string           `json:"systemAlertId"`
	Tactics             []string         `json:"tactics"`
	TimeGenerated       time.Time        `json:"timeGenerated,omitzero"`
	VendorName          string           `json:"vendorName"`
}

// SecurityAlertRow is one row of the SecurityAlert Log Analytics table:
// every change to an alert appends one.
type SecurityAlertRow struct {
	TimeGenerated     time.Time
	SystemAlertID     string
	AlertName         string
	DisplayName       string
	AlertSeverity     string
	Status            string
	ProductName       string
	VendorName        string
	VendorOriginalID  string
	CompromisedEntity string
	Entities          string // JSON, as the table stores it
	ResourceID        string
}

// SecurityIncidentRow is one row of the SecurityIncident table: every
// change to an incident appends one.
type SecurityIncidentRow struct {
	TimeGenerated         time.Time
	IncidentName          string
	IncidentNumber        int
	Title                 string
	Description           string
	Severity              string
	Status                string
	Classification        string
	ClassificationReason  string
	ClassificationComment string
	Owner                 IncidentOwnerInfo
	AlertIDs              []string
	AdditionalData        IncidentAdditionalData
	Labels                []IncidentLabel
	CreatedTime           time.Time
	LastModifiedTime      time.Time
	FirstActivityTime     time.Time
	LastActivityTime      time.Time
	ClosedTime            time.Time // zero unless Closed
	ProviderName          string
	ProviderIncidentID    string
	IncidentURL           string
	ModifiedBy            string
}

// Relation is a Microsoft.SecurityInsights incident relation: the link
// that makes an alert (or a bookmark) part of an incident.
type Relation struct {
	ID         string             `json:"id"`
	Name       string             `json:"name"`
	Type       string             `json:"type"`
	Etag       string             `json:"etag,omitempty"`
	Properties RelationProperties `json:"properties"`
}

// RelationProperties are a relation's properties; only relatedResourceId
// is written by the client, the rest describe what it points at.
type RelationProperties struct {
	RelatedResourceID   string `json:"relatedResourceId"`
	RelatedResourceName string `json:"relatedResourceName,omitempty"`
	RelatedResourceType string `json:"relatedResourceType,omitempty"`
	RelatedResourceKind string `json:"relatedResourceKind,omitempty"`
}
