package o365

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
)

// Record types summaries tell apart (AuditLogRecordType).
const (
	recAccountLogon    = 9
	recStsLogon        = 15
	recComplianceAlert = 40
)

// summary is the one line a person reads on a timeline: what happened,
// to or by whom, from where, and the vendor's operation with its key
// detail in brackets.
func summary(r record, ip string) string {
	op := r.str("Operation")
	rt, _ := strconv.Atoi(r.str("RecordType"))
	switch {
	case isSignIn(r, rt, op):
		return signInSummary(r, ip, op)
	case ruleVerbs[op] != "" || op == "Set-Mailbox" && forwarding(r.params("Parameters")) != "":
		return ruleSummary(r, ip, op)
	case fileVerbs[op] != "":
		return fmt.Sprintf("File %s by %s%s (%s: %s)", fileVerbs[op], who(r), from(ip), op, filePath(r))
	case rt == recComplianceAlert:
		return alertSummary(r, op)
	}
	detail := r.str("Workload")
	if obj := r.str("ObjectId"); obj != "" {
		detail += ": " + obj
	}
	return fmt.Sprintf("%s by %s%s (%s)", orUnknown(op), who(r), from(ip), detail)
}

func who(r record) string { return orUnknown(r.str("UserId")) }

func from(ip string) string {
	if ip == "" {
		return ""
	}
	return " from " + ip
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}

// isSignIn recognises Entra ID sign-ins: the STS logon and account logon
// record types, and their operations wherever they appear.
func isSignIn(r record, rt int, op string) bool {
	return rt == recStsLogon || rt == recAccountLogon || op == "UserLoggedIn" || op == "UserLoginFailed" ||
		strings.HasPrefix(op, "PasswordLogon") && strings.EqualFold(r.str("Workload"), "AzureActiveDirectory")
}

// signInSummary: "Sign-in failed for adele@contoso.com from 45.1.2.3
// (UserLoginFailed: InvalidUserNameOrPassword)". A failure is read from
// the operation, the result, LoginStatus or ErrorCode: for STS logons a
// ResultStatus of Succeeded says only that the HTTP call worked.
func signInSummary(r record, ip, op string) string {
	failed := op == "UserLoginFailed" || strings.EqualFold(r.str("ResultStatus"), "failed") ||
		nonZero(r.str("LoginStatus")) || nonZero(r.str("ErrorCode")) || r.str("LogonError") != ""
	outcome, detail := "succeeded", op
	if failed {
		outcome = "failed"
		if why := r.str("LogonError"); why != "" {
			detail += ": " + why
		}
	}
	return fmt.Sprintf("Sign-in %s for %s%s (%s)", outcome, who(r), from(ip), orUnknown(detail))
}

func nonZero(s string) bool { return s != "" && s != "0" }

// ruleVerbs are the inbox rule cmdlets, by what they do to a rule.
var ruleVerbs = map[string]string{
	"New-InboxRule": "created", "Set-InboxRule": "changed", "Enable-InboxRule": "enabled",
	"Disable-InboxRule": "disabled", "Remove-InboxRule": "removed", "UpdateInboxRules": "changed",
}

// ruleSummary: "Inbox rule created by adele@contoso.com from 45.1.2.3
// (New-InboxRule: forward to someone@outside.example)".
func ruleSummary(r record, ip, op string) string {
	params := r.params("Parameters")
	if op == "Set-Mailbox" {
		return fmt.Sprintf("Mailbox forwarding set by %s%s (%s: forward to %s)", who(r), from(ip), op, forwarding(params))
	}
	action := forwarding(params)
	switch {
	case action != "":
		action = "forward to " + action
	case params["RedirectTo"] != "":
		action = "redirect to " + params["RedirectTo"]
	case strings.EqualFold(params["DeleteMessage"], "true"):
		action = "delete messages"
	case params["MoveToFolder"] != "":
		action = "move to " + params["MoveToFolder"]
	case params["Name"] != "":
		action = "rule " + strconv.Quote(params["Name"])
	}
	if action == "" {
		return fmt.Sprintf("Inbox rule %s by %s%s (%s)", ruleVerbs[op], who(r), from(ip), op)
	}
	return fmt.Sprintf("Inbox rule %s by %s%s (%s: %s)", ruleVerbs[op], who(r), from(ip), op, action)
}

// forwarding is where a cmdlet's parameters send mail, without the
// "smtp:" prefix Set-Mailbox writes.
func forwarding(params map[string]string) string {
	for _, k := range []string{"ForwardTo", "ForwardAsAttachmentTo", "ForwardingSmtpAddress", "ForwardingAddress"} {
		if v := params[k]; v != "" {
			return strings.TrimPrefix(strings.TrimPrefix(v, "smtp:"), "SMTP:")
		}
	}
	return ""
}

// fileVerbs are the SharePoint and OneDrive file operations, by what
// happened to the file.
var fileVerbs = map[string]string{
	"FileDownloaded": "downloaded", "FileAccessed": "accessed", "FileAccessedExtended": "accessed",
	"FilePreviewed": "previewed", "FileUploaded": "uploaded", "FileModified": "modified", "FileModifiedExtended": "modified",
	"FileDeleted": "deleted", "FileRecycled": "deleted", "FileCopied": "copied", "FileMoved": "moved", "FileRenamed": "renamed",
	"FileSyncDownloadedFull": "synced down", "FileSyncUploadedFull": "synced up",
}

// filePath is the file's path on its site ("/sites/finance/Shared
// Documents/Q3.xlsx"), from ObjectId (the full URL) or from the site,
// folder and file name fields.
func filePath(r record) string {
	obj := r.str("ObjectId")
	if u, err := url.Parse(obj); err == nil && u.Host != "" && u.Path != "" {
		return u.Path
	}
	if obj != "" {
		return obj
	}
	site := r.str("SiteUrl")
	if u, err := url.Parse(site); err == nil && u.Host != "" {
		site = u.Path
	}
	p := strings.TrimRight(site, "/") + "/" + strings.Trim(r.str("SourceRelativeUrl"), "/") + "/" + r.str("SourceFileName")
	return orUnknown(strings.ReplaceAll(p, "//", "/"))
}

// alertSummary: "Alert triggered: Creation of forwarding/redirect rule
// (Medium, Active)", "Alert entity added to Creation of ...: User
// adele@contoso.com".
func alertSummary(r record, op string) string {
	name := orUnknown(r.str("Name"))
	switch op {
	case "AlertTriggered":
		return fmt.Sprintf("Alert triggered: %s (%s)", name, joinNonEmpty(r.str("Severity"), r.str("Status")))
	case "AlertEntityGenerated":
		return fmt.Sprintf("Alert entity added to %s: %s %s", name, orUnknown(r.str("EntityType")), r.str("AlertEntityId"))
	case "AlertUpdated":
		return fmt.Sprintf("Alert updated: %s (%s)", name, orUnknown(r.str("Status")))
	}
	return fmt.Sprintf("Security & Compliance alert %s: %s", orUnknown(op), name)
}

func joinNonEmpty(parts ...string) string {
	var out []string
	for _, p := range parts {
		if p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, ", ")
}
