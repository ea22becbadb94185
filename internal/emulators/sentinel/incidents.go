package sentinel

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/alertsync/alertsync/internal/emulators/emukit"
	"github.com/alertsync/alertsync/internal/emulators/emukit/arm"
)

// Errors the store methods return; handlers turn them into ARM answers.
var (
	ErrNotFound = errors.New("not found")
	ErrConflict = errors.New("etag does not match the current version")
	ErrInvalid  = errors.New("invalid request")
)

// incident is an incident as stored: the wire resource (without the
// computed additionalData) plus what only the server knows.
type incident struct {
	inc          Incident
	alertIDs     []string             // derived from relations (relinkLocked)
	relations    map[string]*Relation // by lower-cased relation name
	relOrder     []string
	comments     map[string]*Comment // by lower-cased comment name
	commentOrder []string
	closedTime   time.Time
}

// newGUIDLocked draws an id from the seeded generator.
func (e *Emulator) newGUIDLocked() string { return emukit.GUID(e.rng) }

// newEtagLocked returns a fresh etag in the quoted form Sentinel uses.
func (e *Emulator) newEtagLocked() string {
	e.etagSeq++
	return fmt.Sprintf("\"%08x-0000-0000-0000-%012x\"", 0x0300bf09, e.etagSeq)
}

func (e *Emulator) incidentID(name string) string { return e.BasePath() + "/incidents/" + name }

// validateIncident checks the required properties and the enums.
func validateIncident(p IncidentProperties) error {
	var missing []string
	for _, f := range []struct{ name, v string }{{"title", p.Title}, {"severity", p.Severity}, {"status", p.Status}} {
		if strings.TrimSpace(f.v) == "" {
			missing = append(missing, f.name)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("%w: required properties missing: %s", ErrInvalid, strings.Join(missing, ", "))
	}
	checks := []struct {
		name, v string
		ok      map[string]bool
	}{
		{"status", p.Status, incidentStatuses},
		{"severity", p.Severity, severities},
		{"classification", p.Classification, classifications},
		{"classificationReason", p.ClassificationReason, classificationReasons},
		{"owner.ownerType", p.Owner.OwnerType, ownerTypes},
	}
	for _, c := range checks {
		if c.v != "" && !c.ok[c.v] {
			return fmt.Errorf("%w: property '%s' has an invalid value '%s'", ErrInvalid, c.name, c.v)
		}
	}
	if p.Owner.ObjectID != "" && !arm.IsGUID(p.Owner.ObjectID) {
		return fmt.Errorf("%w: property 'owner.objectId' is not a GUID", ErrInvalid)
	}
	for _, l := range p.Labels {
		if l.LabelName == "" {
			return fmt.Errorf("%w: property 'labels.labelName' is required", ErrInvalid)
		}
	}
	return nil
}

// putIncident creates or fully replaces the writable properties of an
// incident. etag nil or empty means last writer wins; otherwise it must be
// the current etag. It returns the ids of Defender for Cloud alerts to
// resolve there once the lock is released.
func (e *Emulator) putIncident(name string, etag *string, p IncidentProperties, by string) (Incident, bool, []string, error) {
	if err := validateIncident(p); err != nil {
		return Incident{}, false, nil, err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	in, exists := e.incidents[strings.ToLower(name)]
	if exists && etag != nil && *etag != "" && *etag != in.inc.Etag {
		return Incident{}, false, nil, fmt.Errorf("update incident %s: %w", name, ErrConflict)
	}
	if !exists {
		in = e.newIncidentLocked(name)
	}
	prev := in.inc.Properties.Status
	applyWritable(&in.inc.Properties, p)
	resolve := e.touchLocked(in, prev, by)
	return e.renderLocked(in), !exists, resolve, nil
}

// newIncidentLocked registers an empty incident with its read-only fields.
func (e *Emulator) newIncidentLocked(name string) *incident {
	now := e.ticker.Next()
	num := e.nextNum
	e.nextNum++
	in := &incident{
		inc: Incident{
			ID:   e.incidentID(name),
			Name: name,
			Type: "Microsoft.SecurityInsights/incidents",
			Properties: IncidentProperties{
				CreatedTimeUtc:         now,
				IncidentNumber:         num,
				IncidentURL:            "https://portal.azure.com/#asset/Microsoft_Azure_Security_Insights/Incident" + e.incidentID(name),
				ProviderName:           "Azure Sentinel",
				ProviderIncidentID:     strconv.Itoa(num),
				RelatedAnalyticRuleIDs: []string{},
				Labels:                 []IncidentLabel{},
			},
		},
		relations: map[string]*Relation{},
		comments:  map[string]*Comment{},
	}
	e.incidents[strings.ToLower(name)] = in
	e.order = append(e.order, strings.ToLower(name))
	return in
}

// applyWritable copies the client-writable properties (PUT replaces them).
func applyWritable(dst *IncidentProperties, src IncidentProperties) {
	dst.Title, dst.Description = src.Title, src.Description
	dst.Severity, dst.Status = src.Severity, src.Status
	dst.Classification, dst.ClassificationReason = src.Classification, src.ClassificationReason
	dst.ClassificationComment = src.ClassificationComment
	dst.Owner = src.Owner
	dst.FirstActivityTimeUtc, dst.LastActivityTimeUtc = src.FirstActivityTimeUtc, src.LastActivityTimeUtc
	dst.Labels = make([]IncidentLabel, 0, len(src.Labels))
	for _, l := range src.Labels {
		dst.Labels = append(dst.Labels, IncidentLabel{LabelName: l.LabelName, LabelType: "User"})
	}
}

// touchLocked records a write: new etag and lastModifiedTimeUtc, the
// close side effects when the status became Closed, and a history row.
func (e *Emulator) touchLocked(in *incident, prevStatus, by string) []string {
	now := e.ticker.Next()
	in.inc.Etag = e.newEtagLocked()
	in.inc.Properties.LastModifiedTimeUtc = now
	var resolve []string
	switch st := in.inc.Properties.Status; {
	case st == StatusClosed && prevStatus != StatusClosed:
		in.closedTime = now
		resolve = e.resolveAlertsLocked(in)
	case st != StatusClosed:
		in.closedTime = time.Time{}
	}
	e.appendIncidentRowLocked(in, by)
	return resolve
}

// resolveAlertsLocked resolves the incident's open alerts, as Sentinel does
// when an incident is closed, and returns the Defender for Cloud ones so
// the caller can resolve them at the source.
func (e *Emulator) resolveAlertsLocked(in *incident) []string {
	var dfc []string
	for _, id := range in.alertIDs {
		a := e.alerts[id]
		if a == nil || a.Properties.Status == AlertResolved || a.Properties.Status == AlertDismissed {
			continue
		}
		a.Properties.Status = AlertResolved
		e.appendAlertRowLocked(a)
		if a.Properties.ProductName == dfcProductName {
			dfc = append(dfc, a.Properties.SystemAlertID)
		}
	}
	return dfc
}

// syncBack resolves alerts at Defender for Cloud after an incident closed.
// It runs without the lock: the source's change comes back through
// IngestDefenderAlert, which finds the alert already resolved and stops.
func (e *Emulator) syncBack(ctx context.Context, ids []string) {
	e.mu.Lock()
	resolver := e.resolver
	e.mu.Unlock()
	if resolver == nil {
		return
	}
	for _, id := range ids {
		if err := resolver(ctx, id); err != nil {
			e.log.Warn("resolve alert at defender for cloud", "alert", id, "err", err)
		}
	}
}

// renderLocked returns the wire incident with its computed additionalData.
func (e *Emulator) renderLocked(in *incident) Incident {
	out := in.inc
	out.Properties.Labels = append([]IncidentLabel{}, in.inc.Properties.Labels...)
	out.Properties.RelatedAnalyticRuleIDs = append([]string{}, in.inc.Properties.RelatedAnalyticRuleIDs...)
	ad := e.additionalDataLocked(in)
	out.Properties.AdditionalData = &ad
	return out
}

func (e *Emulator) additionalDataLocked(in *incident) IncidentAdditionalData {
	ad := IncidentAdditionalData{
		AlertsCount:       len(in.alertIDs),
		CommentsCount:     len(in.comments),
		AlertProductNames: []string{},
		Tactics:           []string{},
	}
	seenP, seenT := map[string]bool{}, map[string]bool{}
	for _, id := range in.alertIDs {
		a := e.alerts[id]
		if a == nil {
			continue
		}
		if p := a.Properties.ProductName; !seenP[p] {
			seenP[p] = true
			ad.AlertProductNames = append(ad.AlertProductNames, p)
		}
		for _, t := range a.Properties.Tactics {
			if !seenT[t] {
				seenT[t] = true
				ad.Tactics = append(ad.Tactics, t)
			}
		}
	}
	return ad
}

func (e *Emulator) appendIncidentRowLocked(in *incident, by string) {
	p := in.inc.Properties
	e.incRows = append(e.incRows, SecurityIncidentRow{
		TimeGenerated:         p.LastModifiedTimeUtc,
		IncidentName:          in.inc.Name,
		IncidentNumber:        p.IncidentNumber,
		Title:                 p.Title,
		Description:           p.Description,
		Severity:              p.Severity,
		Status:                p.Status,
		Classification:        p.Classification,
		ClassificationReason:  p.ClassificationReason,
		ClassificationComment: p.ClassificationComment,
		Owner:                 p.Owner,
		AlertIDs:              append([]string{}, in.alertIDs...),
		AdditionalData:        e.additionalDataLocked(in),
		Labels:                append([]IncidentLabel{}, p.Labels...),
		CreatedTime:           p.CreatedTimeUtc,
		LastModifiedTime:      p.LastModifiedTimeUtc,
		FirstActivityTime:     p.FirstActivityTimeUtc,
		LastActivityTime:      p.LastActivityTimeUtc,
		ClosedTime:            in.closedTime,
		ProviderName:          p.ProviderName,
		ProviderIncidentID:    p.ProviderIncidentID,
		IncidentURL:           p.IncidentURL,
		ModifiedBy:            by,
	})
}

// getIncident returns the rendered incident.
func (e *Emulator) getIncident(name string) (Incident, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	in, ok := e.incidents[strings.ToLower(name)]
	if !ok {
		return Incident{}, fmt.Errorf("get incident %s: %w", name, ErrNotFound)
	}
	return e.renderLocked(in), nil
}

// deleteIncident removes an incident; its alerts stay in the workspace.
func (e *Emulator) deleteIncident(name string) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	key := strings.ToLower(name)
	if _, ok := e.incidents[key]; !ok {
		return fmt.Errorf("delete incident %s: %w", name, ErrNotFound)
	}
	delete(e.incidents, key)
	e.order = slices.DeleteFunc(e.order, func(k string) bool { return k == key })
	return nil
}

// incidentAlerts returns the incident's SecurityAlert entities.
func (e *Emulator) incidentAlerts(name string) ([]SecurityAlert, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	in, ok := e.incidents[strings.ToLower(name)]
	if !ok {
		return nil, fmt.Errorf("list alerts of incident %s: %w", name, ErrNotFound)
	}
	out := []SecurityAlert{}
	for _, id := range in.alertIDs {
		if a := e.alerts[id]; a != nil {
			out = append(out, emukit.DeepCopy(*a))
		}
	}
	return out, nil
}
