package crowdstrike

import (
	"slices"
	"time"
)

// Alert is a Falcon alert (detects.Alert in CrowdStrike's Go SDK) with
// the properties an endpoint detection carries. The model marks most of
// them required; the service still sends null for an unset assignee,
// resolution or timing, which the pointers reproduce.
type Alert struct {
	AgentID        string    `json:"agent_id"`
	AggregateID    string    `json:"aggregate_id"`
	CID            string    `json:"cid"`
	CompositeID    string    `json:"composite_id"`
	ID             string    `json:"id"`
	CreatedAt      time.Time `json:"created_timestamp"`
	UpdatedAt      time.Time `json:"updated_timestamp"`
	Timestamp      time.Time `json:"timestamp"`
	CrawledAt      time.Time `json:"crawled_timestamp"`
	Status         string    `json:"status"`
	Tags           []string  `json:"tags"`
	Resolution     *string   `json:"resolution"`
	AssignedToName *string   `json:"assigned_to_name"`
	AssignedToUID  *string   `json:"assigned_to_uid"`
	AssignedToUUID *string   `json:"assigned_to_uuid"`
	Severity       int       `json:"severity"`
	SeverityName   string    `json:"severity_name"`
	Confidence     int       `json:"confidence"`
	Product        string    `json:"product"`
	Type           string    `json:"type"`
	Platform       string    `json:"platform"`
	Name           string    `json:"name"`
	DisplayName    string    `json:"display_name"`
	Description    string    `json:"description"`
	Tactic         string    `json:"tactic"`
	TacticID       string    `json:"tactic_id"`
	Technique      string    `json:"technique"`
	TechniqueID    string    `json:"technique_id"`
	PatternID      int       `json:"pattern_id"`
	Scenario       string    `json:"scenario"`
	Objective      string    `json:"objective"`
	ShowInUI       bool      `json:"show_in_ui"`
	EmailSent      bool      `json:"email_sent"`
	External       bool      `json:"external"`
	IsAggregated   bool      `json:"is_aggregated"`
	MitreAttack    []Mitre   `json:"mitre_attack"`
	Filename       string    `json:"filename,omitempty"`
	Filepath       string    `json:"filepath,omitempty"`
	Cmdline        string    `json:"cmdline,omitempty"`
	SHA256         string    `json:"sha256,omitempty"`
	MD5            string    `json:"md5,omitempty"`
	UserName       string    `json:"user_name,omitempty"`
	UserID         string    `json:"user_id,omitempty"`
	LogonDomain    string    `json:"logon_domain,omitempty"`
	Device         *Device   `json:"device,omitempty"`
	FalconHostLink string    `json:"falcon_host_link,omitempty"`
	Incident       *Incident `json:"incident,omitempty"`
	SourceProducts []string  `json:"source_products"`
	SourceVendors  []string  `json:"source_vendors"`
	DataDomains    []string  `json:"data_domains"`
	SecondsToTriag *int64    `json:"seconds_to_triaged"`
	SecondsToRes   *int64    `json:"seconds_to_resolved"`

	// Comments are what append_comment added, as the console's activity
	// panel lists them. detects.Alert has no comments property, so the
	// API never returns them (see package doc).
	Comments []Comment `json:"-"`
}

// Mitre is one detects.MitreAttackMapping.
type Mitre struct {
	PatternID   int    `json:"pattern_id"`
	Tactic      string `json:"tactic"`
	TacticID    string `json:"tactic_id"`
	Technique   string `json:"technique"`
	TechniqueID string `json:"technique_id"`
}

// Device is the sensor host an endpoint alert fired on.
type Device struct {
	DeviceID      string `json:"device_id"`
	Hostname      string `json:"hostname"`
	PlatformName  string `json:"platform_name"`
	OSVersion     string `json:"os_version"`
	LocalIP       string `json:"local_ip"`
	ExternalIP    string `json:"external_ip"`
	MachineDomain string `json:"machine_domain,omitempty"`
}

// Incident is the incident an alert was grouped into.
type Incident struct {
	ID    string `json:"id"`
	Score string `json:"score"`
}

// Comment is one appended comment.
type Comment struct {
	Value       string    `json:"value"`
	CreatedBy   string    `json:"created_by"`
	CreatedTime time.Time `json:"created_timestamp"`
}

func (a Alert) clone() Alert {
	c := a
	c.Tags = slices.Clone(a.Tags)
	c.MitreAttack = slices.Clone(a.MitreAttack)
	c.SourceProducts = slices.Clone(a.SourceProducts)
	c.SourceVendors = slices.Clone(a.SourceVendors)
	c.DataDomains = slices.Clone(a.DataDomains)
	c.Comments = slices.Clone(a.Comments)
	c.Resolution = clonePtr(a.Resolution)
	c.AssignedToName, c.AssignedToUID, c.AssignedToUUID = clonePtr(a.AssignedToName), clonePtr(a.AssignedToUID), clonePtr(a.AssignedToUUID)
	c.SecondsToTriag, c.SecondsToRes = clonePtr(a.SecondsToTriag), clonePtr(a.SecondsToRes)
	if a.Device != nil {
		d := *a.Device
		c.Device = &d
	}
	if a.Incident != nil {
		in := *a.Incident
		c.Incident = &in
	}
	return c
}

func clonePtr[T any](p *T) *T {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}
