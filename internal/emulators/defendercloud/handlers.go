package defendercloud

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/alertsync/alertsync/internal/emulators/emukit"
)

// pathLiterals are the fixed path segments, matched case-insensitively.
var pathLiterals = []string{
	"subscriptions", "resourceGroups", "providers", "Microsoft.Security", "locations", "alerts",
	"activate", "dismiss", "resolve", "inProgress",
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
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "NotFound",
			fmt.Sprintf("The requested path '%s' with method '%s' is not served by Microsoft.Security/alerts.", r.URL.Path, r.Method))
	})
	return mux
}

// scopeOf reads the scope from the path, answering 400 for a bad
// subscription id.
func scopeOf(w http.ResponseWriter, r *http.Request) (scope, bool) {
	s := scope{sub: r.PathValue("sub"), rg: r.PathValue("rg"), loc: r.PathValue("loc")}
	return s, validSubscription(w, s.sub)
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
	offset, err := decodeSkipToken(r.URL.Query().Get("$skipToken"))
	if err != nil {
		writeError(w, http.StatusBadRequest, "InvalidSkipToken", "The skip token is invalid.")
		return
	}
	all := e.selectAlerts(s)
	lo := min(offset, len(all))
	hi := min(lo+e.opts.PageSize, len(all))
	page := alertList{Value: all[lo:hi]}
	if page.Value == nil {
		page.Value = []Alert{}
	}
	if hi < len(all) {
		page.NextLink = nextLink(r, hi)
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
		writeError(w, http.StatusNotFound, "NotFound",
			fmt.Sprintf("The requested path '%s' with method '%s' is not served by Microsoft.Security/alerts.", r.URL.Path, r.Method))
		return
	}
	name := r.PathValue("name")
	if _, found := e.lookup(s, name); !found {
		writeNotFound(w, name)
		return
	}
	if err := e.SetAlertStatus(name, status); err != nil {
		writeNotFound(w, name)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func writeNotFound(w http.ResponseWriter, name string) {
	writeError(w, http.StatusNotFound, "NotFound", fmt.Sprintf("Alert '%s' was not found.", name))
}

// nextLink is the absolute URL of the page starting at offset.
func nextLink(r *http.Request, offset int) string {
	q := url.Values{}
	q.Set("api-version", APIVersion)
	q.Set("$skipToken", base64.RawURLEncoding.EncodeToString([]byte("o:"+strconv.Itoa(offset))))
	return emukit.RequestBase(r, "") + r.URL.Path + "?" + strings.ReplaceAll(q.Encode(), "%24", "$")
}

func decodeSkipToken(tok string) (int, error) {
	if tok == "" {
		return 0, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil {
		return 0, fmt.Errorf("decode skip token: %w", err)
	}
	n, err := strconv.Atoi(strings.TrimPrefix(string(b), "o:"))
	if err != nil || n < 0 || !strings.HasPrefix(string(b), "o:") {
		return 0, fmt.Errorf("decode skip token %q: bad offset", tok)
	}
	return n, nil
}
