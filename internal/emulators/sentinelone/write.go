package sentinelone

import (
	"net/http"
	"slices"
	"strings"

	"github.com/alertsync/alertsync/internal/emulators/emukit"
)

// Per-item results of the threat bulk writes, as the swagger's
// ThreatsIncidentResultSchema enumerates them.
const (
	resultUpdated    = "updated"
	resultAlreadySet = "already_set"
)

// detail is one threat's outcome in a bulk write. AnalystVerdict is set by
// the incident call when its data carried a verdict as well.
type detail struct {
	ThreatID       string `json:"threatId"`
	Result         string `json:"result"`
	AnalystVerdict string `json:"analystVerdict,omitempty"`
}

type affectedBody struct {
	Data struct {
		Affected int      `json:"affected"`
		Details  []detail `json:"details,omitempty"`
	} `json:"data"`
}

// threatChange is what one threat bulk call sets; empty means unchanged.
type threatChange struct{ status, verdict string }

func (e *Emulator) threatIncident(w http.ResponseWriter, r *http.Request) {
	b, sc, ok := e.bulk(w, r, threatFilter)
	if !ok {
		return
	}
	keys := []string{"incidentStatus", "analystVerdict"}
	st, _, err := dataEnum(b.Data, keys, "incidentStatus", incidentStatuses, false, true)
	var v string
	if err == nil {
		v, _, err = dataEnum(b.Data, keys, "analystVerdict", analystVerdicts, false, false)
	}
	if err != nil {
		e.invalid(w, r, "%s", err.Error())
		return
	}
	e.applyThreats(w, r, sc, threatChange{status: st, verdict: v})
}

func (e *Emulator) threatVerdict(w http.ResponseWriter, r *http.Request) {
	b, sc, ok := e.bulk(w, r, threatFilter)
	if !ok {
		return
	}
	v, _, err := dataEnum(b.Data, []string{"analystVerdict"}, "analystVerdict", analystVerdicts, false, true)
	if err != nil {
		e.invalid(w, r, "%s", err.Error())
		return
	}
	e.applyThreats(w, r, sc, threatChange{verdict: v})
}

// bulk decodes a bulk body and its filter, answering 400 when either is
// wrong.
func (e *Emulator) bulk(w http.ResponseWriter, r *http.Request, fk filterKeys) (bulkBody, scope, bool) {
	b, err := decodeBulk(r)
	var sc scope
	if err == nil {
		sc, err = fk.parse(b.Filter)
	}
	if err != nil {
		e.invalid(w, r, "%s", err.Error())
		return b, sc, false
	}
	return b, sc, true
}

// matchedThreatsLocked lists the threats in scope, by id; e.mu is held.
func (e *Emulator) matchedThreatsLocked(sc scope) []*Threat {
	var out []*Threat
	for _, t := range e.threats {
		ri := t.AgentRealtimeInfo
		if sc.matches(t.ID, ri.SiteID, ri.AccountID, ri.GroupID, t.ThreatInfo.IncidentStatus, t.ThreatInfo.AnalystVerdict) {
			out = append(out, t)
		}
	}
	slices.SortFunc(out, func(a, b *Threat) int { return strings.Compare(a.ID, b.ID) })
	return out
}

// applyThreats changes every threat in scope and reports each one: a
// refused id (FailItems) with its result and unchanged, one already
// holding the values as already_set, the rest updated with updatedAt
// stamped. Ids the filter names that match no threat are left out of the
// details, as a filter that matches nothing matches nothing.
func (e *Emulator) applyThreats(w http.ResponseWriter, r *http.Request, sc scope, ch threatChange) {
	var body affectedBody
	body.Data.Details = []detail{}
	e.mu.Lock()
	for _, t := range e.matchedThreatsLocked(sc) {
		d := detail{ThreatID: t.ID}
		changed := false
		if res, refused := e.fail[t.ID]; refused {
			d.Result = res
			if ch.status != "" && ch.verdict != "" {
				d.AnalystVerdict = res
			}
		} else {
			d, changed = applyOne(t, ch)
		}
		if changed {
			e.ledger.State("alert", t.ID, map[string]string{"incidentStatus": ch.status, "analystVerdict": ch.verdict})
			e.touchThreat(t)
			body.Data.Affected++
		}
		body.Data.Details = append(body.Data.Details, d)
	}
	e.mu.Unlock()
	e.log.InfoContext(r.Context(), "threats updated", "path", r.URL.Path, "affected", body.Data.Affected, "matched", len(body.Data.Details))
	emukit.WriteJSON(w, http.StatusOK, body)
}

// applyOne sets ch on t and reports the result the way the call that
// carries it does: the verdict call reports its verdict in Result, the
// incident call its status in Result and a verdict beside it.
func applyOne(t *Threat, ch threatChange) (detail, bool) {
	d := detail{ThreatID: t.ID}
	set := func(cur *string, v string) string {
		if *cur == v {
			return resultAlreadySet
		}
		*cur = v
		return resultUpdated
	}
	if ch.status == "" {
		d.Result = set(&t.ThreatInfo.AnalystVerdict, ch.verdict)
		return d, d.Result == resultUpdated
	}
	d.Result = set(&t.ThreatInfo.IncidentStatus, ch.status)
	if ch.verdict != "" {
		d.AnalystVerdict = set(&t.ThreatInfo.AnalystVerdict, ch.verdict)
	}
	return d, d.Result == resultUpdated || d.AnalystVerdict == resultUpdated
}

func (e *Emulator) cloudIncident(w http.ResponseWriter, r *http.Request) {
	b, sc, ok := e.bulk(w, r, cloudFilter)
	if !ok {
		return
	}
	st, _, err := dataEnum(b.Data, []string{"incidentStatus"}, "incidentStatus", cloudStatuses, true, true)
	if err != nil {
		e.invalid(w, r, "%s", err.Error())
		return
	}
	e.applyCloud(w, r, sc, func(a *CloudAlert) *string { return &a.AlertInfo.IncidentStatus }, cloudStatuses[st])
}

func (e *Emulator) cloudVerdict(w http.ResponseWriter, r *http.Request) {
	b, sc, ok := e.bulk(w, r, cloudFilter)
	if !ok {
		return
	}
	v, _, err := dataEnum(b.Data, []string{"analystVerdict"}, "analystVerdict", cloudVerdicts, true, true)
	if err != nil {
		e.invalid(w, r, "%s", err.Error())
		return
	}
	e.applyCloud(w, r, sc, func(a *CloudAlert) *string { return &a.AlertInfo.AnalystVerdict }, cloudVerdicts[v])
}

// applyCloud sets one field of every cloud alert in scope. The
// cloud-detection endpoints answer only {"data":{"affected":N}} (the
// swagger's AffectedResultsSchema), so a refused alert (FailItems) is
// simply not counted, and neither is one that already held the value.
func (e *Emulator) applyCloud(w http.ResponseWriter, r *http.Request, sc scope, field func(*CloudAlert) *string, v string) {
	var body affectedBody
	e.mu.Lock()
	for id, a := range e.cloud {
		ai := a.AlertInfo
		if !sc.matches(id, a.AgentDetectionInfo.SiteID, a.AgentDetectionInfo.AccountID, "",
			strings.ToUpper(token(ai.IncidentStatus)), strings.ToUpper(token(ai.AnalystVerdict))) {
			continue
		}
		if _, refused := e.fail[id]; refused || *field(a) == v {
			continue
		}
		*field(a) = v
		e.ledger.State("alert", cloudPrefix+ai.AlertID, map[string]string{r.URL.Path: v})
		e.touchCloud(a)
		body.Data.Affected++
	}
	e.mu.Unlock()
	emukit.WriteJSON(w, http.StatusOK, body)
}
