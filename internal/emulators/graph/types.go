package graph

import "time"

// Comment is microsoft.graph.security.alertComment.
type Comment struct {
	Comment              string    `json:"comment"`
	CreatedByDisplayName string    `json:"createdByDisplayName"`
	CreatedDateTime      time.Time `json:"createdDateTime"`
}

// Alert is microsoft.graph.security.alert as the service returns it.
type Alert struct {
	ODataType             string           `json:"@odata.type"`
	ID                    string           `json:"id"`
	ProviderAlertID       string           `json:"providerAlertId"`
	IncidentID            string           `json:"incidentId"`
	Status                string           `json:"status"`
	Severity              string           `json:"severity"`
	Classification        string           `json:"classification"`
	Determination         string           `json:"determination"`
	ServiceSource         string           `json:"serviceSource"`
	DetectionSource       string           `json:"detectionSource"`
	ProductName           string           `json:"productName"`
	DetectorID            string           `json:"detectorId"`
	TenantID              string           `json:"tenantId"`
	Title                 string           `json:"title"`
	Description           string           `json:"description"`
	RecommendedActions    string           `json:"recommendedActions"`
	Category              string           `json:"category"`
	AssignedTo            *string          `json:"assignedTo"`
	AlertWebURL           string           `json:"alertWebUrl"`
	IncidentWebURL        string           `json:"incidentWebUrl"`
	ActorDisplayName      *string          `json:"actorDisplayName"`
	ThreatDisplayName     *string          `json:"threatDisplayName"`
	ThreatFamilyName      *string          `json:"threatFamilyName"`
	AlertPolicyID         *string          `json:"alertPolicyId"`
	MitreTechniques       []string         `json:"mitreTechniques"`
	CreatedDateTime       time.Time        `json:"createdDateTime"`
	LastUpdateDateTime    time.Time        `json:"lastUpdateDateTime"`
	ResolvedDateTime      *time.Time       `json:"resolvedDateTime"`
	FirstActivityDateTime time.Time        `json:"firstActivityDateTime"`
	LastActivityDateTime  time.Time        `json:"lastActivityDateTime"`
	Comments              []Comment        `json:"comments"`
	Evidence              []map[string]any `json:"evidence"`
	SystemTags            []string         `json:"systemTags"`
}

// Incident is microsoft.graph.security.incident; Alerts is filled only for
// $expand=alerts.
type Incident struct {
	ODataType          string    `json:"@odata.type"`
	ID                 string    `json:"id"`
	IncidentWebURL     string    `json:"incidentWebUrl"`
	RedirectIncidentID *string   `json:"redirectIncidentId"`
	TenantID           string    `json:"tenantId"`
	DisplayName        string    `json:"displayName"`
	CreatedDateTime    time.Time `json:"createdDateTime"`
	LastUpdateDateTime time.Time `json:"lastUpdateDateTime"`
	AssignedTo         *string   `json:"assignedTo"`
	Classification     string    `json:"classification"`
	Determination      string    `json:"determination"`
	Status             string    `json:"status"`
	Severity           string    `json:"severity"`
	CustomTags         []string  `json:"customTags"`
	SystemTags         []string  `json:"systemTags"`
	Description        *string   `json:"description"`
	Summary            *string   `json:"summary"`
	LastModifiedBy     *string   `json:"lastModifiedBy"`
	ResolvingComment   *string   `json:"resolvingComment"`
	Comments           []Comment `json:"comments"`
	Alerts             []Alert   `json:"alerts,omitempty"`

	alertIDs []string
}

// clone returns a deep enough copy for callers outside the lock: slices of
// values are copied, evidence maps are never mutated after seeding.
func (a Alert) clone() Alert {
	a.Comments = append([]Comment{}, a.Comments...)
	a.MitreTechniques = append([]string{}, a.MitreTechniques...)
	a.SystemTags = append([]string{}, a.SystemTags...)
	a.Evidence = append([]map[string]any{}, a.Evidence...)
	return a
}

func (in Incident) clone() Incident {
	in.Comments = append([]Comment{}, in.Comments...)
	in.CustomTags = append([]string{}, in.CustomTags...)
	in.SystemTags = append([]string{}, in.SystemTags...)
	in.alertIDs = append([]string(nil), in.alertIDs...)
	in.Alerts = nil
	return in
}

// AlertIDs returns the ids of the incident's alerts.
func (in Incident) AlertIDs() []string { return append([]string(nil), in.alertIDs...) }
