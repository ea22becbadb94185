package defendercloud

import (
	"fmt"
	"net/http"
	"net/url"

	"github.com/alertsync/alertsync/internal/emulators/emukit"
	"github.com/alertsync/alertsync/internal/emulators/emukit/arm"
)

// pathLiterals are the fixed path segments, matched case-insensitively.
var pathLiterals = []string{
	"subscriptions", "resourceGroups", "providers", "Microsoft.Security", "locations", "alerts",
	"activate", "dismiss", "resolve", "inProgress", "default", "simulate", "operationResults",
}

const (
	subPath = "/subscriptions/{sub}/providers/Microsoft.Security"
	rgPath  = "/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Security"
)

func (e *Emulator) routes() http.Handler {
	mux := http.NewServeMux()
	for _, base := range []string{subPath, rgPath} {
		mux.HandleFunc("GET "+base+"/alerts", e.handleList)
		mux.HandleFunc("GET "+base+"/locations/{loc}/alerts", e.handleList)
		mux.HandleFunc("GET "+base+"/locations/{loc}/alerts/{name}", e.handleGet)
		mux.HandleFunc("POST "+base+"/locations/{loc}/alerts/{name}/{action}", e.handleAction)
	}
	// Alerts_Simulate exists at subscription scope only; the same path under
	// a resource group falls to handleAction and its 404.
	mux.HandleFunc("POST "+subPath+"/locations/{loc}/alerts/default/simulate", e.handleSimulate)
	mux.HandleFunc("GET "+subPath+"/locations/{loc}/operationResults/{op}", e.handleOperationResult)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		arm.WriteCloudError(w, http.StatusNotFound, "NotFound",
			fmt.Sprintf("The requested path '%s' with method '%s' is not served by Microsoft.Security/alerts.", r.URL.Path, r.Method))
	})
	return mux
}

// scopeOf reads the scope from the path, answering 400 for a bad
// subscription id.
func scopeOf(w http.ResponseWriter, r *http.Request) (scope, bool) {
	s := scope{sub: r.PathValue("sub"), rg: r.PathValue("rg"), loc: r.PathValue("loc")}
	return s, arm.ValidSubscription(w, s.sub)
}

// alertList is the AlertList page body.
type alertList struct {
	Value    []Alert `json:"value"`
	NextLink string  `json:"nextLink,omitempty"`
}

func (e *Emulator) handleList(w http.ResponseWriter, r *http.Request) {
	s, ok := scopeOf(w, r)
	if !ok {
		return
	}
	offset, err := arm.DecodeSkipToken(r.URL.Query().Get("$skipToken"))
	if err != nil {
		arm.WriteCloudError(w, http.StatusBadRequest, "InvalidSkipToken", "The skip token is invalid.")
		return
	}
	all := e.selectAlerts(s)
	lo, hi, more := emukit.Page(len(all), offset, e.opts.PageSize, e.opts.PageSize)
	page := alertList{Value: all[lo:hi]}
	if page.Value == nil {
		page.Value = []Alert{}
	}
	if more {
		page.NextLink = arm.SkipTokenLink(r, url.Values{"api-version": {APIVersion}}, hi)
	}
	emukit.WriteJSON(w, http.StatusOK, page)
}

func (e *Emulator) handleGet(w http.ResponseWriter, r *http.Request) {
	s, ok := scopeOf(w, r)
	if !ok {
		return
	}
	a, found := e.lookup(s, r.PathValue("name"))
	if !found {
		writeNotFound(w, r.PathValue("name"))
		return
	}
	emukit.WriteJSON(w, http.StatusOK, a)
}

// handleAction serves the four state-change POSTs: no body, 204.
func (e *Emulator) handleAction(w http.ResponseWriter, r *http.Request) {
	s, ok := scopeOf(w, r)
	if !ok {
		return
	}
	status, known := actionStatus[r.PathValue("action")]
	if !known {
		arm.WriteCloudError(w, http.StatusNotFound, "NotFound",
			fmt.Sprintf("The requested path '%s' with method '%s' is not served by Microsoft.Security/alerts.", r.URL.Path, r.Method))
		return
	}
	name := r.PathValue("name")
	a, found := e.lookup(s, name)
	if !found {
		writeNotFound(w, name)
		return
	}
	if err := e.SetAlertStatus(name, status); err != nil {
		writeNotFound(w, name)
		return
	}
	e.ledger.State("alert", a.Properties.SystemAlertID, map[string]string{"status": status})
	w.WriteHeader(http.StatusNoContent)
}

func writeNotFound(w http.ResponseWriter, name string) {
	arm.WriteCloudError(w, http.StatusNotFound, "NotFound", fmt.Sprintf("Alert '%s' was not found.", name))
}
