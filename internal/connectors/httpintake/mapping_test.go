package httpintake

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/alertsync/alertsync/internal/connector"
	"github.com/alertsync/alertsync/internal/connector/connectortest"
	"github.com/alertsync/alertsync/internal/model"
)

var testNow = time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)

var golden = connectortest.Golden

func TestMappingGolden(t *testing.T) {
	t.Parallel()
	nested := map[string]string{
		"vendor_id": "kibana.alert.uuid", "title": "kibana.alert.rule.name", "severity": "kibana.alert.severity",
		"status": "kibana.alert.workflow_status", "created_at": "@timestamp", "updated_at": "event.ingested",
		"hosts": "devices.hostname", "users": "related.user", "ips": "related.ip", "processes": "process.name",
	}
	tests := []struct {
		file                string
		fields, sevs, stats map[string]string
		want                *model.Alert
		wantErr, wantID     string
	}{
		{file: "default_fields.json", want: &model.Alert{
			VendorID: "ALR-1001", Title: "Suspicious PowerShell download cradle",
			Description: "powershell.exe fetched and executed a remote script",
			Severity:    model.SeverityHigh, Status: model.StatusInProgress, RemoteStatus: "In Progress", Source: "edr",
			CreatedAt: time.Date(2026, 11, 20, 8, 15, 0, 0, time.UTC),
			UpdatedAt: time.Date(2026, 11, 20, 8, 0, 30, 5e8, time.UTC),
			Entities: model.Entities{
				Hosts: []string{"ws-042.corp.example"}, Users: []string{`corp\alice`}, IPs: []string{"10.0.4.2"},
				FileHashes: []string{"d41d8cd98f00b204e9800998ecf8427e"}, Processes: []string{"powershell.exe"},
			},
		}},
		{file: "nested_vendor.json", fields: nested, want: &model.Alert{
			VendorID: "0b5c3e5f-7c2a-4f0a-9d0e-2f1e8c3a9b11", Title: "Credential dumping via LSASS access",
			Severity: model.SeverityCritical, Status: model.StatusInProgress, RemoteStatus: "acknowledged",
			CreatedAt: time.UnixMilli(1763626500123).UTC(), UpdatedAt: time.Unix(1763626560, 0).UTC(),
			Entities: model.Entities{
				Hosts: []string{"dc-01", "dc-02"}, Users: []string{"administrator", "svc_backup"},
				IPs: []string{"192.0.2.10", "192.0.2.11"}, Processes: []string{"procdump64.exe"},
			},
		}},
		{file: "minimal.json", want: &model.Alert{
			VendorID: "42", Title: "Port scan detected", Severity: model.SeverityUnknown, Status: model.StatusNew,
			CreatedAt: testNow, UpdatedAt: testNow,
		}},
		{file: "unknown_severity.json", sevs: map[string]string{"SEV-9": "Info"}, want: &model.Alert{
			VendorID: "X-3", Title: "Odd severity", Severity: model.SeverityInformational, Status: model.StatusNew,
			CreatedAt: testNow, UpdatedAt: testNow,
		}},
		{file: "unknown_status.json", stats: map[string]string{"parked": "dismissed"}, want: &model.Alert{
			VendorID: "X-4", Title: "Odd status", Severity: model.SeverityUnknown, Status: model.StatusSuppressed,
			RemoteStatus: "parked", CreatedAt: testNow, UpdatedAt: testNow,
		}},
		{file: "default_fields.json", fields: map[string]string{"vendor_id": "uuid"}, wantErr: `no vendor_id at "uuid"`},
		{file: "missing_title.json", wantErr: `no title at "title"`, wantID: "X-1"},
		{file: "bad_time.json", wantErr: "unparseable timestamp", wantID: "X-2"},
		{file: "unknown_severity.json", wantErr: `unknown severity "sev-9"`, wantID: "X-3"},
		{file: "unknown_status.json", wantErr: `unknown status "parked"`, wantID: "X-4"},
		{file: "object_id.json", wantErr: "not a string or number"},
	}
	for _, tt := range tests {
		t.Run(tt.file+tt.wantErr, func(t *testing.T) {
			t.Parallel()
			m, err := NewMapping(tt.fields, tt.sevs, tt.stats)
			if err != nil {
				t.Fatal(err)
			}
			raw := golden(t, tt.file)
			it := m.Item("it-1", raw, testNow)
			if string(it.Raw) != string(raw) {
				t.Error("Raw is not the payload verbatim")
			}
			if tt.wantErr != "" {
				if it.Err == nil || !strings.Contains(it.Err.Error(), tt.wantErr) || it.Alert != nil || it.VendorID != tt.wantID {
					t.Errorf("got err %v, alert %v, vendor id %q; want error containing %q and vendor id %q", it.Err, it.Alert, it.VendorID, tt.wantErr, tt.wantID)
				}
				return
			}
			if it.Err != nil {
				t.Fatalf("Item: %v", it.Err)
			}
			tt.want.Integration = "it-1"
			if diff := cmp.Diff(tt.want, it.Alert, cmpopts.IgnoreFields(model.Alert{}, "Raw")); diff != "" {
				t.Errorf("alert mismatch (-want +got):\n%s", diff)
			}
			if it.VendorID != tt.want.VendorID {
				t.Errorf("item VendorID %q, want %q", it.VendorID, tt.want.VendorID)
			}
		})
	}
}

func TestNewMappingRejects(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name                string
		fields, sevs, stats map[string]string
		field               string
	}{
		{"unknown field", map[string]string{"colour": "c"}, nil, nil, "field_map"},
		{"empty path", map[string]string{"title": " "}, nil, nil, "field_map"},
		{"bad severity", nil, map[string]string{"p1": "urgent"}, nil, "severity_map"},
		{"bad status", nil, nil, map[string]string{"x": "archived"}, "status_map"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := NewMapping(tt.fields, tt.sevs, tt.stats)
			var fe *connector.FieldError
			if !errors.As(err, &fe) || fe.Field != tt.field {
				t.Errorf("err = %v, want a FieldError for %s", err, tt.field)
			}
		})
	}
}

func TestSplitPayload(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, body string
		want       int
		wantErr    bool
	}{
		{"object", `{"id":"1"}`, 1, false},
		{"array", ` [{"id":"1"},{"id":"2"}] `, 2, false},
		{"envelope", `{"alerts":[{"id":"1"},{"id":"2"},{"id":"3"}]}`, 3, false},
		{"alerts not an array", `{"id":"1","alerts":"many"}`, 1, false},
		{"empty array", `[]`, 0, false},
		{"malformed", `{"id":`, 0, true},
		{"scalar", `"hello"`, 0, true},
		{"empty", ``, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := splitPayload([]byte(tt.body))
			if (err != nil) != tt.wantErr || len(got) != tt.want {
				t.Errorf("got %d items, err %v; want %d, error %v", len(got), err, tt.want, tt.wantErr)
			}
			if err != nil && connector.ClassOf(err) != connector.ClassPermanent {
				t.Errorf("class = %q, want permanent", connector.ClassOf(err))
			}
		})
	}
}

func TestParseTime(t *testing.T) {
	t.Parallel()
	want := time.Date(2025, 11, 20, 8, 15, 0, 0, time.UTC) // 1763626500
	tests := []struct {
		in      any
		wantErr bool
	}{
		{"2025-11-20T08:15:00Z", false},
		{"2025-11-20T09:15:00+01:00", false},
		{"2025-11-20T08:15:00", false},
		{"2025-11-20 08:15:00", false},
		{json.Number("1763626500.0"), false},
		{json.Number("1763626500"), false},
		{json.Number("1763626500000"), false},
		{"1763626500", false},
		{"20/11/2026", true},
		{true, true},
		{json.Number("-1"), true},
	}
	for _, tt := range tests {
		got, err := parseTime(tt.in)
		if tt.wantErr {
			if err == nil {
				t.Errorf("parseTime(%v) = %v, want an error", tt.in, got)
			}
			continue
		}
		if err != nil || !got.Equal(want) {
			t.Errorf("parseTime(%v) = %v, %v; want %v", tt.in, got, err, want)
		}
	}
}

// TestItemVendorIDPolicy checks that an id that cannot be stored or
// written back as sent fails its item (which the engine quarantines) under
// a readable id, while odd but valid ids map.
func TestItemVendorIDPolicy(t *testing.T) {
	t.Parallel()
	m, err := NewMapping(nil, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, raw, wantID string
		wantErr           bool
	}{
		{"plain", `{"id":"A-1","title":"t"}`, "A-1", false},
		{"spaces, unicode, control chars", `{"id":"id with spaces ünï \u0007\t end","title":"t"}`, "id with spaces ünï \a\t end", false},
		{"escaped replacement char in valid UTF-8", `{"id":"a\ufffdb","title":"t"}`, "a\ufffdb", false},
		{"invalid UTF-8 elsewhere", "{\"id\":\"A-2\",\"title\":\"\xff\"}", "A-2", false},
		{"escaped NUL", `{"id":"a\u0000b","title":"t"}`, "a\ufffdb", true},
		{"invalid UTF-8", "{\"id\":\"a\xffb\",\"title\":\"t\"}", "a\ufffdb", true},
		{"over the limit", `{"id":"` + strings.Repeat("v", model.MaxVendorIDLen+1) + `","title":"t"}`, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			it := m.Item("it-1", json.RawMessage(tt.raw), testNow)
			if (it.Err != nil) != tt.wantErr || (tt.wantErr && it.Alert != nil) {
				t.Fatalf("item err %v alert %v, want error %v", it.Err, it.Alert != nil, tt.wantErr)
			}
			if tt.wantID != "" && it.VendorID != tt.wantID {
				t.Errorf("vendor id %q, want %q", it.VendorID, tt.wantID)
			}
			if model.CheckText("vendor id", it.VendorID, model.MaxVendorIDLen) != nil {
				t.Errorf("item carries an unstorable vendor id %q", it.VendorID)
			}
		})
	}
}
