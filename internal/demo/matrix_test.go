package demo

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/alertsync/alertsync/internal/app"
	"github.com/alertsync/alertsync/internal/config"
	"github.com/alertsync/alertsync/internal/emulators/sentinel"
	"github.com/alertsync/alertsync/internal/model"
	"github.com/alertsync/alertsync/internal/store"
	"github.com/alertsync/alertsync/internal/store/storetest"
)

// matrixPoll is the hub's poll interval in the matrix. The default (30s)
// would make each of the cases below take minutes; every rule is edge-
// triggered on what a poll brings, so the interval changes timings only.
const matrixPoll = 200 * time.Millisecond

// TestReconciliationMatrix walks the seed's six rows, the multi-alert and
// reopen cases and issue 10's findings against the emulators, in several
// orders (a change made before the hub has linked alert and incident, and
// after), on both stores. End states are read from the emulators' own
// state, and every case checks that no write reached a vendor twice.
func TestReconciliationMatrix(t *testing.T) {
	if testing.Short() {
		t.Skip("end to end against the emulators")
	}
	for _, st := range []string{"sqlite", "postgres"} {
		t.Run(st, func(t *testing.T) {
			t.Parallel()
			s := startMatrixHub(t, st)
			for _, c := range matrixCases {
				for _, early := range []bool{false, true} {
					if early && !c.orders {
						continue
					}
					name := c.name
					if early {
						name += "/changed before the hub linked it"
					}
					t.Run(name, func(t *testing.T) {
						t.Parallel()
						c.run(t, &matrix{scenario: s, early: early, prefix: fmt.Sprintf("%s-%t-", c.id, early)})
					})
				}
			}
		})
	}
}

// matrix is one case's view of the shared hub and emulators.
type matrix struct {
	*scenario
	early  bool
	prefix string
}

type matrixCase struct {
	id, name string
	// orders: the case also runs with the change made before the hub has
	// seen the alert and its incident.
	orders bool
	run    func(t *testing.T, m *matrix)
}

var matrixCases = []matrixCase{
	{"row1", "DfC new alert: Active / New / New, linked", false, func(t *testing.T, m *matrix) {
		id := m.alert(t, "a")
		m.await(t, "linked", func() bool { return m.linked(id) })
		m.want(t, id, states{dfc: "Active", sentinelAlert: "New", incident: "New"})
		m.noneTwice(t, id)
	}},
	{"row2", "DfC in progress → incident Active", true, func(t *testing.T, m *matrix) {
		id := m.ownerSets(t, "a", "InProgress")
		m.await(t, "incident Active", func() bool { return m.states(id).incident == "Active" })
		m.want(t, id, states{dfc: "InProgress", sentinelAlert: "InProgress", incident: "Active"})
		m.noneTwice(t, id)
	}},
	{"row3", "DfC dismissed → incident Closed BenignPositive", true, func(t *testing.T, m *matrix) {
		id := m.ownerSets(t, "a", "Dismissed")
		m.await(t, "incident Closed", func() bool { return m.states(id).incident == "Closed" })
		m.want(t, id, states{dfc: "Dismissed", sentinelAlert: "Dismissed", incident: "Closed", class: "BenignPositive", reason: "SuspiciousButExpected"})
		m.noneTwice(t, id)
	}},
	{"row4", "DfC resolved → incident Closed TruePositive", true, func(t *testing.T, m *matrix) {
		id := m.ownerSets(t, "a", "Resolved")
		m.await(t, "incident Closed", func() bool { return m.states(id).incident == "Closed" })
		m.want(t, id, states{dfc: "Resolved", sentinelAlert: "Resolved", incident: "Closed", class: "TruePositive", reason: "SuspiciousActivity"})
		m.noneTwice(t, id)
	}},
	{"row5", "incident Active → DfC alert InProgress (feedback to the owner)", false, func(t *testing.T, m *matrix) {
		id := m.linkedAlert(t, "a")
		m.analyst(t, id, func(p *sentinel.IncidentProperties) { p.Status = sentinel.StatusActive })
		m.await(t, "DfC InProgress", func() bool { return m.states(id).dfc == "InProgress" })
		m.settle()
		m.want(t, id, states{dfc: "InProgress", sentinelAlert: "InProgress", incident: "Active"})
		if n := m.dfcPosts(id); n != 1 {
			t.Fatalf("%d writes to the DfC alert, want 1", n)
		}
		m.noneTwice(t, id)
	}},
	{"row6", "incident Closed → DfC alert Resolved by Sentinel itself, no redundant write", false, func(t *testing.T, m *matrix) {
		id := m.linkedAlert(t, "a")
		m.analyst(t, id, func(p *sentinel.IncidentProperties) {
			p.Status, p.Classification, p.ClassificationReason = sentinel.StatusClosed, "TruePositive", "SuspiciousActivity"
		})
		m.await(t, "DfC Resolved", func() bool { return m.states(id).dfc == "Resolved" })
		m.await(t, "nothing pending", func() bool { return m.pendingActions() == 0 })
		m.settle()
		if n := m.dfcPosts(id); n != 0 {
			t.Fatalf("%d writes to a DfC alert Sentinel had resolved itself", n)
		}
		m.want(t, id, states{dfc: "Resolved", sentinelAlert: "Resolved", incident: "Closed", class: "TruePositive", reason: "SuspiciousActivity"})
	}},
	{"multi", "two-alert incident waits for both, then closes once", false, func(t *testing.T, m *matrix) {
		a, b := m.linkedAlert(t, "a"), m.linkedAlert(t, "b")
		m.relate(t, b, m.incidentName(a))
		m.await(t, "both members", func() bool { return m.members(t, m.incidentName(a)) == 2 })
		m.ownerSetsExisting(t, a, "Resolved")
		m.settle()
		if st := m.states(a); st.incident != "New" {
			t.Fatalf("closed a two-alert incident while one alert is New: %s", st)
		}
		m.ownerSetsExisting(t, b, "Dismissed")
		m.await(t, "incident Closed", func() bool { return m.states(a).incident == "Closed" })
		m.want(t, a, states{dfc: "Resolved", sentinelAlert: "Resolved", incident: "Closed", class: "TruePositive", reason: "SuspiciousActivity"})
		m.noneTwice(t, a)
	}},
	{"second", "an alert related to a second incident reconciles both", false, func(t *testing.T, m *matrix) {
		x, y := m.linkedAlert(t, "x"), m.linkedAlert(t, "y")
		second := m.incidentName(y)
		m.relate(t, x, second)
		m.unrelate(t, y, second) // x is now the second incident's only alert
		m.await(t, "x in both incidents", func() bool { return m.incidentsOf(t, x) == 2 })
		m.ownerSetsExisting(t, x, "Dismissed")
		for _, inc := range []string{m.incidentName(x), second} {
			m.await(t, inc+" Closed", func() bool { in, _ := m.w.sentinel.Incident(inc); return in.Properties.Status == "Closed" })
			if in, _ := m.w.sentinel.Incident(inc); in.Properties.Classification != "BenignPositive" {
				t.Fatalf("incident %s closed as %s", inc, in.Properties.Classification)
			}
		}
		m.noneTwice(t, x)
	}},
	{"reopen", "an analyst's reopen stands until the alert changes again", false, func(t *testing.T, m *matrix) {
		id := m.linkedAlert(t, "a")
		m.ownerSetsExisting(t, id, "Resolved")
		m.await(t, "incident Closed", func() bool { return m.states(id).incident == "Closed" })
		m.analyst(t, id, func(p *sentinel.IncidentProperties) {
			p.Status, p.Classification, p.ClassificationReason = sentinel.StatusActive, "", ""
		})
		m.settle()
		m.settle()
		if st := m.states(id); st.incident != "Active" || st.dfc != "Resolved" {
			t.Fatalf("after the analyst's reopen: %s", st)
		}
		m.noneTwice(t, id)
	}},
	{"verdict", "a verdict in alertsync dismisses the alert and closes its incident as benign", false, func(t *testing.T, m *matrix) {
		id := m.linkedAlert(t, "a")
		a, err := m.app.Store().AlertGetByVendor(m.ctx, "dfc", id)
		if err != nil {
			t.Fatal(err)
		}
		if err := m.verdict(a, model.VerdictNotAThreat, false, "benign admin activity"); err != nil {
			t.Fatal(err)
		}
		m.await(t, "incident Closed", func() bool { return m.states(id).incident == "Closed" })
		m.await(t, "DfC Dismissed", func() bool { return m.states(id).dfc == "Dismissed" })
		m.want(t, id, states{dfc: "Dismissed", sentinelAlert: "Dismissed", incident: "Closed", class: "BenignPositive", reason: "SuspiciousButExpected"})
		m.noneTwice(t, id)
	}},
}

func startMatrixHub(t *testing.T, storeName string) *scenario {
	t.Helper()
	ctx := context.Background()
	w, err := newWorld(slog.New(slog.DiscardHandler), map[string]int{"graph": 1, "mde": 1}, "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.close)
	cfg := hubConfig(w, Options{DataDir: t.TempDir(), Listen: "127.0.0.1:0", PollInterval: matrixPoll})
	if storeName == "postgres" {
		cfg.Store = config.StoreConfig{Driver: "postgres", DSN: config.NewSecret(storetest.PostgresSchemaDSN(t))}
	}
	a, err := app.New(ctx, cfg, app.Options{Logger: slog.New(slog.DiscardHandler), HTTPClient: &http.Client{Timeout: 30 * time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = a.Stop(context.Background()) })
	return &scenario{ctx: ctx, app: a, tenant: model.DefaultTenant, st: a.Store(), eng: a.Engine(), w: w, poll: matrixPoll, sum: &Summary{}}
}

func (m *matrix) await(t *testing.T, what string, cond func() bool) {
	t.Helper()
	if _, ok := m.waitUntil(30*time.Second, cond); !ok {
		t.Fatalf("not in time: %s", what)
	}
}

// alert raises a new Defender for Cloud alert (Sentinel makes its incident).
func (m *matrix) alert(t *testing.T, suffix string) string {
	t.Helper()
	id, err := m.newDfCAlert(m.prefix+suffix, "Suspicious activity "+m.prefix+suffix)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// linkedAlert raises an alert and waits until the hub has linked it.
func (m *matrix) linkedAlert(t *testing.T, suffix string) string {
	t.Helper()
	id := m.alert(t, suffix)
	m.await(t, "alert linked", func() bool { return m.linked(id) })
	return id
}

// ownerSets raises an alert and has its owner set status: at once when
// the case runs early, else after the hub linked it.
func (m *matrix) ownerSets(t *testing.T, suffix, status string) string {
	t.Helper()
	id := m.alert(t, suffix)
	if !m.early {
		m.await(t, "alert linked", func() bool { return m.linked(id) })
	}
	m.ownerSetsExisting(t, id, status)
	return id
}

func (m *matrix) ownerSetsExisting(t *testing.T, id, status string) {
	t.Helper()
	if err := m.w.dfc.SetAlertStatus(id, status); err != nil {
		t.Fatal(err)
	}
}

func (m *matrix) analyst(t *testing.T, id string, edit func(p *sentinel.IncidentProperties)) {
	t.Helper()
	if _, err := m.w.sentinel.UpdateIncidentAsAnalyst(m.ctx, m.incidentName(id), "soc-analyst@contoso.com", edit); err != nil {
		t.Fatal(err)
	}
}

// relate relates an alert to an incident the documented way (a relation).
func (m *matrix) relate(t *testing.T, id, incident string) {
	t.Helper()
	if _, _, err := m.w.sentinel.PutRelation(incident, "rel-"+strings.ReplaceAll(id, "_", "-"), nil, m.w.sentinel.AlertResourceID(id), "soc-analyst@contoso.com"); err != nil {
		t.Fatal(err)
	}
}

// unrelate deletes every relation of the incident that points at the alert.
func (m *matrix) unrelate(t *testing.T, id, incident string) {
	t.Helper()
	rels, err := m.w.sentinel.Relations(incident)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rels {
		if strings.EqualFold(r.Properties.RelatedResourceID, m.w.sentinel.AlertResourceID(id)) {
			if err := m.w.sentinel.DeleteRelation(incident, r.Name, "soc-analyst@contoso.com"); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// members is how many alerts the hub lists for the Sentinel incident.
func (m *matrix) members(t *testing.T, incident string) int {
	in, err := m.app.Store().IncidentGetByVendor(m.ctx, "sentinel", incident)
	if err != nil {
		return 0
	}
	return len(in.AlertIDs)
}

// incidentsOf is how many incidents the hub lists the alert in.
func (m *matrix) incidentsOf(t *testing.T, id string) int {
	a, err := m.app.Store().AlertGetByVendor(m.ctx, "dfc", id)
	if err != nil {
		return 0
	}
	ms, err := m.app.Store().MembershipList(m.ctx, store.MembershipListParams{AlertID: a.ID})
	if err != nil {
		t.Fatal(err)
	}
	return len(ms)
}

func (m *matrix) want(t *testing.T, id string, want states) {
	t.Helper()
	if got := m.states(id); got != want {
		t.Fatalf("end state: %s\n want: %s", got, want)
	}
}

// dfcPosts counts the hub's state actions on one Defender for Cloud alert.
func (m *matrix) dfcPosts(id string) int {
	n := 0
	for _, r := range m.w.dfc.Requests() {
		if r.Method == http.MethodPost && strings.Contains(r.Path, "/alerts/"+id+"/") {
			n++
		}
	}
	return n
}

// noneTwice checks that the hub wrote each thing at most once: one state
// action per status on the alert, one PUT per status on its incidents,
// and no comment posted twice.
func (m *matrix) noneTwice(t *testing.T, id string) {
	t.Helper()
	seen := map[string]int{}
	for _, r := range m.w.dfc.Requests() {
		if r.Method == http.MethodPost && strings.Contains(r.Path, "/alerts/"+id+"/") {
			seen["dfc "+r.Path[strings.LastIndex(r.Path, "/"):]]++
		}
	}
	for _, inc := range m.w.sentinel.IncidentsForAlert(id) {
		for _, r := range m.w.sentinel.Requests() {
			if r.Method == http.MethodPut && strings.HasSuffix(r.Path, "/incidents/"+inc.Name) && r.Status < 300 {
				seen[fmt.Sprintf("sentinel %s %s", inc.Name, statusOf(r.Body))]++
			}
		}
		comments := map[string]int{}
		for _, c := range m.w.sentinel.Comments(inc.Name) {
			comments[c.Properties.Message]++
			if comments[c.Properties.Message] > 1 {
				t.Fatalf("comment posted twice on %s: %q", inc.Name, c.Properties.Message)
			}
		}
	}
	for what, n := range seen {
		if n > 1 {
			t.Fatalf("%s written %d times", what, n)
		}
	}
}

// statusOf reads the status a Sentinel incident PUT body writes.
func statusOf(body []byte) string {
	s := string(body)
	i := strings.Index(s, `"status":"`)
	if i < 0 {
		return ""
	}
	s = s[i+len(`"status":"`):]
	return s[:max(0, strings.IndexByte(s, '"'))]
}
