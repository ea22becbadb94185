package mde

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/alertsync/alertsync/internal/connector"
	"github.com/alertsync/alertsync/internal/model"
)

// severities maps MDE severity to canonical severity; anything else is
// quarantined rather than guessed.
var severities = map[string]model.Severity{
	"UnSpecified":   model.SeverityUnknown,
	"Informational": model.SeverityInformational,
	"Low":           model.SeverityLow,
	"Medium":        model.SeverityMedium,
	"High":          model.SeverityHigh,
}

// statuses maps MDE alert status to canonical status; an unknown one maps
// to unknown (the alert is still usable).
var statuses = map[string]model.Status{
	"New":        model.StatusNew,
	"InProgress": model.StatusInProgress,
	"Resolved":   model.StatusResolved,
	"Unknown":    model.StatusUnknown,
}

// mapAlert maps one alert. Whatever goes wrong, Raw is kept verbatim and
// Err says why, so the engine quarantines it.
func mapAlert(integration string, raw json.RawMessage) connector.Item {
	return connector.DecodeAlert(raw, "mde alert", func(w alertWire) string { return w.ID },
		func(w alertWire) (*model.Alert, error) { return toAlert(integration, w) })
}

func toAlert(integration string, w alertWire) (*model.Alert, error) {
	if w.ID == "" || strings.TrimSpace(w.Title) == "" {
		return nil, errors.New("mde alert without id or title")
	}
	sev, ok := severities[w.Severity]
	if !ok {
		return nil, fmt.Errorf("mde alert %s: unknown severity %q", w.ID, w.Severity)
	}
	created, err := time.Parse(time.RFC3339Nano, w.AlertCreation)
	if err != nil {
		return nil, fmt.Errorf("mde alert %s: alertCreationTime %q: %w", w.ID, w.AlertCreation, err)
	}
	updated := created
	if w.LastUpdateTime != "" {
		if updated, err = time.Parse(time.RFC3339Nano, w.LastUpdateTime); err != nil {
			return nil, fmt.Errorf("mde alert %s: lastUpdateTime %q: %w", w.ID, w.LastUpdateTime, err)
		}
	}
	st, ok := statuses[w.Status]
	if !ok {
		st = model.StatusUnknown
	}
	return &model.Alert{
		Integration: integration, VendorID: w.ID, Title: w.Title, Description: w.Description,
		Severity: sev, Status: st, RemoteStatus: w.Status, Source: w.DetectionSource,
		CreatedAt: created.UTC(), UpdatedAt: updated.UTC(), RemoteParent: w.IncidentID.String(),
		Entities: entities(w),
	}, nil
}

// entities collects observables from the machine, the related user and
// the evidence (present when the list asked for $expand=evidence). The
// related user (a bare SAM account name) is used only when no evidence
// names a user, since evidence carries the UPN other vendors report.
func entities(w alertWire) model.Entities {
	e := model.Entities{Hosts: []string{w.ComputerDNSName}}
	for _, ev := range w.Evidence {
		switch ev.EntityType {
		case "User":
			e.Users = append(e.Users, firstNonEmpty(ev.UserPrincipalName, ev.AccountName))
		case "File":
			e.FileHashes = append(e.FileHashes, firstNonEmpty(ev.SHA256, ev.SHA1))
		case "Process":
			e.Processes = append(e.Processes, ev.FileName)
		case "Ip":
			e.IPs = append(e.IPs, ev.IPAddress)
		}
	}
	if len(e.Users) == 0 && w.RelatedUser != nil {
		e.Users = append(e.Users, w.RelatedUser.UserName)
	}
	return e.Normalize()
}

func firstNonEmpty(vs ...string) string {
	for _, v := range vs {
		if strings.TrimSpace(v) != "" {
			return v
		}
	}
	return ""
}

// What alertsync writes back for a verdict: the same table as the graph
// connector's (docs/mappings.md), in MDE's case-sensitive PascalCase.
//
//	verdict                               status       classification  determination
//	not_a_threat                          Resolved     FalsePositive   NotMalicious
//	threat, published                     Resolved or  TruePositive    Other
//	                                      InProgress
//	threat, not published                 InProgress   -               -
//	suspicious, highly_suspicious         InProgress   -               -
//	  the same, closed by close_on_suspicious  Resolved  -             -
//	no verdict (a plain status change)    the status   -               -
//
// "-" leaves the property out, keeping what an analyst set. A suspicious
// alert the policy closes is resolved without a classification, because
// alertsync has established neither that it was malicious nor benign; the
// comment says why it was closed.
//
// Determination spelling is unconfirmed: update-alert.md (the PATCH page)
// lists NotMalicious and ConfirmedActivity, while alerts.md and
// batch-update-alerts.md list Clean and ConfirmedUserActivity. alertsync
// follows the page documenting the call it makes: a PATCH writes
// NotMalicious and Other, a batchUpdate Clean and Other (batchSpelling). If
// the service turns out to refuse one, this table and batchSpelling are the
// places to change.
var verdictClasses = map[verdictKey]classPair{
	{model.VerdictNotAThreat, false}: {"FalsePositive", "NotMalicious"},
	{model.VerdictThreat, true}:      {"TruePositive", "Other"},
}

type verdictKey struct {
	verdict   model.Verdict
	published bool
}

type classPair struct{ classification, determination string }

func classFor(v model.Verdict, published bool) classPair {
	return verdictClasses[verdictKey{v, published && v == model.VerdictThreat}]
}

// statusOut maps canonical status to the status MDE accepts. MDE has no
// suppressed state an API client can set, so suppressed is written as
// Resolved.
var statusOut = map[model.Status]string{
	model.StatusNew: "New", model.StatusInProgress: "InProgress",
	model.StatusResolved: "Resolved", model.StatusSuppressed: "Resolved",
}

// updateFor builds the update body for ch without its comment.
// batchSpelling turns update-alert.md's spelling of a determination into
// batch-update-alerts.md's, for the batchUpdate body.
var batchSpelling = map[string]string{"NotMalicious": "Clean", "ConfirmedActivity": "ConfirmedUserActivity"}

// batchUpdateFor is updateFor spelled as batch-update-alerts.md documents.
func batchUpdateFor(ch connector.StateChange) (updateBody, error) {
	b, err := updateFor(ch)
	if d, ok := batchSpelling[b.Determination]; ok {
		b.Determination = d
	}
	return b, err
}

func updateFor(ch connector.StateChange) (updateBody, error) {
	if ch.Kind == model.KindIncident {
		return updateBody{}, connector.Unsupported
	}
	st, ok := statusOut[ch.Status]
	if !ok {
		return updateBody{}, connector.Permanent("defender for endpoint has no alert status for %q", ch.Status)
	}
	cp := classFor(ch.Verdict, ch.Published)
	return updateBody{Status: st, Classification: cp.classification, Determination: cp.determination}, nil
}
