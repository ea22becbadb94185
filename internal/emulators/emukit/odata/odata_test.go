package odata

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/alertsync/alertsync/internal/emulators/emukit"
)

func TestParseFilter(t *testing.T) {
	t.Parallel()
	ts := time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		in      string
		want    []Clause
		wantErr bool
	}{
		{"", nil, false},
		{"lastUpdateDateTime gt 2024-05-01T10:00:00Z", []Clause{{"lastUpdateDateTime", OpGt, Value{Kind: KindTime, Str: "2024-05-01T10:00:00Z", Time: ts}}}, false},
		{"status eq 'new' and severity ne 'low'", []Clause{
			{"status", OpEq, Value{Kind: KindString, Str: "new"}},
			{"severity", OpNe, Value{Kind: KindString, Str: "low"}},
		}, false},
		{"(serviceSource eq microsoft.graph.security.serviceSource'microsoftDefenderForEndpoint')", []Clause{
			{"serviceSource", OpEq, Value{Kind: KindString, Str: "microsoftDefenderForEndpoint"}},
		}, false},
		{"title eq 'it''s here'", []Clause{{"title", OpEq, Value{Kind: KindString, Str: "it's here"}}}, false},
		{"incidentId EQ 42", []Clause{{"incidentId", OpEq, Value{Kind: KindNumber, Str: "42", Num: 42}}}, false},
		{"assignedTo eq null", []Clause{{"assignedTo", OpEq, Value{Kind: KindNull, Str: "null"}}}, false},
		{"status eq 'new' or status eq 'resolved'", nil, true},
		{"status contains 'x'", nil, true},
		{"status eq", nil, true},
		{"title eq 'open", nil, true},
		{"status eq new", nil, true},
	}
	for _, tt := range tests {
		got, err := ParseFilter(tt.in)
		if (err != nil) != tt.wantErr {
			t.Errorf("%q: err %v", tt.in, err)
			continue
		}
		if err != nil && !errors.Is(err, ErrBadQuery) {
			t.Errorf("%q: error not ErrBadQuery: %v", tt.in, err)
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("%q (-want +got):\n%s", tt.in, diff)
		}
	}
}

func TestClauseMatch(t *testing.T) {
	t.Parallel()
	ts := time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)
	clause := func(s string) Clause {
		c, err := ParseFilter(s)
		if err != nil {
			t.Fatal(err)
		}
		return c[0]
	}
	var nilTime *time.Time
	tests := []struct {
		filter string
		got    any
		fold   bool
		want   bool
	}{
		{"t gt 2024-05-01T09:59:59Z", ts, false, true},
		{"t gt 2024-05-01T10:00:00Z", ts, false, false},
		{"t ge 2024-05-01T10:00:00.000Z", ts, false, true},
		{"t lt '2024-05-01T10:00:01Z'", ts, false, true},
		{"t le 2024-05-01", &ts, false, false},
		{"t eq null", nilTime, false, true},
		{"t gt 2024-05-01", nilTime, false, false},
		{"s eq 'New'", "new", false, false},
		{"s eq 'New'", "new", true, true},
		{"s ne 'x'", "y", false, true},
		{"n ge 3", 3, false, true},
		{"n lt 3", int64(4), false, false},
		{"a eq null", nil, false, true},
		{"a ne null", "x", false, true},
	}
	for _, tt := range tests {
		got, err := clause(tt.filter).Match(tt.got, tt.fold)
		if err != nil || got != tt.want {
			t.Errorf("%q on %v: %v %v, want %v", tt.filter, tt.got, got, err, tt.want)
		}
	}
}

func TestParseQuery(t *testing.T) {
	t.Parallel()
	q, err := ParseQuery(url.Values{"$top": {"10"}, "$skip": {"20"}, "$orderby": {"lastUpdateDateTime asc, id desc"}, "$expand": {"alerts"}, "$count": {"true"}})
	if err != nil {
		t.Fatal(err)
	}
	want := Query{Top: 10, Skip: 20, OrderBy: []OrderBy{{"lastUpdateDateTime", false}, {"id", true}}, Expand: []string{"alerts"}, Count: true}
	if diff := cmp.Diff(want, q); diff != "" {
		t.Fatal(diff)
	}
	if !q.Expands("Alerts") {
		t.Fatal("expands")
	}
	if q, _ := ParseQuery(url.Values{}); q.Top != -1 {
		t.Fatalf("absent top = %d", q.Top)
	}
	for _, bad := range []url.Values{{"$top": {"-1"}}, {"$skip": {"x"}}, {"$orderby": {"a up"}}, {"$count": {"maybe"}}} {
		if _, err := ParseQuery(bad); !errors.Is(err, ErrBadQuery) {
			t.Errorf("%v: %v", bad, err)
		}
	}
}

func TestPageAndNextLink(t *testing.T) {
	t.Parallel()
	if lo, hi, more := emukit.Page(10, 4, 3, 100); lo != 4 || hi != 7 || !more {
		t.Fatal(lo, hi, more)
	}
	if lo, hi, more := emukit.Page(10, 8, -1, 5); lo != 8 || hi != 10 || more {
		t.Fatal(lo, hi, more)
	}
	if lo, hi, more := emukit.Page(3, 8, 2, 5); lo != 3 || hi != 3 || more {
		t.Fatal(lo, hi, more)
	}
	r := httptest.NewRequestWithContext(t.Context(), http.MethodGet, "http://emu.local/v1.0/security/alerts_v2?$filter=status%20eq%20'new'&$top=2", nil)
	got := NextLink(r, "", 2, 2)
	want := "http://emu.local/v1.0/security/alerts_v2?$filter=status+eq+%27new%27&$skip=2&$top=2"
	if got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
	u, err := url.Parse(got)
	if err != nil || u.Query().Get("$filter") != "status eq 'new'" {
		t.Fatalf("round trip: %v %v", u, err)
	}
	if got := NextLink(r, "https://graph.example/", 4, 2); got[:len("https://graph.example/v1.0")] != "https://graph.example/v1.0" {
		t.Fatal(got)
	}
}
