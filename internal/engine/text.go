package engine

import (
	"fmt"
	"strings"
	"time"

	"github.com/alertsync/alertsync/internal/model"
)

// Every text alertsync writes to a source starts with "alertsync" so a user
// reading the vendor's alert history can tell who changed the alert.
const (
	textNotAThreatClosed = "Validated by alertsync: not a threat — all reviewed activity was non-threatening. Closed by alertsync."
	textNotAThreatOpen   = "Validated by alertsync: not a threat — all reviewed activity was non-threatening. Left open: this integration's policy does not close alerts."
	textThreatClosed     = "Validated by alertsync: threat published — resolved by alertsync as a true positive."
	textThreatOpen       = "Validated by alertsync: threat published — left open for response per this integration's policy."
)

func verdictWords(v model.Verdict) string {
	switch v {
	case model.VerdictHighlySuspicious:
		return "highly suspicious"
	case model.VerdictThreat:
		return "threat (not yet published)"
	}
	return "suspicious"
}

func suspiciousText(v model.Verdict, closed bool) string {
	if closed {
		return fmt.Sprintf("Validated by alertsync: %s — closed by alertsync per this integration's policy.", verdictWords(v))
	}
	return fmt.Sprintf("Validated by alertsync: %s — kept open and in progress for investigation.", verdictWords(v))
}

// withReason appends the analyst's or rule's words and who gave the verdict.
func withReason(text string, actor model.Actor, reason string) string {
	var b strings.Builder
	b.WriteString(text)
	if actor.Name != "" {
		fmt.Fprintf(&b, " Verdict by %s %s.", actor.Kind, actor.Name)
	}
	if r := strings.TrimSpace(reason); r != "" {
		b.WriteString(" Reason: ")
		b.WriteString(r)
	}
	return b.String()
}

// passReport is what one correlation pass tells the source.
type passReport struct {
	Pass, Total int
	Started     time.Time
	Related     int   // related alerts found so far
	New         int   // of which not reported before
	Incident    int64 // the incident they were grouped into, if any
	Final       bool
}

func passText(r passReport) string {
	var b strings.Builder
	started := r.Started.UTC().Format(time.RFC3339)
	if r.Final {
		fmt.Fprintf(&b, "alertsync finished validating this alert after correlation pass %d of %d (validation started %s): ", r.Pass, r.Total, started)
	} else {
		fmt.Fprintf(&b, "alertsync is validating this alert: correlation pass %d of %d (validation started %s): ", r.Pass, r.Total, started)
	}
	switch {
	case r.New > 0:
		fmt.Fprintf(&b, "found %d new related alert(s) sharing a host, user, IP or file hash, %d in all", r.New, r.Related)
	case r.Related > 0:
		fmt.Fprintf(&b, "nothing new; %d related alert(s) found so far", r.Related)
	default:
		b.WriteString("no related activity found")
	}
	if r.Incident != 0 && r.Related > 0 {
		fmt.Fprintf(&b, ", grouped into alertsync incident %d", r.Incident)
	}
	if r.Final {
		b.WriteString("; no verdict was given while it was under validation")
	}
	b.WriteString(".")
	return b.String()
}

func commentText(author model.Actor, body string) string {
	return fmt.Sprintf("Comment from %s via alertsync: %s", author.Name, body)
}
