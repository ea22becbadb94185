package o365

// Wire types of audit records, after the Common schema and the
// service-specific schemas of Microsoft's "Office 365 Management Activity
// API schema". Field order follows the service's samples.

// common is the Common schema every record carries.
type common struct {
	CreationTime   string `json:"CreationTime"` // UTC, without a zone, as the service writes it
	ID             string `json:"Id"`
	Operation      string `json:"Operation"`
	OrganizationID string `json:"OrganizationId"`
	RecordType     int    `json:"RecordType"`
	ResultStatus   string `json:"ResultStatus,omitempty"`
	UserKey        string `json:"UserKey"`
	UserType       int    `json:"UserType"`
	Version        int    `json:"Version"`
	Workload       string `json:"Workload"`
	ClientIP       string `json:"ClientIP,omitempty"`
	ObjectID       string `json:"ObjectId,omitempty"`
	UserID         string `json:"UserId"`
}

// Record types the emulator makes (AuditLogRecordType).
const (
	recExchangeAdmin   = 1
	recSharePointFile  = 6
	recAccountLogon    = 9
	recStsLogon        = 15
	recComplianceAlert = 40
)

type nameValue struct {
	Name  string `json:"Name"`
	Value string `json:"Value"`
}

type identity struct {
	ID   string `json:"ID"`
	Type int    `json:"Type"`
}

// stsLogon is the Entra ID STS logon schema (RecordType 15).
type stsLogon struct {
	common
	AzureActiveDirectoryEventType int         `json:"AzureActiveDirectoryEventType"`
	ExtendedProperties            []nameValue `json:"ExtendedProperties"`
	ModifiedProperties            []nameValue `json:"ModifiedProperties"`
	Actor                         []identity  `json:"Actor"`
	ActorContextID                string      `json:"ActorContextId"`
	ActorIPAddress                string      `json:"ActorIpAddress"`
	InterSystemsID                string      `json:"InterSystemsId"`
	IntraSystemID                 string      `json:"IntraSystemId"`
	Target                        []identity  `json:"Target"`
	TargetContextID               string      `json:"TargetContextId"`
	ApplicationID                 string      `json:"ApplicationId"`
	ErrorCode                     string      `json:"ErrorCode"`
	LogonError                    string      `json:"LogonError,omitempty"`
}

// accountLogon is the Entra ID account logon schema (RecordType 9), as in
// the reference's sample blob.
type accountLogon struct {
	common
	AzureActiveDirectoryEventType int         `json:"AzureActiveDirectoryEventType"`
	ExtendedProperties            []nameValue `json:"ExtendedProperties,omitempty"`
	Client                        string      `json:"Client"`
	LoginStatus                   int         `json:"LoginStatus"`
	UserDomain                    string      `json:"UserDomain"`
}

// exchangeAdmin is the Exchange admin schema (RecordType 1): a cmdlet and
// its parameters.
type exchangeAdmin struct {
	common
	AppID             string      `json:"AppId"`
	ClientAppID       string      `json:"ClientAppId"`
	ExternalAccess    bool        `json:"ExternalAccess"`
	OrganizationName  string      `json:"OrganizationName"`
	OriginatingServer string      `json:"OriginatingServer"`
	Parameters        []nameValue `json:"Parameters"`
	SessionID         string      `json:"SessionId"`
}

// sharePointFile is the SharePoint file operations schema (RecordType 6).
type sharePointFile struct {
	common
	CorrelationID       string `json:"CorrelationId"`
	EventSource         string `json:"EventSource"`
	ItemType            string `json:"ItemType"`
	ListID              string `json:"ListId"`
	ListItemUniqueID    string `json:"ListItemUniqueId"`
	Site                string `json:"Site"`
	UserAgent           string `json:"UserAgent"`
	WebID               string `json:"WebId"`
	SourceFileExtension string `json:"SourceFileExtension"`
	SiteURL             string `json:"SiteUrl"`
	SourceFileName      string `json:"SourceFileName"`
	SourceRelativeURL   string `json:"SourceRelativeUrl"`
}

// complianceAlert is the Security and Compliance Alerts schema
// (RecordType 40, in Audit.General).
type complianceAlert struct {
	common
	AlertID       string `json:"AlertId"`
	AlertType     string `json:"AlertType"`
	Name          string `json:"Name"`
	PolicyID      string `json:"PolicyId"`
	Status        string `json:"Status"`
	Severity      string `json:"Severity"`
	Category      string `json:"Category"`
	Source        string `json:"Source"`
	Comments      string `json:"Comments"`
	AlertEntityID string `json:"AlertEntityId,omitempty"`
	EntityType    string `json:"EntityType,omitempty"`
}

// subscriptionWire is a subscription as start and list answer it.
type subscriptionWire struct {
	ContentType string `json:"contentType"`
	Status      string `json:"status"`
	Webhook     *struct {
		Status     string  `json:"status"`
		Address    string  `json:"address"`
		AuthID     string  `json:"authId"`
		Expiration *string `json:"expiration"`
	} `json:"webhook"`
}

// contentWire is one available content blob as the listing answers it.
type contentWire struct {
	ContentType       string `json:"contentType"`
	ContentID         string `json:"contentId"`
	ContentURI        string `json:"contentUri"`
	ContentCreated    string `json:"contentCreated"`
	ContentExpiration string `json:"contentExpiration"`
}

// Time layouts: records carry CreationTime without a zone; the listing
// writes milliseconds and Z.
const (
	recordTime  = "2006-01-02T15:04:05"
	contentTime = "2006-01-02T15:04:05.000Z"
)
