package sentinelone

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/alertsync/alertsync/internal/connector"
	"github.com/alertsync/alertsync/internal/connector/connectortest"
	"github.com/alertsync/alertsync/internal/model"
)

var (
	golden = connectortest.Golden
	ts     = connectortest.Time
)

func TestMapGolden(t *testing.T) {
	t.Parallel()
	tests := []struct {
		file    string
		mapper  func(string, []byte) connector.Item
		want    *model.Alert
		wantErr string
	}{
		{file: "threat_factsheet.json", mapper: mapThreat, want: &model.Alert{
			VendorID: "2299297289741728059", Title: "4a24048f…",
			Description: `Malware threat (malicious) on DESKTOP-2PK4GIN; file \Device\HarddiskVolume4\Users\agent1\Desktop\…; mitigation mitigated; agent external IP 14.143.254.122.`,
			Severity:    model.SeverityHigh, Status: model.StatusNew, RemoteStatus: "unresolved", Source: "SentinelOne Cloud",
			CreatedAt: ts("2025-09-08T10:13:16.375559Z"), UpdatedAt: ts("2025-09-08T10:13:16.621617Z"),
			Entities: model.Entities{Hosts: []string{"desktop-2pk4gin"}, Users: []string{`desktop-2pk4gin\agent1`}, IPs: []string{"192.168.58.138"},
				FileHashes: []string{"06727ffda60359236a8029e0b3e8a0fd11c23313", "4a24048f…"}, Processes: []string{"explorer.exe"}},
		}},
		{file: "threat_demisto_resolved.json", mapper: mapThreat, want: &model.Alert{
			VendorID: "715718962991148224", Title: "Unconfirmed 123490.crdownload",
			Description: `Malware threat (malicious) on EC2AMAZ-AJ0KANC; file \Device\HarddiskVolume1\Users\Administrator\Downloads\Unconfirmed 123490.crdownload; mitigation mitigated.`,
			Severity:    model.SeverityHigh, Status: model.StatusResolved, RemoteStatus: "resolved", Source: "SentinelOne Reputation",
			CreatedAt: ts("2019-09-15T12:05:49.095889Z"), UpdatedAt: ts("2020-04-02T14:52:28.528753Z"),
			Entities: model.Entities{Hosts: []string{"ec2amaz-aj0kanc"}, Users: []string{`ec2amaz-aj0kanc\administrator`},
				FileHashes: []string{"3395856ce81f2b7382dee72602f798b642f14140"}},
		}},
		{file: "cloud_alert_swagger.json", mapper: mapCloudAlert, want: &model.Alert{
			VendorID: "cd:225494730938493804", Title: "Office spawning encoded PowerShell",
			Description: "Encoded PowerShell launched by an Office application STAR rule hit on a Process Creation event.",
			Severity:    model.SeverityHigh, Status: model.StatusInProgress, RemoteStatus: "in_progress", Source: "SentinelOne STAR",
			CreatedAt: ts("2018-02-27T04:49:26.257525Z"), UpdatedAt: ts("2018-02-27T05:02:11Z"),
			Entities: model.Entities{Hosts: []string{"desktop-2pk4gin"}, Users: []string{`desktop-2pk4gin\agent1`}, IPs: []string{"203.0.113.7"},
				FileHashes: []string{"6cbce4a295c163791b60fc23d285e6d84f28ee4c", "de96a6e69944335375dc1ac238336066889d9ffc7d73628ef4fe1b1b160ab32c"},
				Processes:  []string{"powershell.exe", "winword.exe"}},
		}},
		{file: "threat_missing_name.json", mapper: mapThreat, wantErr: "without id or threatName"},
		{file: "threat_bad_time.json", mapper: mapThreat, wantErr: "createdAt"},
		{file: "cloud_alert_no_rule.json", mapper: mapCloudAlert, wantErr: "without alertId or rule name"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			t.Parallel()
			raw := golden(t, tt.file)
			it := tt.mapper("it-1", raw)
			if string(it.Raw) != string(raw) {
				t.Error("Raw is not the payload verbatim")
			}
			if tt.wantErr != "" {
				if it.Err == nil || !strings.Contains(it.Err.Error(), tt.wantErr) || it.Alert != nil || it.VendorID == "" {
					t.Fatalf("got err %v, alert %v, id %q; want error containing %q and the vendor id", it.Err, it.Alert, it.VendorID, tt.wantErr)
				}
				return
			}
			if it.Err != nil {
				t.Fatalf("unexpected error: %v", it.Err)
			}
			tt.want.Integration = "it-1"
			if diff := cmp.Diff(tt.want, it.Alert, cmpopts.IgnoreFields(model.Alert{}, "Raw"), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("alert mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestThreatEntities: an agent in a DNS domain also gives the host's DNS
// name, and a process user of that domain's NetBIOS name its UPN, the
// forms other vendors report, so correlation finds them.
func TestThreatEntities(t *testing.T) {
	t.Parallel()
	tests := []struct {
		domain, user string
		hosts, users []string
	}{
		{"contoso.com", `CONTOSO\jdoe`, []string{"ws-fin-0142", "ws-fin-0142.contoso.com"}, []string{`contoso\jdoe`, "jdoe@contoso.com"}},
		{"WORKGROUP", `WS-FIN-0142\admin`, []string{"ws-fin-0142"}, []string{`ws-fin-0142\admin`}},
		{"corp.contoso.com", `NT AUTHORITY\SYSTEM`, []string{"ws-fin-0142", "ws-fin-0142.corp.contoso.com"}, []string{`nt authority\system`}},
		{"", "", []string{"ws-fin-0142"}, nil},
	}
	for _, tt := range tests {
		var w threatWire
		w.AgentRealtimeInfo.AgentComputerName, w.AgentRealtimeInfo.AgentDomain, w.ThreatInfo.ProcessUser = "WS-FIN-0142", tt.domain, tt.user
		e := threatEntities(w)
		if !cmp.Equal(e.Hosts, tt.hosts, cmpopts.EquateEmpty()) || !cmp.Equal(e.Users, tt.users, cmpopts.EquateEmpty()) {
			t.Errorf("domain %q user %q: hosts %v users %v", tt.domain, tt.user, e.Hosts, e.Users)
		}
	}
}

func TestSeverities(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]model.Severity{"malicious": model.SeverityHigh, "suspicious": model.SeverityMedium, "n/a": model.SeverityUnknown, "odd": model.SeverityUnknown} {
		if got := severityOf(confidences, in); got != want {
			t.Errorf("confidence %q: %s, want %s", in, got, want)
		}
	}
	for in, want := range map[string]model.Severity{"Info": model.SeverityInformational, "LOW": model.SeverityLow, "Critical": model.SeverityCritical} {
		if got := severityOf(ruleSeverities, in); got != want {
			t.Errorf("rule severity %q: %s, want %s", in, got, want)
		}
	}
}
