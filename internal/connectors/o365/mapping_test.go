package o365

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/alertsync/alertsync/internal/connector/connectortest"
	"github.com/alertsync/alertsync/internal/model"
)

var (
	golden = connectortest.Golden
	ts     = connectortest.Time
)

func TestMapRecordGolden(t *testing.T) {
	t.Parallel()
	adele := []string{"adele.vance", "adele.vance@contoso.com"}
	tests := []struct {
		file, ct string
		want     *model.Evidence
		wantErr  string
	}{
		{file: "record_factsheet.json", ct: "Audit.AzureActiveDirectory", want: &model.Evidence{
			VendorID: "80c76bd2-9d81-4c57-a97a-accfc3443dca", Operation: "PasswordLogonInitialAuthUsingPassword", Result: "failed",
			Summary:    "Sign-in failed for admin@contoso.onmicrosoft.com from 134.170.188.221 (PasswordLogonInitialAuthUsingPassword)",
			OccurredAt: ts("2015-06-29T20:03:19Z"),
			Entities:   model.Entities{Users: []string{"admin", "admin@contoso.onmicrosoft.com"}, IPs: []string{"134.170.188.221"}},
		}},
		{file: "record_sts_logon_failed.json", ct: "Audit.AzureActiveDirectory", want: &model.Evidence{
			VendorID: "7f0c1b2d-3e4a-4c5b-8d6e-9f0a1b2c3d4e", Operation: "UserLoginFailed", Result: "Succeeded",
			Summary:    "Sign-in failed for adele.vance@contoso.com from 45.1.2.3 (UserLoginFailed: InvalidUserNameOrPassword)",
			OccurredAt: ts("2024-03-04T09:58:47Z"), Entities: model.Entities{Users: adele, IPs: []string{"45.1.2.3"}},
		}},
		{file: "record_exchange_new_inboxrule.json", ct: "Audit.Exchange", want: &model.Evidence{
			VendorID: "5b3c0a7e-4f1d-4c39-9a6e-08dc3c1f2a11", Operation: "New-InboxRule", Result: "True",
			Summary:    "Inbox rule created by Adele.Vance@contoso.com from 134.170.188.221 (New-InboxRule: forward to invoices.archive@mailbox.example)",
			OccurredAt: ts("2024-03-04T10:15:22Z"), Entities: model.Entities{Users: adele, IPs: []string{"134.170.188.221"}},
		}},
		{file: "record_exchange_set_inboxrule_ipv6.json", ct: "Audit.Exchange", want: &model.Evidence{
			VendorID: "0e9d4c61-2a7b-4f0e-b3c5-08dc3c1f2b27", Operation: "Set-InboxRule", Result: "True",
			Summary:    "Inbox rule changed by adele.vance@contoso.com from 2001:db8:85a3::8a2e:370:7334 (Set-InboxRule: move to RSS Feeds)",
			OccurredAt: ts("2024-03-04T10:17:05Z"), Entities: model.Entities{Users: adele, IPs: []string{"2001:db8:85a3::8a2e:370:7334"}},
		}},
		{file: "record_exchange_set_mailbox.json", ct: "Audit.Exchange", want: &model.Evidence{
			VendorID: "9a7f2c3e-61b4-4d2a-8c0e-08dc3c1f2c90", Operation: "Set-Mailbox", Result: "True",
			Summary:    "Mailbox forwarding set by admin@contoso.onmicrosoft.com from 134.170.188.221 (Set-Mailbox: forward to adele.private@freemail.example)",
			OccurredAt: ts("2024-03-04T10:20:41Z"),
			Entities:   model.Entities{Users: []string{"admin", "admin@contoso.onmicrosoft.com"}, IPs: []string{"134.170.188.221"}},
		}},
		{file: "record_sharepoint_filedownloaded.json", ct: "Audit.SharePoint", want: &model.Evidence{
			VendorID: "c4a9e2f7-8d31-4b6a-a0f2-08dc3c2a9d54", Operation: "FileDownloaded",
			Summary:    "File downloaded by adele.vance@contoso.com from 2001:db8::25 (FileDownloaded: /sites/finance/Shared Documents/Q3 forecast.xlsx)",
			OccurredAt: ts("2024-03-04T11:02:13Z"), Entities: model.Entities{Users: adele, IPs: []string{"2001:db8::25"}},
		}},
		{file: "record_alert_triggered.json", ct: "Audit.General", want: &model.Evidence{
			VendorID: "2b6f8e0a-4c1d-4e9f-b7a3-5d2c0e8f1a64", Operation: "AlertTriggered", Result: "Succeeded",
			Summary: "Alert triggered: Creation of forwarding/redirect rule (Medium, Active)", OccurredAt: ts("2024-03-04T10:25:00Z"),
		}},
		{file: "record_alert_entity.json", ct: "Audit.General", want: &model.Evidence{
			VendorID: "6d0e2a4c-8f1b-4a3d-9c5e-7b0a2d4f6e81", Operation: "AlertEntityGenerated", Result: "Succeeded",
			Summary:    "Alert entity added to Creation of forwarding/redirect rule: User adele.vance@contoso.com",
			OccurredAt: ts("2024-03-04T10:25:00Z"), Entities: model.Entities{Users: adele},
		}},
		{file: "record_missing_id.json", ct: "Audit.Exchange", wantErr: "without an Id"},
		{file: "record_bad_creationtime.json", ct: "Audit.SharePoint", wantErr: "is not a time"},
		{file: "record_not_object.json", ct: "Audit.Exchange", wantErr: "not a JSON object"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			t.Parallel()
			raw := golden(t, tt.file)
			it := mapRecord("it-1", tt.ct, raw)
			if string(it.Raw) != string(raw) {
				t.Error("Raw is not the record verbatim")
			}
			if tt.wantErr != "" {
				if it.Err == nil || !strings.Contains(it.Err.Error(), tt.wantErr) || it.Evidence != nil {
					t.Fatalf("err %v, evidence %+v; want an error with %q", it.Err, it.Evidence, tt.wantErr)
				}
				return
			}
			if it.Err != nil {
				t.Fatal(it.Err)
			}
			tt.want.Integration, tt.want.Source, tt.want.Raw = "it-1", tt.ct, raw
			if it.VendorID != tt.want.VendorID {
				t.Errorf("VendorID %q", it.VendorID)
			}
			if diff := cmp.Diff(tt.want, it.Evidence, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("evidence (-want +got):\n%s", diff)
			}
		})
	}
}

// The reference's sample blob maps record by record, the admin event
// through the generic summary.
func TestMapReferenceBlob(t *testing.T) {
	t.Parallel()
	var recs []json.RawMessage
	if err := json.Unmarshal(golden(t, "blob_reference.json"), &recs); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"Sign-in failed for admin@contoso.onmicrosoft.com from 134.170.188.221 (PasswordLogonInitialAuthUsingPassword)",
		"Sign-in succeeded for admin@contoso.onmicrosoft.com from 134.170.188.221 (PasswordLogonInitialAuthUsingPassword)",
		"Add User. by admin@contoso.onmicrosoft.com (AzureActiveDirectory: user001@contoso.onmicrosoft.com)",
	}
	for i, raw := range recs {
		it := mapRecord("it-1", "Audit.AzureActiveDirectory", raw)
		if it.Err != nil || it.Evidence.Summary != want[i] {
			t.Errorf("record %d: %v %q", i, it.Err, it.Evidence.Summary)
		}
	}
}

func TestNormalizeIP(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"134.170.188.221", "134.170.188.221"}, {"134.170.188.221:52385", "134.170.188.221"},
		{"2001:db8::1", "2001:db8::1"}, {"[2001:db8::1]:443", "2001:db8::1"}, {"[::1]:8080", "::1"},
		{"::ffff:10.1.2.3", "10.1.2.3"}, {"  10.0.0.1 ", "10.0.0.1"}, {"", ""}, {"null", ""}, {"<unknown>", ""},
		{"fe80::1%eth0", "fe80::1"}, {"2001:DB8::A", "2001:db8::a"},
	}
	for _, tt := range tests {
		if got := normalizeIP(tt.in); got != tt.want {
			t.Errorf("normalizeIP(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// Summaries and entities by record kind, over the variations the golden
// payloads do not cover.
func TestSummaryTable(t *testing.T) {
	t.Parallel()
	tests := []struct{ rec, want string }{
		{`{"RecordType":15,"Operation":"UserLoggedIn","UserId":"a@b.c","ClientIP":"1.2.3.4","ErrorCode":"0","ResultStatus":"Success"}`,
			"Sign-in succeeded for a@b.c from 1.2.3.4 (UserLoggedIn)"},
		{`{"Operation":"New-InboxRule","UserId":"a@b.c","Parameters":[{"Name":"Name","Value":"x"},{"Name":"DeleteMessage","Value":"True"}]}`,
			"Inbox rule created by a@b.c (New-InboxRule: delete messages)"},
		{`{"Operation":"Remove-InboxRule","UserId":"a@b.c","Parameters":[{"Name":"Identity","Value":"x"}]}`,
			"Inbox rule removed by a@b.c (Remove-InboxRule)"},
		{`{"Operation":"New-InboxRule","UserId":"a@b.c","Parameters":[{"Name":"Name","Value":"Hide"},{"Name":"StopProcessingRules","Value":true}]}`,
			`Inbox rule created by a@b.c (New-InboxRule: rule "Hide")`},
		{`{"Operation":"FileAccessed","UserId":"a@b.c","SiteUrl":"https://t.sharepoint.com/sites/hr/","SourceRelativeUrl":"Docs","SourceFileName":"x.pdf"}`,
			"File accessed by a@b.c (FileAccessed: /sites/hr/Docs/x.pdf)"},
		{`{"RecordType":40,"Operation":"AlertUpdated","Name":"Mass download","Status":"Resolved"}`, "Alert updated: Mass download (Resolved)"},
		{`{"Operation":"MailItemsAccessed","Workload":"Exchange","UserId":"a@b.c","ClientIP":"1.2.3.4"}`,
			"MailItemsAccessed by a@b.c from 1.2.3.4 (Exchange)"},
		{`{"Workload":"Teams"}`, "unknown by unknown (Teams)"},
	}
	for _, tt := range tests {
		var r record
		if err := json.Unmarshal([]byte(tt.rec), &r); err != nil {
			t.Fatal(err)
		}
		if got := summary(r, firstIP(r)); got != tt.want {
			t.Errorf("%s:\n got %q\nwant %q", tt.rec, got, tt.want)
		}
	}
}

func TestUsersExcludeServiceAccounts(t *testing.T) {
	t.Parallel()
	for _, u := range []string{"SecurityComplianceAlerts", "app@sharepoint", `NT AUTHORITY\SYSTEM`, "SHAREPOINT\\system", "", "@contoso.com"} {
		raw, _ := json.Marshal(map[string]string{"UserId": u})
		var r record
		_ = json.Unmarshal(raw, &r)
		if e := entities(r); len(e.Users) != 0 {
			t.Errorf("UserId %q gave users %v", u, e.Users)
		}
	}
}
