package demo

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/alertsync/alertsync/internal/emulators/registry"
	"github.com/alertsync/alertsync/internal/model"
	"github.com/alertsync/alertsync/internal/store"
)

const evidenceSection = "Evidence: audit logs linked to alerts"

// auditLog returns the vendor's emulator as an audit log, if it is one.
func (s *scenario) auditLog(v registry.Vendor) (registry.AuditLog, bool) {
	em, ok := s.w.set.Emulator(v.Kind)
	if !ok {
		return nil, false
	}
	if al, ok := em.(registry.AuditLog); ok {
		return al, true
	}
	al, ok := em.Unwrap().(registry.AuditLog)
	return al, ok
}

// evidence walks each registered vendor whose console is an audit log:
// the hub stores every record the vendor has published, links those
// naming an alert's user or IP to it, and shows them on that alert's
// timeline through the API. It knows no vendor.
func (s *scenario) evidence() error {
	for _, v := range s.w.set.Vendors() {
		al, ok := s.auditLog(v)
		if !ok {
			continue
		}
		var (
			want   int
			counts store.EvidenceCounts
		)
		// Records are published a few seconds after they are made: the
		// count is read again until some are, and then the hub must hold
		// every one published so far.
		took, ok := s.waitUntil(90*time.Second, func() bool {
			want = len(al.Available())
			counts, _ = s.st.EvidenceCounts(s.ctx, v.ID)
			return want > 0 && counts.Stored >= want
		})
		s.row(evidenceSection, fmt.Sprintf("%s: every published audit record stored as evidence", v.ID), ok, took,
			"%d records stored of %d the vendor had published at the last look", counts.Stored, want)
		if err := s.linkedOnTimeline(v, al); err != nil {
			return err
		}
	}
	return nil
}

// linkedOnTimeline finds an alert naming a user or IP of the published
// records and checks the alert's timeline, read through the API, shows
// that user's or IP's records beside the alert's own events.
func (s *scenario) linkedOnTimeline(v registry.Vendor, al registry.AuditLog) error {
	var (
		shown  int
		detail = "no alert names a user or IP of the published records"
	)
	took, ok := s.waitUntil(30*time.Second, func() bool {
		a, found := s.alertNaming(al.Available())
		if !found {
			return false
		}
		tl, err := s.timeline(a.ID)
		if err != nil {
			detail = err.Error()
			return false
		}
		shown = 0
		for _, e := range tl.Items {
			if e.Type == "evidence" && e.Evidence.Integration == v.ID {
				shown++
			}
		}
		detail = fmt.Sprintf("alert %d (%s) names %s; its timeline shows %d of %s's records among %d entries",
			a.ID, a.Integration, strings.Join(append(slices.Clone(a.Entities.Users), a.Entities.IPs...), ", "), shown, v.ID, len(tl.Items))
		return shown > 0
	})
	counts, err := s.st.EvidenceCounts(s.ctx, v.ID)
	if err != nil {
		return fmt.Errorf("count evidence of %s: %w", v.ID, err)
	}
	s.row(evidenceSection, fmt.Sprintf("%s: records linked by user and IP, shown on an alert's timeline", v.ID), ok && counts.Linked > 0, took,
		"%s; %d of %d records linked to some alert", detail, counts.Linked, counts.Stored)
	return nil
}

// alertNaming returns a stored alert naming a user (by UPN or by its
// name before the @) or an IP of the records.
func (s *scenario) alertNaming(recs []registry.AuditRecord) (model.Alert, bool) {
	seen := map[string]bool{}
	for _, r := range recs {
		for _, v := range []string{r.User, localPart(r.User), r.IP} {
			v = strings.ToLower(strings.TrimSpace(v))
			if v == "" || seen[v] {
				continue
			}
			seen[v] = true
			page, err := s.st.AlertList(s.ctx, store.AlertListParams{Entity: v, Limit: 1})
			if err == nil && len(page) > 0 {
				return page[0], true
			}
		}
	}
	return model.Alert{}, false
}

func localPart(upn string) string {
	if i := strings.IndexByte(upn, '@'); i > 0 {
		return upn[:i]
	}
	return ""
}

// demoTimeline is the part of the timeline API's answer the demo reads.
type demoTimeline struct {
	Items []struct {
		Type     string         `json:"type"`
		Evidence model.Evidence `json:"evidence"`
	} `json:"items"`
}

// timeline reads an alert's timeline through the hub's API, as a person
// or a script would.
func (s *scenario) timeline(id int64) (demoTimeline, error) {
	var tl demoTimeline
	req, err := http.NewRequestWithContext(s.ctx, http.MethodGet, fmt.Sprintf("%s/api/v1/alerts/%d/timeline?limit=1000", s.sum.API, id), nil)
	if err != nil {
		return tl, fmt.Errorf("timeline request: %w", err)
	}
	req.Header.Set("Authorization", "Bearer "+demoAdminToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return tl, fmt.Errorf("get timeline of alert %d: %w", id, err)
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode != http.StatusOK {
		return tl, fmt.Errorf("get timeline of alert %d: HTTP %d", id, resp.StatusCode)
	}
	if err := json.NewDecoder(resp.Body).Decode(&tl); err != nil {
		return tl, fmt.Errorf("decode timeline of alert %d: %w", id, err)
	}
	return tl, nil
}
