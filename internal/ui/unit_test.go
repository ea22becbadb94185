package ui

import (
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/alertsync/alertsync/internal/api"
	"github.com/alertsync/alertsync/internal/config"
	"github.com/alertsync/alertsync/internal/engine"
	"github.com/alertsync/alertsync/internal/model"
	"github.com/alertsync/alertsync/internal/store"
	"github.com/alertsync/alertsync/internal/store/sqlite"
)

func TestPolicyFormRoundTrip(t *testing.T) {
	t.Parallel()
	cur := engine.DefaultPolicy()
	cur.CommentSync, cur.CloseOnNotAThreat = true, false
	cur.AutoValidate = engine.AutoValidate{Enabled: true, MinSeverity: model.SeverityHigh, MaxActive: 7}
	form := url.Values{}
	names := map[string]bool{}
	for _, f := range policyFields(cur, engine.DefaultPolicy()) {
		names[f.Name] = true
		switch {
		case f.Type == "bool" && f.Checked:
			form.Set(f.Name, "on")
		case f.Type != "bool":
			form.Set(f.Name, f.Value)
		}
	}
	for _, want := range []string{"comment_sync", "close_on_not_a_threat", "close_on_suspicious", "close_on_published_threat",
		"comment_each_pass", "auto_validate.enabled", "auto_validate.min_severity", "auto_validate.max_active"} {
		if !names[want] {
			t.Errorf("the form has no field %s", want)
		}
	}
	got, err := policyFromForm(form)
	if err != nil || got != cur {
		t.Fatalf("round trip = %+v, %v; want %+v", got, err, cur)
	}
}

func TestPolicyFormRefuses(t *testing.T) {
	t.Parallel()
	tests := []url.Values{
		{"auto_validate.max_active": {"0"}},
		{"auto_validate.max_active": {"many"}},
		{"auto_validate.max_active": {"5"}, "auto_validate.min_severity": {"urgent"}},
	}
	for _, form := range tests {
		if _, err := policyFromForm(form); err == nil {
			t.Errorf("%v accepted", form)
		}
	}
}

func TestPolicyDefaultsShown(t *testing.T) {
	t.Parallel()
	fields := policyFields(engine.Policy{}, engine.DefaultPolicy())
	want := map[string]string{"comment_sync": "off", "close_on_not_a_threat": "on", "close_on_published_threat": "on",
		"auto_validate.min_severity": "any", "auto_validate.max_active": fmt.Sprint(engine.DefaultMaxActiveValidations)}
	for _, f := range fields {
		if w, ok := want[f.Name]; ok && f.Default != w {
			t.Errorf("%s default shown %q, want %q", f.Name, f.Default, w)
		}
	}
	if got := labelOf("auto_validate.min_severity"); got != "Auto validate: min severity" {
		t.Errorf("label %q", got)
	}
}

func TestMaxID(t *testing.T) {
	t.Parallel()
	for _, top := range []int64{0, 1, 2, 1023, 1024, 1025, 999_999, 1_000_000} {
		calls := 0
		got, err := maxID(func(after int64) (bool, error) { calls++; return after < top, nil })
		if err != nil || got != top {
			t.Errorf("maxID with %d rows = %d, %v", top, got, err)
		}
		if calls > 50 {
			t.Errorf("maxID with %d rows took %d reads", top, calls)
		}
	}
}

func TestScanPagesWithinBudget(t *testing.T) {
	t.Parallel()
	rows := make([]int64, 20_000)
	for i := range rows {
		rows[i] = int64(i + 1)
	}
	fetch := func(after int64, limit int) ([]int64, error) {
		if after >= int64(len(rows)) {
			return nil, nil
		}
		return rows[after:min(int(after)+limit, len(rows))], nil
	}
	id := func(v int64) int64 { return v }
	tests := []struct {
		name      string
		after     int64
		filtered  bool
		match     func(int64) bool
		first     int64
		items     int
		next      int64
		exhausted bool
	}{
		{"unfiltered", 0, false, nil, 1, pageSize, pageSize, false},
		{"unfiltered last page", 19_990, false, nil, 19_991, 10, 0, false},
		{"every other", 0, true, func(v int64) bool { return v%2 == 0 }, 2, pageSize, 2 * pageSize, false},
		{"rare, budget spent", 0, true, func(v int64) bool { return v%4000 == 0 }, 4000, 1, scanBudget, true},
		{"rare, continued", scanBudget, true, func(v int64) bool { return v%4000 == 0 }, 8000, 1, 2 * scanBudget, true},
		{"none at the end", 19_000, true, func(int64) bool { return false }, 0, 0, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := scan(tt.after, tt.filtered, fetch, id, tt.match)
			if err != nil {
				t.Fatal(err)
			}
			if len(p.Items) != tt.items || p.Next != tt.next || p.Exhausted != tt.exhausted || (tt.items > 0 && p.Items[0] != tt.first) {
				t.Errorf("page = %d items from %v, next %d, exhausted %t; want %d from %d, next %d, %t",
					len(p.Items), p.Items[:min(1, len(p.Items))], p.Next, p.Exhausted, tt.items, tt.first, tt.next, tt.exhausted)
			}
		})
	}
}

func TestSafeNext(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{"/alerts?x=1": "/alerts?x=1", "": "/", "//evil.example": "/", "/\\evil.example": "/",
		"https://evil.example/": "/", "alerts": "/"} {
		if got := safeNext(in); got != want {
			t.Errorf("safeNext(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestSessionsExpire: a session is found by its whole cookie until its
// time is up, and a session's principal must still be configured.
func TestSessionsExpire(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), sqlite.FileName))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	const tok = "vera-session-token-0123456789"
	tokens := api.NewAuthenticator([]api.Token{{Name: "vera", Value: config.NewSecret(tok), Role: api.RoleViewer}}, config.Secret{}, nil)
	s := &sessions{st: st, ttl: time.Hour, now: func() time.Time { return now }, tokens: tokens, users: newUsers(nil, slog.New(slog.DiscardHandler))}
	g := grant{credential: credToken, seed: newSeed()}
	g.who, g.binding, _ = tokens.CheckBound(tok, g.seed)
	id, err := s.create(ctx, g)
	if err != nil {
		t.Fatal(err)
	}
	if se, err := s.get(ctx, id); err != nil || se.who.Name != "vera" || se.csrf == "" || se.tenant != store.DefaultTenant {
		t.Fatalf("fresh session = %+v, %v", se, err)
	}
	home, rest, _ := strings.Cut(id, ".")
	for _, wrong := range []string{id + "x", rest, "acme." + rest, home + ".", ""} {
		if _, err := s.get(ctx, wrong); !errors.Is(err, errNoSession) {
			t.Errorf("cookie %q found a session: %v", wrong, err)
		}
	}
	s.tokens = api.NewAuthenticator([]api.Token{{Name: "vera", Value: config.NewSecret(tok), Role: api.RoleAnalyst}}, config.Secret{}, nil)
	if _, err := s.get(ctx, id); !errors.Is(err, errNoSession) {
		t.Errorf("a session outlived its token's change of role: %v", err)
	}
	s.tokens = tokens
	if _, err := s.get(ctx, id); !errors.Is(err, errNoSession) {
		t.Errorf("a session ended by a config change came back: %v", err)
	}
	id, err = s.create(ctx, g)
	if err != nil {
		t.Fatal(err)
	}
	now = now.Add(time.Hour)
	if _, err := s.get(ctx, id); !errors.Is(err, errNoSession) {
		t.Fatalf("an expired session still works: %v", err)
	}
}

func TestWhyNotSynced(t *testing.T) {
	t.Parallel()
	a := model.Alert{ID: 1, Integration: "cs", Verdict: model.VerdictNotAThreat}
	open := engine.DefaultPolicy()
	open.CloseOnNotAThreat = false
	dead := deliveryView{Delivery: api.Delivery{OutboxItem: store.OutboxItem{ID: 9, Action: engine.ActionSetState, Integration: "cs",
		State: store.OutboxDead, LastError: "vendor said no"}}, Status: "dead"}
	tests := []struct {
		name    string
		alert   model.Alert
		in      engine.Integration
		running bool
		ds      []deliveryView
		waiting string
		ledger  []store.LedgerEntry
		want    string
	}{
		{"not running", a, engine.Integration{}, false, nil, "", nil, "is not running"},
		{"no state sync", a, engine.Integration{Policy: engine.DefaultPolicy()}, true, nil, "", nil, "cannot write state"},
		{"no verdict", model.Alert{Integration: "cs"}, engine.Integration{Policy: engine.DefaultPolicy()}, true, nil, "", nil, "No verdict yet"},
		{"comment sync off", a, engine.Integration{Policy: engine.DefaultPolicy()}, true, nil, "", nil, "Comment sync is off"},
		{"budget", a, engine.Integration{Policy: engine.DefaultPolicy()}, true, nil, "rate budget until 10:00:00Z", nil, "rate budget is spent"},
		{"dead letter", a, engine.Integration{Policy: engine.DefaultPolicy()}, true, []deliveryView{dead}, "", nil, "dead-lettered: vendor said no"},
		{"echo", a, engine.Integration{Policy: engine.DefaultPolicy()}, true, nil, "",
			[]store.LedgerEntry{{Integration: "cs", RemoteStatus: "closed"}}, `Echo suppressed: alertsync wrote "closed"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := reasons(tt.alert, tt.in, tt.running, tt.ds, tt.waiting, tt.ledger)
			if !slices.ContainsFunc(got, func(line string) bool { return strings.Contains(line, tt.want) }) {
				t.Errorf("reasons %q lack %q", got, tt.want)
			}
		})
	}
	if got := reasons(a, engine.Integration{Policy: open}, true, nil, "", nil); !strings.Contains(fmt.Sprint(got), "no state sync") {
		t.Errorf("without a connector: %q", got)
	}
}

func TestChart(t *testing.T) {
	t.Parallel()
	c := newChart("t", "alerts", []string{"a", "b", "c"}, []float64{0, 5, 10})
	if len(c.Bars) != 3 || c.Max != 10 || c.Bars[0].H != 0 || c.Bars[2].H <= c.Bars[1].H || c.First != "a" || c.Last != "c" {
		t.Fatalf("chart = %+v", c)
	}
	if empty := newChart("t", "x", nil, nil); len(empty.Bars) != 0 {
		t.Fatalf("empty chart = %+v", empty)
	}
}

func TestKeptFor(t *testing.T) {
	tests := []struct {
		d    time.Duration
		want string
	}{
		{30 * 24 * time.Hour, "30 days"},
		{24 * time.Hour, "1 day"},
		{36 * time.Hour, "36h0m0s"},
		{90 * time.Minute, "1h30m0s"},
		{0, ""},
	}
	for _, tt := range tests {
		if got := keptFor(tt.d); got != tt.want {
			t.Errorf("keptFor(%v) = %q; want %q", tt.d, got, tt.want)
		}
	}
}
