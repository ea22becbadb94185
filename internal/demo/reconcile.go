package demo

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/alertsync/alertsync/internal/emulators/defendercloud"
	"github.com/alertsync/alertsync/internal/emulators/microsoft"
	"github.com/alertsync/alertsync/internal/emulators/sentinel"
)

const tableSection = "Defender for Cloud ↔ Sentinel (the seed's behaviour summary table, with alertsync closing the gap)"

// states reads one DfC alert's status, its Sentinel alert mirror's status
// and the status of the Sentinel incident that holds it.
type states struct{ dfc, sentinelAlert, incident, class, reason string }

func (s *scenario) states(sysID string) states {
	var st states
	if a, ok := s.w.dfc.Alert(sysID); ok {
		st.dfc = a.Properties.Status
	}
	if a, ok := s.w.sentinel.Alert(sysID); ok {
		st.sentinelAlert = a.Properties.Status
	}
	if ins := s.w.sentinel.IncidentsForAlert(sysID); len(ins) > 0 {
		st.incident = ins[0].Properties.Status
		st.class = ins[0].Properties.Classification
		st.reason = ins[0].Properties.ClassificationReason
	}
	return st
}

func (st states) String() string {
	s := fmt.Sprintf("DfC alert %s · Sentinel alert %s · Sentinel incident %s", st.dfc, st.sentinelAlert, st.incident)
	if st.class != "" {
		s += " (" + st.class + " - " + st.reason + ")"
	}
	return s
}

func (s *scenario) newDfCAlert(name, title string) (string, error) {
	a, err := s.w.dfc.CreateAlert(defendercloud.AlertSpec{
		SubscriptionID: microsoft.Subscription, Name: name, DisplayName: title, Severity: "High", AlertType: "VM_SuspiciousActivity",
		ResourceID: "/subscriptions/" + microsoft.Subscription + "/resourceGroups/prod/providers/Microsoft.Compute/virtualMachines/vm-" + name[len(name)-2:],
		Entities:   []map[string]any{{"type": "ip", "address": "203.0.113.7"}},
	})
	if err != nil {
		return "", fmt.Errorf("create DfC alert: %w", err)
	}
	return a.Properties.SystemAlertID, nil
}

// linked reports whether alertsync holds the alert, linked to the
// Sentinel incident that contains it.
func (s *scenario) linked(sysID string) bool {
	a, err := s.st.AlertGetByVendor(s.ctx, "dfc", sysID)
	return err == nil && a.IncidentID != 0
}

func (s *scenario) incidentName(sysID string) string {
	if ins := s.w.sentinel.IncidentsForAlert(sysID); len(ins) > 0 {
		return ins[0].Name
	}
	return ""
}

func (s *scenario) reconciliation() error {
	ids := map[string]string{}
	for _, n := range []string{"r1", "r2", "r3", "r4", "m5", "m6"} {
		id, err := s.newDfCAlert("demo-dfc-alert-"+n, "Suspicious activity on VM "+n)
		if err != nil {
			return err
		}
		ids[n] = id
	}
	took, ok := s.waitUntil(60*time.Second, func() bool {
		for _, id := range ids {
			if !s.linked(id) {
				return false
			}
		}
		return true
	})
	st := s.states(ids["r1"])
	s.row(tableSection, "Defender for Cloud · New alert → Active / New / New; alertsync links alert and incident", ok &&
		st.dfc == "Active" && st.sentinelAlert == "New" && st.incident == "New", took, "%s", st)
	s.row(tableSection, "Known issue: first call answered 403 InsufficientAccessError, retried with backoff", s.saw403(), 0,
		"the integration kept running and ingested every alert")

	s.alertRow("Defender for Cloud · Set alert to In progress → incident Active (was: stays New)", ids["r1"], "InProgress",
		func(st states) bool { return st.incident == "Active" && st.sentinelAlert == "InProgress" })
	s.alertRow("Defender for Cloud · Dismiss alert → incident Closed, BenignPositive - SuspiciousButExpected (was: stays New)", ids["r2"], "Dismissed",
		func(st states) bool {
			return st.incident == "Closed" && st.class == "BenignPositive" && st.reason == "SuspiciousButExpected"
		})
	s.alertRow("Defender for Cloud · Resolve alert → incident Closed, TruePositive - SuspiciousActivity (was: stays New)", ids["r3"], "Resolved",
		func(st states) bool {
			return st.incident == "Closed" && st.class == "TruePositive" && st.reason == "SuspiciousActivity"
		})
	if err := s.sentinelRows(ids["r4"]); err != nil {
		return err
	}
	if err := s.multiAlertRows(ids["m5"], ids["m6"]); err != nil {
		return err
	}
	return s.conflictRow()
}

func (s *scenario) saw403() bool {
	saw, later := false, false
	for _, r := range s.w.dfc.Requests() {
		if r.Status == http.StatusForbidden {
			saw = true
		} else if saw && r.Status == http.StatusOK {
			later = true
		}
	}
	return saw && later
}

// alertRow changes a DfC alert as its subscription owner would and waits
// for the incident to follow, timing it.
func (s *scenario) alertRow(name, sysID, status string, want func(states) bool) {
	if err := s.w.dfc.SetAlertStatus(sysID, status); err != nil {
		s.row(tableSection, name, false, 0, "set DfC status: %v", err)
		return
	}
	took, ok := s.waitUntil(10*s.poll+10*time.Second, func() bool { return want(s.states(sysID)) })
	detail := s.states(sysID).String()
	if ok {
		detail += fmt.Sprintf("; incident followed in %.1fs (poll interval %s)", took.Seconds(), s.poll)
	}
	// Every reconciling write says alertsync made it and why: as an
	// incident comment, and on a close also as the classification comment.
	inc := s.incidentName(sysID)
	_, commented := s.waitUntil(10*time.Second, func() bool { return strings.HasPrefix(s.lastIncidentComment(inc), "alertsync reconciled") })
	detail += "\ncomment: " + s.lastIncidentComment(inc)
	if in, found := s.w.sentinel.Incident(inc); found && in.Properties.ClassificationComment != "" {
		detail += "\nclassification comment: " + in.Properties.ClassificationComment
	}
	s.row(tableSection, name, ok && commented, took, "%s", detail)
}

func (s *scenario) lastIncidentComment(name string) string {
	cs := s.w.sentinel.Comments(name)
	if len(cs) == 0 {
		return "(none)"
	}
	return cs[len(cs)-1].Properties.Message
}

func (s *scenario) sentinelRows(sysID string) error {
	inc := s.incidentName(sysID)
	dfcWrites := s.dfcWrites()
	_, err := s.w.sentinel.UpdateIncidentAsAnalyst(context.Background(), inc, "soc-analyst@contoso.com", func(p *sentinel.IncidentProperties) {
		p.Status = sentinel.StatusActive
	})
	if err != nil {
		return fmt.Errorf("analyst activates incident: %w", err)
	}
	took, ok := s.waitUntil(10*s.poll+10*time.Second, func() bool { return s.states(sysID).dfc == "InProgress" })
	s.settle()
	st := s.states(sysID)
	s.row(tableSection, "Sentinel · Change incident status to active → DfC alert InProgress, the owner sees the SOC took it (was: stays Active)",
		ok && st.incident == "Active" && s.dfcWrites() == dfcWrites+1, took, "%s; %d write to Defender for Cloud", st, s.dfcWrites()-dfcWrites)

	dfcWrites = s.dfcWrites()
	_, err = s.w.sentinel.UpdateIncidentAsAnalyst(context.Background(), inc, "soc-analyst@contoso.com", func(p *sentinel.IncidentProperties) {
		p.Status, p.Classification, p.ClassificationReason = sentinel.StatusClosed, "TruePositive", "SuspiciousActivity"
	})
	if err != nil {
		return fmt.Errorf("analyst closes incident: %w", err)
	}
	took, ok = s.waitUntil(10*s.poll+10*time.Second, func() bool {
		st := s.states(sysID)
		return st.dfc == "Resolved" && st.sentinelAlert == "Resolved" && st.incident == "Closed"
	})
	rows := len(s.w.sentinel.SecurityIncidentRows())
	// alertsync's own resolve waits for Sentinel's mirror, then finds the
	// alert already resolved and sends nothing. Sentinel closed the alert
	// at once, so wait for the hub to see the close before waiting for
	// what it queued to be done.
	s.waitUntil(10*s.poll+10*time.Second, func() bool {
		in, err := s.st.IncidentGetByVendor(s.ctx, "sentinel", inc)
		return err == nil && !in.Status.Open()
	})
	s.waitUntil(10*s.poll+10*time.Second, func() bool { return s.pendingActions() == 0 })
	s.settle()
	pending := s.pendingActions()
	st = s.states(sysID)
	grown := len(s.w.sentinel.SecurityIncidentRows()) - rows
	s.row(tableSection, "Sentinel · Resolve incident → Resolved / Resolved / Resolved, no redundant write, and no loop", ok && pending == 0 &&
		grown == 0 && s.dfcWrites() == dfcWrites, took,
		"%s; %d writes to Defender for Cloud (Sentinel mirrored the close itself); %d further incident changes and %d pending actions after %d polls",
		st, s.dfcWrites()-dfcWrites, grown, pending, 3)
	return nil
}

func (s *scenario) dfcWrites() int {
	n := 0
	for _, r := range s.w.dfc.Requests() {
		if r.Method == http.MethodPost {
			n++
		}
	}
	return n
}

func (s *scenario) pendingActions() int {
	c, err := s.st.OutboxCounts(s.ctx)
	if err != nil {
		return -1
	}
	return c["pending"] + c["leased"]
}

// multiAlertRows: an analyst relates a second alert to an incident; the
// incident must stay open while either alert is New or InProgress.
func (s *scenario) multiAlertRows(first, second string) error {
	inc := s.incidentName(first)
	if _, err := s.w.sentinel.RelateAlert(inc, second, "soc-analyst@contoso.com"); err != nil {
		return fmt.Errorf("relate alert: %w", err)
	}
	_, ok := s.waitUntil(30*time.Second, func() bool {
		in, err := s.st.IncidentGetByVendor(s.ctx, "sentinel", inc)
		return err == nil && len(in.AlertIDs) == 2
	})
	if err := s.w.dfc.SetAlertStatus(first, "Resolved"); err != nil {
		return fmt.Errorf("resolve first alert: %w", err)
	}
	s.settle()
	in, _ := s.w.sentinel.Incident(inc)
	s.row(tableSection, "Fixed row · two-alert incident stays open while one alert is still New", ok && in.Properties.Status != sentinel.StatusClosed, 0,
		"incident %s is %s with alerts %v", inc, in.Properties.Status, s.w.sentinel.IncidentAlertIDs(inc))
	if err := s.w.dfc.SetAlertStatus(second, "Dismissed"); err != nil {
		return fmt.Errorf("dismiss second alert: %w", err)
	}
	took, ok := s.waitUntil(10*s.poll+10*time.Second, func() bool {
		in, _ := s.w.sentinel.Incident(inc)
		return in.Properties.Status == sentinel.StatusClosed
	})
	in, _ = s.w.sentinel.Incident(inc)
	s.row(tableSection, "Fixed row · closed once every alert is closed (resolved outranks dismissed)", ok && in.Properties.Classification == "TruePositive", took,
		"incident %s: %s %s", inc, in.Properties.Status, in.Properties.Classification)
	stored, err := s.st.IncidentGetByVendor(s.ctx, "sentinel", inc)
	if err == nil {
		revs, _ := s.st.RevisionList(s.ctx, storeRevisions(stored))
		s.row(tableSection, "History: every incident change is an append-only revision", len(revs) >= 2, 0, "%d revisions of incident %s", len(revs), inc)
	}
	return nil
}
