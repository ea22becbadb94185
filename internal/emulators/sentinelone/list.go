package sentinelone

import (
	"cmp"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/alertsync/alertsync/internal/emulators/emukit"
)

// row is one record as the list filters and sorts see it.
type row[T any] struct {
	id, site, account, status, verdict string
	times                              map[string]time.Time
	keys                               map[string]string // sortBy -> sortable text
	item                               T
}

var threatList = listSpec{
	times: []string{"createdAt", "updatedAt"}, status: "incidentStatuses", statuses: []string{"unresolved", "in_progress", "resolved"},
	verdict: "analystVerdicts", verdicts: []string{"undefined", "true_positive", "false_positive", "suspicious"},
	sortBy: []string{"id", "createdAt", "updatedAt", "identifiedAt", "threatName", "classification", "confidenceLevel",
		"incidentStatus", "analystVerdict", "mitigationStatus", "agentComputerName", "siteName"},
	bools: []string{"resolved"},
}

// cloudList follows the swagger entry of GET /cloud-detection/alerts,
// which filters on createdAt and reportedAt only (no updatedAt) and takes
// upper-case statuses and verdicts.
var cloudList = listSpec{
	times: []string{"createdAt", "reportedAt"}, status: "incidentStatus", statuses: []string{"UNRESOLVED", "IN_PROGRESS", "RESOLVED"},
	verdict: "analystVerdict", verdicts: []string{"UNDEFINED", "TRUE_POSITIVE", "FALSE_POSITIVE", "SUSPICIOUS"},
	sortBy: []string{"id", "alertInfoAlertId", "alertInfoCreatedAt", "alertInfoReportedAt", "incidentStatus", "alertInfoIncidentStatus",
		"analystVerdict", "alertInfoAnalystVerdict", "severity", "ruleInfoSeverity", "ruleInfoName", "agentDetectionInfoName"},
}

// sortable renders a time so that text order is time order.
func sortable(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000000000Z") }

func threatRow(t Threat) row[Threat] {
	ti := t.ThreatInfo
	return row[Threat]{
		id: t.ID, site: t.AgentRealtimeInfo.SiteID, account: t.AgentRealtimeInfo.AccountID, status: ti.IncidentStatus, verdict: ti.AnalystVerdict,
		times: map[string]time.Time{"createdAt": ti.CreatedAt.Time, "updatedAt": ti.UpdatedAt.Time},
		keys: map[string]string{"id": t.ID, "createdAt": sortable(ti.CreatedAt.Time), "updatedAt": sortable(ti.UpdatedAt.Time),
			"identifiedAt": sortable(ti.IdentifiedAt.Time), "threatName": ti.ThreatName, "classification": ti.Classification,
			"confidenceLevel": ti.ConfidenceLevel, "incidentStatus": ti.IncidentStatus, "analystVerdict": ti.AnalystVerdict,
			"mitigationStatus": ti.MitigationStatus, "agentComputerName": t.AgentRealtimeInfo.AgentComputerName, "siteName": t.AgentRealtimeInfo.SiteName},
		item: t,
	}
}

func cloudRow(a CloudAlert) row[CloudAlert] {
	ai := a.AlertInfo
	status, verdict := strings.ToUpper(token(ai.IncidentStatus)), strings.ToUpper(token(ai.AnalystVerdict))
	return row[CloudAlert]{
		id: ai.AlertID, site: a.AgentDetectionInfo.SiteID, account: a.AgentDetectionInfo.AccountID, status: status, verdict: verdict,
		times: map[string]time.Time{"createdAt": ai.CreatedAt.Time, "reportedAt": ai.ReportedAt.Time},
		keys: map[string]string{"id": ai.AlertID, "alertInfoAlertId": ai.AlertID, "alertInfoCreatedAt": sortable(ai.CreatedAt.Time),
			"alertInfoReportedAt": sortable(ai.ReportedAt.Time), "incidentStatus": status, "alertInfoIncidentStatus": status,
			"analystVerdict": verdict, "alertInfoAnalystVerdict": verdict, "severity": a.RuleInfo.Severity,
			"ruleInfoSeverity": a.RuleInfo.Severity, "ruleInfoName": a.RuleInfo.Name, "agentDetectionInfoName": a.AgentDetectionInfo.Name},
		item: a,
	}
}

// matches applies every filter of q but paging.
func (r row[T]) matches(q listQuery) bool {
	if !q.ids.has(r.id) || !q.sites.has(r.site) || !q.account.has(r.account) || !q.statuses.has(r.status) || !q.verdicts.has(r.verdict) {
		return false
	}
	if res, ok := q.bools["resolved"]; ok && res != (r.status == "resolved") {
		return false
	}
	for _, c := range q.times {
		if !c.holds(r.times[c.field]) {
			return false
		}
	}
	return true
}

// page filters, sorts (ties broken by id) and cuts one page, keyset-wise
// after q.cursor when there is one and by q.skip otherwise.
func page[T any](rows []row[T], q listQuery) ([]T, pagination) {
	var sel []row[T]
	for _, r := range rows {
		if r.matches(q) {
			sel = append(sel, r)
		}
	}
	dir := 1
	if q.sortOrder == "desc" {
		dir = -1
	}
	cmpRow := func(key, id string, r row[T]) int {
		return dir * cmp.Or(strings.Compare(key, r.keys[q.sortBy]), strings.Compare(id, r.id))
	}
	slices.SortFunc(sel, func(a, b row[T]) int { return cmpRow(a.keys[q.sortBy], a.id, b) })
	total := len(sel)
	if q.cursor != nil {
		at := 0
		for at < len(sel) && cmpRow(q.cursor.Key, q.cursor.ID, sel[at]) >= 0 {
			at++
		}
		sel = sel[at:]
	} else {
		sel = sel[min(q.skip, len(sel)):]
	}
	pg := pagination{TotalItems: total}
	if q.countOnly {
		return []T{}, pg
	}
	n := min(q.limit, len(sel))
	out := make([]T, 0, n)
	for _, r := range sel[:n] {
		out = append(out, r.item)
	}
	if n > 0 && n < len(sel) {
		last := sel[n-1]
		c := cursorPos{By: q.sortBy, Order: q.sortOrder, Key: last.keys[q.sortBy], ID: last.id}.encode()
		pg.NextCursor = &c
	}
	return out, pg
}

func (e *Emulator) listThreats(w http.ResponseWriter, r *http.Request) {
	q, err := threatList.parse(r.URL.Query())
	if err != nil {
		e.invalid(w, r, "%s", err.Error())
		return
	}
	var rows []row[Threat]
	for _, t := range e.Threats() {
		rows = append(rows, threatRow(t))
	}
	data, pg := page(rows, q)
	emukit.WriteJSON(w, http.StatusOK, listBody[Threat]{Data: data, Pagination: pg})
}

func (e *Emulator) listCloudAlerts(w http.ResponseWriter, r *http.Request) {
	q, err := cloudList.parse(r.URL.Query())
	if err != nil {
		e.invalid(w, r, "%s", err.Error())
		return
	}
	var rows []row[CloudAlert]
	for _, a := range e.CloudAlerts() {
		rows = append(rows, cloudRow(a))
	}
	data, pg := page(rows, q)
	emukit.WriteJSON(w, http.StatusOK, listBody[CloudAlert]{Data: data, Pagination: pg})
}
