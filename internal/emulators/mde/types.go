package mde

import "time"

// Comment is an alert comment as MDE returns it.
type Comment struct {
	Comment     string    `json:"comment"`
	CreatedBy   string    `json:"createdBy"`
	CreatedTime time.Time `json:"createdTime"`
}

// RelatedUser is the alert's user.
type RelatedUser struct {
	UserName   string `json:"userName"`
	DomainName string `json:"domainName"`
}

// LoggedOnUser is a user logged on to the machine.
type LoggedOnUser struct {
	AccountName string `json:"accountName"`
	DomainName  string `json:"domainName"`
}

// Alert is the MDE alert entity. Nullable fields are pointers so they
// serialise as null the way the service sends them.
type Alert struct {
	ID                 string           `json:"id"`
	IncidentID         int64            `json:"incidentId"`
	InvestigationID    *int64           `json:"investigationId"`
	AssignedTo         *string          `json:"assignedTo"`
	Severity           string           `json:"severity"`
	Status             string           `json:"status"`
	Classification     *string          `json:"classification"`
	Determination      *string          `json:"determination"`
	InvestigationState string           `json:"investigationState"`
	DetectionSource    string           `json:"detectionSource"`
	DetectorID         string           `json:"detectorId"`
	Category           string           `json:"category"`
	ThreatFamilyName   *string          `json:"threatFamilyName"`
	Title              string           `json:"title"`
	Description        string           `json:"description"`
	AlertCreationTime  time.Time        `json:"alertCreationTime"`
	FirstEventTime     time.Time        `json:"firstEventTime"`
	LastEventTime      time.Time        `json:"lastEventTime"`
	LastUpdateTime     time.Time        `json:"lastUpdateTime"`
	ResolvedTime       *time.Time       `json:"resolvedTime"`
	MachineID          string           `json:"machineId"`
	ComputerDNSName    string           `json:"computerDnsName"`
	RBACGroupName      string           `json:"rbacGroupName"`
	AADTenantID        string           `json:"aadTenantId"`
	ThreatName         *string          `json:"threatName"`
	MitreTechniques    []string         `json:"mitreTechniques"`
	RelatedUser        *RelatedUser     `json:"relatedUser"`
	LoggedOnUsers      []LoggedOnUser   `json:"loggedOnUsers"`
	Comments           []Comment        `json:"comments"`
	Evidence           []map[string]any `json:"evidence"`
}

func (a Alert) clone() Alert {
	a.Comments = append([]Comment{}, a.Comments...)
	a.MitreTechniques = append([]string{}, a.MitreTechniques...)
	a.LoggedOnUsers = append([]LoggedOnUser{}, a.LoggedOnUsers...)
	a.Evidence = append([]map[string]any{}, a.Evidence...)
	return a
}
