package sentinel

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// Relation types and kinds as Sentinel reports them for an alert.
const (
	relationType        = "Microsoft.SecurityInsights/Incidents/relations"
	alertEntityType     = "Microsoft.SecurityInsights/entities"
	kindSecurityAlert   = "SecurityAlert"
	maxRelationNameSize = 63
)

// relationNameShape is the spec's pattern for relationName. Sentinel's own
// relations (an alert the creation rule put in the incident) are named
// "<guid>_<systemAlertId>" and do not match it; only names a client
// chooses in a PUT are held to it.
var relationNameShape = regexp.MustCompile(`^[a-zA-Z0-9-]{3,63}$`)

// AlertResourceID is the ARM id a client relates an alert by, as "relate
// alerts to incidents" documents it: the alert's SecurityAlert entity,
// .../providers/Microsoft.SecurityInsights/entities/{systemAlertId}.
func (e *Emulator) AlertResourceID(systemAlertID string) string {
	return e.BasePath() + "/entities/" + systemAlertID
}

// systemRelationName names a relation Sentinel makes itself, in the
// "<guid>_<systemAlertId>" shape it lists them with; the GUID is derived
// from the pair so replays name relations the same way.
func systemRelationName(incidentName, systemAlertID string) string {
	s := sha256.Sum256([]byte(strings.ToLower(incidentName) + "/" + systemAlertID))
	h := hex.EncodeToString(s[:16])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32] + "_" + systemAlertID
}

// alertOfResourceLocked returns the SystemAlertId an ARM id names when it
// is an alert entity of this workspace (matched case-insensitively, as ARM
// ids are) that the workspace holds.
func (e *Emulator) alertOfResourceLocked(id string) (string, bool) {
	prefix := strings.ToLower(e.BasePath() + "/entities/")
	if !strings.HasPrefix(strings.ToLower(id), prefix) {
		return "", false
	}
	name := id[len(prefix):]
	if name == "" || strings.Contains(name, "/") {
		return "", false
	}
	if _, ok := e.alerts[name]; ok {
		return name, true
	}
	for k := range e.alerts {
		if strings.EqualFold(k, name) {
			return k, true
		}
	}
	return "", false
}

// setRelationLocked stores (or replaces, in place) the relation name of in
// to the alert, and reports whether the incident's alerts changed.
func (e *Emulator) setRelationLocked(in *incident, name, relatedID, systemAlertID, etag string) (*Relation, bool) {
	key := strings.ToLower(name)
	rel, exists := in.relations[key]
	if !exists {
		rel = &Relation{ID: in.inc.ID + "/relations/" + name, Name: name, Type: relationType}
		in.relations[key] = rel
		in.relOrder = append(in.relOrder, key)
	}
	rel.Etag = etag
	rel.Properties = RelationProperties{
		RelatedResourceID:   relatedID,
		RelatedResourceName: systemAlertID,
		RelatedResourceType: alertEntityType,
		RelatedResourceKind: kindSecurityAlert,
	}
	return rel, e.relinkLocked(in)
}

// relinkLocked derives the incident's alerts (the AlertIds column, what
// Incidents_ListAlerts answers and alertsCount counts) from its alert
// relations, in the order they were made, and reports a change.
func (e *Emulator) relinkLocked(in *incident) bool {
	ids := []string{}
	for _, k := range in.relOrder {
		p := in.relations[k].Properties
		if p.RelatedResourceKind == kindSecurityAlert && !slices.Contains(ids, p.RelatedResourceName) {
			ids = append(ids, p.RelatedResourceName)
		}
	}
	if slices.Equal(ids, in.alertIDs) {
		return false
	}
	in.alertIDs = ids
	return true
}

// relateSystemLocked makes the alert a member of in through a relation of
// Sentinel's own, unless it already is one; it reports a change.
func (e *Emulator) relateSystemLocked(in *incident, systemAlertID string) bool {
	if slices.Contains(in.alertIDs, systemAlertID) {
		return false
	}
	_, changed := e.setRelationLocked(in, systemRelationName(in.inc.Name, systemAlertID),
		e.AlertResourceID(systemAlertID), systemAlertID, "")
	return changed
}

// PutRelation creates or replaces an incident relation, as
// IncidentRelations_CreateOrUpdate does: relating an alert makes it a
// member of the incident (it stays a member of any other incident too),
// and a changed membership is a change of the incident (new etag,
// lastModifiedTimeUtc, a SecurityIncident row), which is how a poller
// reading incidents by lastModifiedTimeUtc learns of it. A non-empty etag
// must match the relation's current one. It reports whether it created
// the relation.
//
// Only alerts can be related here: the emulated workspace has no
// bookmarks, so any other relatedResourceId, or an alert the workspace
// does not hold, is refused with ErrInvalid. [U: Sentinel's answer to a
// relatedResourceId that names nothing is not documented; 400 is ARM's
// usual answer to a bad body.]
func (e *Emulator) PutRelation(incidentName, relationName string, etag *string, relatedResourceID, by string) (Relation, bool, error) {
	if !relationNameShape.MatchString(relationName) {
		return Relation{}, false, fmt.Errorf("%w: the relation name '%s' must be 3 to %d letters, digits or hyphens",
			ErrInvalid, relationName, maxRelationNameSize)
	}
	if strings.TrimSpace(relatedResourceID) == "" {
		return Relation{}, false, fmt.Errorf("%w: required property 'relatedResourceId' is missing", ErrInvalid)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	in, ok := e.incidents[strings.ToLower(incidentName)]
	if !ok {
		return Relation{}, false, fmt.Errorf("put relation of incident %s: %w", incidentName, ErrNotFound)
	}
	alertID, ok := e.alertOfResourceLocked(relatedResourceID)
	if !ok {
		return Relation{}, false, fmt.Errorf("%w: the related resource '%s' is not an alert in workspace '%s'",
			ErrInvalid, relatedResourceID, e.opts.Workspace)
	}
	cur, exists := in.relations[strings.ToLower(relationName)]
	if exists && etag != nil && *etag != "" && *etag != cur.Etag {
		return Relation{}, false, fmt.Errorf("put relation %s: %w", relationName, ErrConflict)
	}
	rel, changed := e.setRelationLocked(in, relationName, relatedResourceID, alertID, e.newEtagLocked())
	if changed {
		e.touchLocked(in, in.inc.Properties.Status, by)
	}
	return *rel, !exists, nil
}

// DeleteRelation removes a relation; the alert leaves the incident unless
// another relation of the incident still names it.
func (e *Emulator) DeleteRelation(incidentName, relationName, by string) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	in, ok := e.incidents[strings.ToLower(incidentName)]
	if !ok {
		return fmt.Errorf("delete relation of incident %s: %w", incidentName, ErrNotFound)
	}
	key := strings.ToLower(relationName)
	if _, ok := in.relations[key]; !ok {
		return fmt.Errorf("delete relation %s: %w", relationName, ErrNotFound)
	}
	delete(in.relations, key)
	in.relOrder = slices.DeleteFunc(in.relOrder, func(k string) bool { return k == key })
	if e.relinkLocked(in) {
		e.touchLocked(in, in.inc.Properties.Status, by)
	}
	return nil
}

// Relations returns an incident's relations in the order they were made.
func (e *Emulator) Relations(incidentName string) ([]Relation, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	in, ok := e.incidents[strings.ToLower(incidentName)]
	if !ok {
		return nil, fmt.Errorf("list relations of incident %s: %w", incidentName, ErrNotFound)
	}
	out := make([]Relation, 0, len(in.relOrder))
	for _, k := range in.relOrder {
		out = append(out, *in.relations[k])
	}
	return out, nil
}

// relation returns one relation of an incident.
func (e *Emulator) relation(incidentName, relationName string) (Relation, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	in, ok := e.incidents[strings.ToLower(incidentName)]
	if !ok {
		return Relation{}, fmt.Errorf("get relation of incident %s: %w", incidentName, ErrNotFound)
	}
	rel, ok := in.relations[strings.ToLower(relationName)]
	if !ok {
		return Relation{}, fmt.Errorf("get relation %s: %w", relationName, ErrNotFound)
	}
	return *rel, nil
}
