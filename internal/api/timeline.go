package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/alertsync/alertsync/internal/model"
	"github.com/alertsync/alertsync/internal/store"
)

// evidenceMargin is how far before an object's first sight and after its
// last change the timeline looks for audit records naming its users and
// IPs by default: what someone did in the days around an alert is what
// explains it (and Office 365 keeps content for 7 days).
const evidenceMargin = 72 * time.Hour

// Timeline entry types.
const (
	entryRevision   = "revision"
	entryComment    = "comment"
	entryEvidence   = "evidence"
	entryDelivery   = "delivery"
	entryValidation = "validation"
	entryAlert      = "alert"
)

// TimelineEntry is one thing that happened to or around an object.
type TimelineEntry struct {
	At      time.Time    `json:"at"`
	Type    string       `json:"type"`
	Summary string       `json:"summary"`
	Actor   *model.Actor `json:"actor,omitempty"`
	// AlertID names the member alert an incident's entry is about.
	AlertID  int64           `json:"alert_id,omitempty"`
	Evidence *model.Evidence `json:"evidence,omitempty"`
	Delivery *Delivery       `json:"delivery,omitempty"`
}

// Timeline is the whole timeline, oldest first, cut at limit entries.
type Timeline struct {
	Items     []TimelineEntry `json:"items"`
	Truncated bool            `json:"truncated"`
	// EvidenceFrom and EvidenceTo are the window searched for evidence.
	EvidenceFrom time.Time `json:"evidence_from"`
	EvidenceTo   time.Time `json:"evidence_to"`
}

// timelineReq is what a timeline request asked for.
type timelineReq struct {
	from, to time.Time
	limit    int
	raw      bool
}

// timeline answers GET /api/v1/{alerts|incidents}/{id}/timeline: the
// object's revisions, comments, validation, write-backs and, beside them,
// the audit-log evidence naming its users and IPs; for an incident also
// each member alert's own events.
func (s *server) timeline(kind model.Kind) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, ok := pathID(w, r)
		if !ok {
			return
		}
		q := newQuery(r)
		req := timelineReq{from: q.time("evidence_from"), to: q.time("evidence_to"), limit: q.limit(), raw: q.bool("include_raw")}
		if !q.ok(w) {
			return
		}
		var (
			body Timeline
			err  error
		)
		if kind == model.KindAlert {
			body, err = s.alertTimeline(r.Context(), id, req)
		} else {
			body, err = s.incidentTimeline(r.Context(), id, req)
		}
		if err != nil {
			s.fail(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, body)
	}
}

func (s *server) alertTimeline(ctx context.Context, id int64, req timelineReq) (Timeline, error) {
	a, err := s.store.AlertGet(ctx, id)
	if err != nil {
		return Timeline{}, fmt.Errorf("get alert %d: %w", id, err)
	}
	var t timeline
	if err := t.history(ctx, s, model.KindAlert, id, 0); err != nil {
		return Timeline{}, err
	}
	if err := t.validation(ctx, s, id); err != nil {
		return Timeline{}, err
	}
	from, to := window(req, a.CreatedAt, a.FirstSeenAt, a.LastChangedAt)
	if err := t.evidence(ctx, s, a.Entities, from, to, req); err != nil {
		return Timeline{}, err
	}
	return t.body(req.limit, from, to), nil
}

func (s *server) incidentTimeline(ctx context.Context, id int64, req timelineReq) (Timeline, error) {
	in, err := s.store.IncidentGet(ctx, id)
	if err != nil {
		return Timeline{}, fmt.Errorf("get incident %d: %w", id, err)
	}
	var t timeline
	if err := t.history(ctx, s, model.KindIncident, id, 0); err != nil {
		return Timeline{}, err
	}
	members, err := s.store.AlertGetMany(ctx, in.AlertIDs)
	if err != nil {
		return Timeline{}, fmt.Errorf("get alerts of incident %d: %w", id, err)
	}
	times := []time.Time{in.CreatedAt, in.LastChangedAt}
	var ents model.Entities
	for _, a := range members {
		t.add(TimelineEntry{At: a.CreatedAt, Type: entryAlert, AlertID: a.ID,
			Summary: fmt.Sprintf("%s raised %q (%s)", a.Integration, a.Title, a.Severity)})
		if err := t.history(ctx, s, model.KindAlert, a.ID, a.ID); err != nil {
			return Timeline{}, err
		}
		times = append(times, a.CreatedAt, a.LastChangedAt)
		ents.Users = append(ents.Users, a.Entities.Users...)
		ents.IPs = append(ents.IPs, a.Entities.IPs...)
	}
	from, to := window(req, times...)
	if err := t.evidence(ctx, s, ents.Normalize(), from, to, req); err != nil {
		return Timeline{}, err
	}
	return t.body(req.limit, from, to), nil
}

// window is the evidence search window: the request's, else the span of
// times widened by evidenceMargin on each side.
func window(req timelineReq, times ...time.Time) (time.Time, time.Time) {
	var lo, hi time.Time
	for _, t := range times {
		if t.IsZero() {
			continue
		}
		if lo.IsZero() || t.Before(lo) {
			lo = t
		}
		if t.After(hi) {
			hi = t
		}
	}
	from, to := lo.Add(-evidenceMargin), hi.Add(evidenceMargin)
	if !req.from.IsZero() {
		from = req.from
	}
	if !req.to.IsZero() {
		to = req.to
	}
	return from, to
}

// timeline collects entries from every source before sorting them.
type timeline struct{ entries []TimelineEntry }

func (t *timeline) add(e TimelineEntry) { t.entries = append(t.entries, e) }

// history adds an object's revisions, comments and write-backs; alertID
// marks them as a member alert's on an incident's timeline.
func (t *timeline) history(ctx context.Context, s *server, kind model.Kind, id, alertID int64) error {
	revs, err := s.store.RevisionList(ctx, store.RevisionListParams{Kind: kind, ObjectID: id, Limit: maxLimit})
	if err != nil {
		return fmt.Errorf("list revisions of %s %d: %w", kind, id, err)
	}
	for _, r := range revs {
		actor := r.Actor
		t.add(TimelineEntry{At: r.At, Type: entryRevision, Actor: &actor, AlertID: alertID, Summary: revisionSummary(r)})
	}
	comments, err := s.store.CommentList(ctx, kind, id)
	if err != nil {
		return fmt.Errorf("list comments of %s %d: %w", kind, id, err)
	}
	for _, c := range comments {
		author := c.Author
		t.add(TimelineEntry{At: c.At, Type: entryComment, Actor: &author, AlertID: alertID, Summary: c.Body})
	}
	items, err := s.store.OutboxList(ctx, store.OutboxListParams{OriginKind: kind, OriginID: id, Limit: maxLimit})
	if err != nil {
		return fmt.Errorf("list deliveries of %s %d: %w", kind, id, err)
	}
	for _, d := range s.deliveries(items) {
		d := d
		t.add(TimelineEntry{At: d.CreatedAt, Type: entryDelivery, AlertID: alertID, Delivery: &d,
			Summary: fmt.Sprintf("%s to %s: %s", d.Action, d.Integration, d.State)})
	}
	return nil
}

func revisionSummary(r model.Revision) string {
	s := fmt.Sprintf("%s %s changed %s", r.Actor.Kind, r.Actor.Name, strings.Join(r.Changes, ", "))
	if r.Seq == 1 {
		s = fmt.Sprintf("first seen (from %s %s)", r.Actor.Kind, r.Actor.Name)
	}
	if r.Reason != "" {
		s += ": " + r.Reason
	}
	return s
}

// validation adds the alert's validation, if it was put under one.
func (t *timeline) validation(ctx context.Context, s *server, alertID int64) error {
	v, err := s.store.ValidationGet(ctx, alertID)
	if err != nil {
		return ignoreMissing(err)
	}
	state := fmt.Sprintf("%d passes so far, next at %s", v.Passes, v.NextPassAt.UTC().Format(time.RFC3339))
	if v.Done {
		state = fmt.Sprintf("finished after %d passes", v.Passes)
	}
	t.add(TimelineEntry{At: v.StartedAt, Type: entryValidation,
		Summary: fmt.Sprintf("under validation until %s; %s; %d related alerts found", v.EndsAt.UTC().Format(time.RFC3339), state, v.Found)})
	return nil
}

// evidence adds the audit records naming the users or IPs within the
// window.
func (t *timeline) evidence(ctx context.Context, s *server, ents model.Entities, from, to time.Time, req timelineReq) error {
	values := append(slices.Clone(ents.Users), ents.IPs...)
	if len(values) == 0 {
		return nil
	}
	recs, err := s.store.EvidenceList(ctx, store.EvidenceListParams{Values: values, From: from, To: to, Limit: req.limit + 1})
	if err != nil {
		return fmt.Errorf("list evidence: %w", err)
	}
	for _, e := range recs {
		e := e
		if !req.raw {
			e.Raw = nil
		}
		t.add(TimelineEntry{At: e.OccurredAt, Type: entryEvidence, Evidence: &e, Summary: e.Summary})
	}
	return nil
}

// body sorts the entries by time and cuts them at limit.
func (t *timeline) body(limit int, from, to time.Time) Timeline {
	slices.SortStableFunc(t.entries, func(a, b TimelineEntry) int { return a.At.Compare(b.At) })
	b := Timeline{Items: t.entries, EvidenceFrom: from, EvidenceTo: to}
	if b.Items == nil {
		b.Items = []TimelineEntry{}
	}
	if len(b.Items) > limit {
		b.Items, b.Truncated = b.Items[:limit], true
	}
	return b
}

// ignoreMissing treats a lookup that found nothing as nothing to add.
func ignoreMissing(err error) error {
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	return err
}
