package demo

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/alertsync/alertsync/internal/emulators/sentinel"
	"github.com/alertsync/alertsync/internal/model"
	"github.com/alertsync/alertsync/internal/store"
)

// analystRace is the hub's HTTP transport in the demo. When armed for an
// incident, it lets a Sentinel analyst edit that incident just before
// alertsync's PUT goes out, so the PUT carries a stale etag, as happens when
// both work on the same incident at once.
type analystRace struct {
	base http.RoundTripper
	mu   sync.Mutex
	name string
	edit func()
}

func (r *analystRace) arm(name string, edit func()) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.name, r.edit = name, edit
}

func (r *analystRace) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Method == http.MethodPut {
		r.mu.Lock()
		edit := r.edit
		if edit != nil && strings.HasSuffix(req.URL.Path, "/incidents/"+r.name) {
			r.edit = nil
		} else {
			edit = nil
		}
		r.mu.Unlock()
		if edit != nil {
			edit()
		}
	}
	return r.base.RoundTrip(req)
}

// conflictRow: the DfC alert is resolved, alertsync closes the incident,
// and an analyst raises its severity and labels it at the same moment.
func (s *scenario) conflictRow() error {
	const name = "Conflict · analyst edits the incident while alertsync writes: 409 on the stale etag, re-applied, both changes kept"
	sysID, err := s.newDfCAlert("demo-dfc-alert-c7", "Suspicious activity on VM c7")
	if err != nil {
		return err
	}
	if _, ok := s.waitUntil(30*time.Second, func() bool { return s.linked(sysID) }); !ok {
		s.row(tableSection, name, false, 0, "alert %s never linked to its incident", sysID)
		return nil
	}
	inc := s.incidentName(sysID)
	s.race.arm(inc, func() {
		_, _ = s.w.sentinel.UpdateIncidentAsAnalyst(context.Background(), inc, "soc-analyst@contoso.com", func(p *sentinel.IncidentProperties) {
			p.Severity = "High"
			p.Labels = append(p.Labels, sentinel.IncidentLabel{LabelName: "needs-owner-review"})
		})
	})
	if err := s.w.dfc.SetAlertStatus(sysID, "Resolved"); err != nil {
		return fmt.Errorf("resolve alert: %w", err)
	}
	took, ok := s.waitUntil(10*s.poll+10*time.Second, func() bool {
		in, _ := s.w.sentinel.Incident(inc)
		return in.Properties.Status == sentinel.StatusClosed
	})
	in, _ := s.w.sentinel.Incident(inc)
	kept := in.Properties.Severity == "High" && hasLabel(in.Properties.Labels, "needs-owner-review") && in.Properties.Classification == "TruePositive"
	conflicts := s.statusesOf(http.MethodPut, "/incidents/"+inc)
	// The analyst's change reaches alertsync on the next poll as a remote
	// revision beside alertsync's own.
	var actors []string
	_, revOK := s.waitUntil(10*s.poll+10*time.Second, func() bool {
		actors = s.incidentActors(inc)
		return contains(actors, "remote") && contains(actors, "rule") && contains(actors, "writeback")
	})
	s.row(tableSection, name, ok && kept && contains(conflicts, "409") && revOK, took,
		"PUT statuses %v; incident %s %s %s, labels %v; alertsync revisions by %v",
		conflicts, in.Properties.Status, in.Properties.Classification, in.Properties.Severity, labelNames(in.Properties.Labels), actors)
	return nil
}

func (s *scenario) statusesOf(method, suffix string) []string {
	var out []string
	for _, r := range s.w.sentinel.Requests() {
		if r.Method == method && strings.HasSuffix(r.Path, suffix) {
			out = append(out, fmt.Sprint(r.Status))
		}
	}
	return out
}

func (s *scenario) incidentActors(name string) []string {
	in, err := s.st.IncidentGetByVendor(s.ctx, "sentinel", name)
	if err != nil {
		return nil
	}
	revs, err := s.st.RevisionList(s.ctx, store.RevisionListParams{Kind: model.KindIncident, ObjectID: in.ID, Limit: 1000})
	if err != nil {
		return nil
	}
	var out []string
	for _, r := range revs {
		if !contains(out, string(r.Actor.Kind)) {
			out = append(out, string(r.Actor.Kind))
		}
	}
	return out
}

func hasLabel(ls []sentinel.IncidentLabel, name string) bool {
	return contains(labelNames(ls), name)
}

func labelNames(ls []sentinel.IncidentLabel) []string {
	out := make([]string, 0, len(ls))
	for _, l := range ls {
		out = append(out, l.LabelName)
	}
	return out
}
