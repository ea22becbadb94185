package cortexxdr

import (
	"cmp"
	"maps"
	"net/http"
	"slices"
	"strconv"

	"github.com/alertsync/alertsync/internal/emulators/emukit"
)

// MaxSearchTotal is where the v2 alert search stops counting: total_count
// never exceeds it and records past it cannot be paged to, so a client
// pages deep result sets by moving its time filter.
const MaxSearchTotal = 9999

type alertsReply struct {
	Reply struct {
		TotalCount  int     `json:"total_count"`
		ResultCount int     `json:"result_count"`
		Alerts      []Alert `json:"alerts"`
	} `json:"reply"`
}

// Sort fields. Sorting v2 by last_modified_ts is not in the published
// examples (they sort by creation_time and severity) and is unconfirmed;
// it is what polling for changes oldest first needs.
var (
	alertSortsV1 = []string{"creation_time", "severity"}
	alertSortsV2 = []string{"creation_time", "severity", "last_modified_ts", "server_creation_time"}
)

var severityRank = map[string]int{"unknown": 0, "informational": 1, "low": 2, "medium": 3, "high": 4, "critical": 5}

func (e *Emulator) getAlertsV1(w http.ResponseWriter, r *http.Request) {
	e.searchAlerts(w, r, alertFiltersV1, alertSortsV1, 0)
}

func (e *Emulator) getAlertsV2(w http.ResponseWriter, r *http.Request) {
	e.searchAlerts(w, r, alertFilters, alertSortsV2, e.opts.SearchCap)
}

// searchAlerts answers a listing call; limit, when positive, caps how many
// matches the search holds.
func (e *Emulator) searchAlerts(w http.ResponseWriter, r *http.Request, fs filterSet[Alert], sorts []string, limit int) {
	var req search
	if err := decodeRequest(r, &req); err != nil {
		e.badRequest(w, r, "%s", err.Error())
		return
	}
	from, to, err := req.window()
	if err != nil {
		e.badRequest(w, r, "%s", err.Error())
		return
	}
	field, desc, err := req.order(sorts)
	if err != nil {
		e.badRequest(w, r, "%s", err.Error())
		return
	}
	match, err := fs.compile(req.Filters)
	if err != nil {
		e.badRequest(w, r, "%s", err.Error())
		return
	}
	e.mu.Lock()
	sel := slices.Collect(maps.Values(e.alerts))
	sel = slices.DeleteFunc(sel, func(a *Alert) bool { return !match(a) })
	slices.SortFunc(sel, alertOrder(field, desc))
	if limit > 0 && len(sel) > limit {
		sel = sel[:limit]
	}
	var out alertsReply
	out.Reply.TotalCount = len(sel)
	out.Reply.Alerts = []Alert{}
	lo, hi, _ := emukit.Page(len(sel), from, to-from, MaxPage)
	for _, a := range sel[lo:hi] {
		out.Reply.Alerts = append(out.Reply.Alerts, a.clone())
	}
	e.mu.Unlock()
	out.Reply.ResultCount = len(out.Reply.Alerts)
	emukit.WriteJSON(w, http.StatusOK, out)
}

// alertOrder sorts by field, then by id so pages are stable; with no
// field, by id (creation order).
func alertOrder(field string, desc bool) func(a, b *Alert) int {
	key := func(a *Alert) int64 {
		switch field {
		case "creation_time":
			return a.DetectionTimestamp
		case "server_creation_time":
			return a.LocalInsertTS
		case "last_modified_ts":
			return a.LastModifiedTS
		case "severity":
			return int64(severityRank[a.Severity])
		}
		return 0
	}
	return func(a, b *Alert) int {
		c := cmp.Compare(key(a), key(b))
		if desc {
			c = -c
		}
		return cmp.Or(c, cmp.Compare(idNum(a.AlertID), idNum(b.AlertID)))
	}
}

func idNum(id string) int64 {
	n, _ := strconv.ParseInt(id, 10, 64)
	return n
}

// Alert returns a copy of an alert.
func (e *Emulator) Alert(id string) (Alert, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return emukit.CopyOf(e.alerts, id, Alert.clone)
}

// Alerts returns copies of every alert, oldest first.
func (e *Emulator) Alerts() []Alert {
	e.mu.Lock()
	defer e.mu.Unlock()
	return emukit.SortedCopies(e.alerts, Alert.clone, func(a, b Alert) int { return cmp.Compare(idNum(a.AlertID), idNum(b.AlertID)) })
}

// ResolutionComment returns an alert's resolution comment, "" when none:
// the only comment a Cortex XDR alert holds.
func (e *Emulator) ResolutionComment(id string) string {
	a, _ := e.Alert(id)
	if a.ResolutionComment == nil {
		return ""
	}
	return *a.ResolutionComment
}

// SetAlertStatus changes an alert's status as an analyst in the console
// would, given in the write vocabulary ("resolved_other").
func (e *Emulator) SetAlertStatus(id, status string) bool {
	read, ok := alertReadStatus[status]
	e.mu.Lock()
	defer e.mu.Unlock()
	a, found := e.alerts[id]
	if !ok || !found {
		return false
	}
	a.ResolutionStatus, a.LastModifiedTS = read, e.stampLocked()
	return true
}
