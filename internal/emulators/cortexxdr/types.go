package cortexxdr

import "slices"

// Alert is a Cortex XDR alert as get_alerts_multi_events and
// get_incident_extra_data return it (the fact sheet's example alert, from
// demisto/content's CortexXDRIR tests, is the template). Times are epoch
// milliseconds; nullable fields are pointers so they serialise as null.
type Alert struct {
	AlertID                   string  `json:"alert_id"`
	ExternalID                string  `json:"external_id"`
	CaseID                    int64   `json:"case_id"`
	Name                      string  `json:"name"`
	Description               string  `json:"description"`
	Category                  string  `json:"category"`
	Severity                  string  `json:"severity"`
	Source                    string  `json:"source"`
	Action                    string  `json:"action"`
	ActionPretty              string  `json:"action_pretty"`
	DetectionTimestamp        int64   `json:"detection_timestamp"`
	LocalInsertTS             int64   `json:"local_insert_ts"`
	LastModifiedTS            int64   `json:"last_modified_ts"`
	EndpointID                string  `json:"endpoint_id"`
	HostName                  string  `json:"host_name"`
	HostIP                    string  `json:"host_ip"`
	UserName                  string  `json:"user_name"`
	ActorProcessImageName     *string `json:"actor_process_image_name"`
	ActorProcessImageSHA256   *string `json:"actor_process_image_sha256"`
	ActorProcessCommandLine   *string `json:"actor_process_command_line"`
	MitreTacticIDAndName      string  `json:"mitre_tactic_id_and_name"`
	MitreTechniqueIDAndName   string  `json:"mitre_technique_id_and_name"`
	ResolutionStatus          string  `json:"resolution_status"`
	ResolutionComment         *string `json:"resolution_comment"`
	Starred                   bool    `json:"starred"`
	Tags                      string  `json:"tags"`
	EventType                 string  `json:"event_type"`
	IsWhitelisted             string  `json:"is_whitelisted"`
	MatchingStatus            string  `json:"matching_status"`
	ActionRemoteIP            *string `json:"action_remote_ip"`
	ActionExternalHostname    *string `json:"action_external_hostname"`
	ActorEffectiveUsername    *string `json:"actor_effective_username"`
	CausalityActorImagePath   *string `json:"causality_actor_process_image_path"`
	CausalityActorImageSHA256 *string `json:"causality_actor_process_image_sha256"`
}

func (a Alert) clone() Alert {
	a.ResolutionComment = clonePtr(a.ResolutionComment)
	return a
}

func clonePtr[T any](p *T) *T {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}

// Incident is a Cortex XDR incident as get_incidents returns it; the
// alerts it holds and its comment thread are kept beside it, since the
// list shows only their count.
type Incident struct {
	IncidentID             string   `json:"incident_id"`
	IncidentName           *string  `json:"incident_name"`
	Description            string   `json:"description"`
	Status                 string   `json:"status"`
	Severity               string   `json:"severity"`
	ManualSeverity         *string  `json:"manual_severity"`
	AssignedUserMail       *string  `json:"assigned_user_mail"`
	AssignedUserPrettyName *string  `json:"assigned_user_pretty_name"`
	CreationTime           int64    `json:"creation_time"`
	ModificationTime       int64    `json:"modification_time"`
	ResolveComment         *string  `json:"resolve_comment"`
	ResolvedTimestamp      *int64   `json:"resolved_timestamp"`
	AlertCount             int      `json:"alert_count"`
	LowSeverityAlertCount  int      `json:"low_severity_alert_count"`
	MedSeverityAlertCount  int      `json:"med_severity_alert_count"`
	HighSeverityAlertCount int      `json:"high_severity_alert_count"`
	Hosts                  []string `json:"hosts"`
	Users                  []string `json:"users"`
	IncidentSources        []string `json:"incident_sources"`
	Starred                bool     `json:"starred"`
	XDRURL                 string   `json:"xdr_url"`
	Notes                  *string  `json:"notes"`
	RuleBasedScore         *int     `json:"rule_based_score"`

	alerts   []string  // member alert ids, oldest first
	comments []Comment // the comment thread, oldest first
}

// Comment is one entry of an incident's comment thread, as the console
// shows it: the public API adds comments but has no call that lists them.
type Comment struct {
	Value  string `json:"value"`
	Author string `json:"author"`
	At     int64  `json:"at"`
}

func (in Incident) clone() Incident {
	in.IncidentName = clonePtr(in.IncidentName)
	in.ManualSeverity = clonePtr(in.ManualSeverity)
	in.AssignedUserMail = clonePtr(in.AssignedUserMail)
	in.AssignedUserPrettyName = clonePtr(in.AssignedUserPrettyName)
	in.ResolveComment = clonePtr(in.ResolveComment)
	in.ResolvedTimestamp = clonePtr(in.ResolvedTimestamp)
	in.Notes = clonePtr(in.Notes)
	in.Hosts = slices.Clone(in.Hosts)
	in.Users = slices.Clone(in.Users)
	in.IncidentSources = slices.Clone(in.IncidentSources)
	in.alerts = slices.Clone(in.alerts)
	in.comments = slices.Clone(in.comments)
	return in
}

// AlertIDs returns the ids of the incident's alerts, oldest first.
func (in Incident) AlertIDs() []string { return slices.Clone(in.alerts) }

// Comments returns the incident's comment thread, oldest first.
func (in Incident) Comments() []Comment { return slices.Clone(in.comments) }
