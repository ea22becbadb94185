package graph

import (
	"encoding/json"
	"fmt"
	"maps"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alertsync/alertsync/internal/connector"
)

// fakeList serves List alerts_v2 from golden payloads in an order of its
// own that has nothing to do with lastUpdateDateTime, as the API
// documents no order a client may rely on. It filters on
// lastUpdateDateTime (ge, le), pages with $top/$skip and @odata.nextLink,
// counts on $count=true, and refuses $orderby. Tests change alerts between
// calls to model a tenant that keeps working while a window is read.
type fakeList struct {
	t        *testing.T
	template map[string]any
	srv      *httptest.Server

	mu      sync.Mutex
	order   []string // service order, first listed first
	updated map[string]time.Time
	toTop   bool // an update moves the alert to the top, like a newest-first list
	queries []url.Values
}

// newFakeList serves n alerts stamped one minute apart before end, listed
// in a seeded shuffle.
func newFakeList(t *testing.T, n int, end time.Time, seed uint64) *fakeList {
	t.Helper()
	b, err := os.ReadFile("testdata/alert_docs.json")
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeList{t: t, updated: map[string]time.Time{}}
	if err := json.Unmarshal(b, &f.template); err != nil {
		t.Fatal(err)
	}
	for i := range n {
		id := fmt.Sprintf("da63755122767756%04d_-961444813", i)
		f.order = append(f.order, id)
		f.updated[id] = end.Add(-time.Duration(n-i) * time.Minute)
	}
	r := rand.New(rand.NewPCG(seed, seed))
	r.Shuffle(len(f.order), func(i, j int) { f.order[i], f.order[j] = f.order[j], f.order[i] })
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

// connector builds a Graph connector against the fake with the hub clock now.
func (f *fakeList) connector(t *testing.T, now func() time.Time, pageSize int) *core {
	t.Helper()
	c, err := connector.Build(Kind, connector.Deps{ID: "it-graph", HTTP: f.srv.Client(), Now: now}, map[string]any{
		"tenant_id": "contoso.onmicrosoft.com", "client_id": "app", "client_secret": "s3cret",
		"token_url": f.srv.URL + "/{tenant}/oauth2/v2.0/token", "api_base": f.srv.URL + "/v1.0",
		"requests_per_minute": 0, "page_size": pageSize, "ingest_incidents": false,
	})
	if err != nil {
		t.Fatal(err)
	}
	return c.(*AlertConnector).core
}

// update stamps the alert at position pos of the service order with at.
func (f *fakeList) update(pos int, at time.Time) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	id := f.order[pos]
	f.updated[id] = at
	if f.toTop {
		f.order = append([]string{id}, slices.Delete(f.order, pos, pos+1)...)
	}
	return id
}

// add lists a new alert at the top.
func (f *fakeList) add(id string, at time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.order = append([]string{id}, f.order...)
	f.updated[id] = at
}

// versions returns every alert's current lastUpdateDateTime.
func (f *fakeList) versions() map[string]time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make(map[string]time.Time, len(f.updated))
	for id, at := range f.updated {
		out[id] = at
	}
	return out
}

func (f *fakeList) serve(w http.ResponseWriter, r *http.Request) {
	if strings.HasSuffix(r.URL.Path, "/oauth2/v2.0/token") {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"token_type":"Bearer","expires_in":3599,"ext_expires_in":3599,"access_token":"fake-token"}`))
		return
	}
	q := r.URL.Query()
	f.mu.Lock()
	defer f.mu.Unlock()
	f.queries = append(f.queries, maps.Clone(q))
	if r.URL.Path != "/v1.0/security/alerts_v2" || q.Has("$orderby") {
		f.t.Errorf("unexpected request %s %s", r.Method, r.URL)
		http.Error(w, `{"error":{"code":"BadRequest","message":"unsupported"}}`, http.StatusBadRequest)
		return
	}
	sel := f.selectLocked(q.Get("$filter"))
	top, _ := strconv.Atoi(q.Get("$top"))
	skip, _ := strconv.Atoi(q.Get("$skip"))
	lo, hi := min(skip, len(sel)), min(skip+top, len(sel))
	out := map[string]any{"@odata.context": f.srv.URL + "/v1.0/$metadata#security/alerts_v2"}
	page := make([]map[string]any, 0, hi-lo)
	for _, id := range sel[lo:hi] {
		page = append(page, f.payloadLocked(id))
	}
	out["value"] = page
	if q.Get("$count") == "true" {
		out["@odata.count"] = len(sel)
	}
	if hi < len(sel) {
		q.Set("$skip", strconv.Itoa(hi))
		out["@odata.nextLink"] = f.srv.URL + r.URL.Path + "?" + q.Encode()
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(out)
}

// selectLocked applies "lastUpdateDateTime ge|le <time>" clauses.
func (f *fakeList) selectLocked(filter string) []string {
	type clause struct {
		op string
		at time.Time
	}
	var cs []clause
	for _, c := range strings.Split(filter, " and ") {
		if c == "" {
			continue
		}
		parts := strings.Fields(c)
		at, err := time.Parse(time.RFC3339Nano, parts[len(parts)-1])
		if len(parts) != 3 || parts[0] != "lastUpdateDateTime" || err != nil || (parts[1] != "ge" && parts[1] != "le") {
			f.t.Errorf("unexpected $filter clause %q", c)
			continue
		}
		cs = append(cs, clause{parts[1], at})
	}
	var out []string
	for _, id := range f.order {
		at := f.updated[id]
		if !slices.ContainsFunc(cs, func(c clause) bool {
			return (c.op == "ge" && at.Before(c.at)) || (c.op == "le" && at.After(c.at))
		}) {
			out = append(out, id)
		}
	}
	return out
}

func (f *fakeList) payloadLocked(id string) map[string]any {
	p := make(map[string]any, len(f.template))
	for k, v := range f.template {
		p[k] = v
	}
	p["id"], p["providerAlertId"] = id, id
	p["lastUpdateDateTime"] = f.updated[id].UTC().Format(time.RFC3339Nano)
	return p
}
