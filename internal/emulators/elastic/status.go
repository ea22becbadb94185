package elastic

import (
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/alertsync/alertsync/internal/emulators/emukit"
)

// scrollSize is how many documents update_by_query reads and writes per
// batch (its scroll_size default). A failure in a batch aborts the run
// after that batch unless conflicts is "proceed".
const scrollSize = 1000

// statusRequest is SetAlertsStatusByIds or SetAlertsStatusByQuery.
type statusRequest struct {
	ids       []string
	query     map[string]any
	status    string
	reason    string
	conflicts string
}

func (e *Emulator) parseStatus(body map[string]any) (statusRequest, string) {
	req := statusRequest{conflicts: "abort"}
	_, byIDs := body["signal_ids"]
	q, byQuery := body["query"]
	switch {
	case byIDs:
		ids, msg := stringList("signal_ids", body["signal_ids"])
		if msg != "" {
			return req, msg
		}
		req.ids = ids
	case byQuery:
		m, ok := q.(map[string]any)
		if !ok {
			return req, expected("query", "object", q)
		}
		req.query = m
		if c, ok := body["conflicts"]; ok {
			if c != "abort" && c != "proceed" {
				return req, fmt.Sprintf("conflicts: Invalid enum value. Expected 'abort' | 'proceed', received '%v'", c)
			}
			req.conflicts = c.(string)
		}
	default:
		return req, "Invalid input: one of signal_ids or query is required"
	}
	st, ok := body["status"].(string)
	if !ok {
		return req, "status: Required"
	}
	if !validStatus(st) {
		return req, fmt.Sprintf("status: Invalid enum value. Expected 'open' | 'closed' | 'acknowledged' | 'in-progress', received '%s'", st)
	}
	req.status = st
	return req, e.parseReason(body, &req)
}

// parseReason applies Kibana's close reason rules: a reason only with
// status closed, a string of 1 to 1024 characters. (The wording of the
// refusal of a reason on another status is not confirmed.)
func (e *Emulator) parseReason(body map[string]any, req *statusRequest) string {
	v, ok := body["reason"]
	if !ok {
		return ""
	}
	s, isStr := v.(string)
	if !isStr {
		return expected("reason", "string", v)
	}
	if req.status != "closed" {
		return `reason: a reason can only be given when status is "closed"`
	}
	if s == "" || len(s) > 1024 {
		return "reason: String must contain between 1 and 1024 character(s)"
	}
	req.reason = s
	return ""
}

// validReason reports whether the space accepts reason: a predefined
// one, or one of the custom reasons of the default space.
func (e *Emulator) validReason(space, reason string) bool {
	return slices.Contains(defaultReasons, reason) || (space == DefaultSpace && slices.Contains(e.opts.CustomReasons, reason))
}

// byQueryResponse is Elasticsearch's update_by_query answer.
type byQueryResponse struct {
	Took                 int       `json:"took"`
	TimedOut             bool      `json:"timed_out"`
	Total                int       `json:"total"`
	Updated              int       `json:"updated"`
	Deleted              int       `json:"deleted"`
	Batches              int       `json:"batches"`
	VersionConflicts     int       `json:"version_conflicts"`
	Noops                int       `json:"noops"`
	Retries              retries   `json:"retries"`
	ThrottledMillis      int       `json:"throttled_millis"`
	RequestsPerSecond    float64   `json:"requests_per_second"`
	ThrottledUntilMillis int       `json:"throttled_until_millis"`
	Failures             []failure `json:"failures"`
}

type retries struct {
	Bulk   int `json:"bulk"`
	Search int `json:"search"`
}

// failure is one document's bulk failure in an update_by_query answer.
type failure struct {
	Index  string `json:"index"`
	ID     string `json:"id"`
	Cause  cause  `json:"cause"`
	Status int    `json:"status"`
}

type cause struct {
	Type      string `json:"type"`
	Reason    string `json:"reason"`
	IndexUUID string `json:"index_uuid"`
	Shard     string `json:"shard"`
	Index     string `json:"index"`
}

// setStatus is POST /api/detection_engine/signals/status (SetAlertsStatus).
// Like Kibana's painless script, it changes a document only when the
// alert has a workflow status and a different one: an alert already in
// the status keeps its reason, user and time (re-closing with another
// reason changes nothing). The script never sets ctx.op, so
// Elasticsearch still reindexes such a document and counts it in
// "updated", not "noops". A real change without a reason removes
// kibana.alert.workflow_reason.
func (e *Emulator) setStatus(w http.ResponseWriter, r *http.Request) {
	body, msg := readObject(r)
	if msg == "" {
		var req statusRequest
		req, msg = e.parseStatus(body)
		if msg == "" {
			e.applyStatus(w, r, req)
			return
		}
	}
	e.badBody(w, r, msg)
}

func (e *Emulator) applyStatus(w http.ResponseWriter, r *http.Request, req statusRequest) {
	space := spaceOf(r)
	if req.reason != "" && !e.validReason(space, req.reason) {
		e.siem(w, r, http.StatusBadRequest, fmt.Sprintf("Invalid close reason %q: use one of %s or a custom reason of the space",
			req.reason, strings.Join(defaultReasons, ", ")))
		return
	}
	// By ids, Kibana's terms query on _id; looked up directly here, as
	// Elasticsearch does, rather than by a scan of every document.
	find := func(now time.Time) ([]*doc, error) { return e.byIDsLocked(space, req.ids), nil }
	if req.ids == nil {
		wrapped := map[string]any{"bool": map[string]any{"filter": req.query}}
		find = func(now time.Time) ([]*doc, error) { return e.matchLocked(space, wrapped, now) }
	}
	resp, err := e.byQuery(find, req.conflicts, func(d *doc, at string) {
		e.writeStatusLocked(d, req.status, req.reason, at)
	})
	if err != nil {
		e.siem(w, r, http.StatusBadRequest, err.Error())
		return
	}
	e.log.InfoContext(r.Context(), "alert status set", "status", req.status, "updated", resp.Updated, "failures", len(resp.Failures))
	emukit.WriteJSON(w, http.StatusOK, resp)
}

// writeStatusLocked is Kibana's status script on one document.
func (e *Emulator) writeStatusLocked(d *doc, status, reason, at string) {
	cur, ok := d.source[fieldStatus].(string)
	if !ok || cur == status {
		return
	}
	d.source[fieldStatus] = status
	e.ledger.State("alert", d.id, map[string]string{"status": status, "reason": reason})
	d.source[fieldUser] = e.opts.ProfileUID
	d.source[fieldStatusAt] = at
	if reason != "" {
		d.source[fieldReason] = reason
	} else {
		delete(d.source, fieldReason)
	}
}

// byQuery runs an update_by_query over the space: script on every
// matching document, in scroll batches; documents FailItems names fail
// as version conflicts, listed in failures unless conflicts is
// "proceed", and a batch with failures ends the run.
func (e *Emulator) byQuery(find func(now time.Time) ([]*doc, error), conflicts string, script func(d *doc, at string)) (byQueryResponse, error) {
	now := e.clock.Now()
	at := stamp(e.ticker.Next()) // one time per request, as Kibana builds the script once
	e.mu.Lock()
	defer e.mu.Unlock()
	matched, err := find(now)
	if err != nil {
		return byQueryResponse{}, err
	}
	resp := byQueryResponse{Total: len(matched), RequestsPerSecond: -1, Failures: []failure{}, Took: 1 + len(matched)/100}
	for start := 0; start < len(matched); start += scrollSize {
		resp.Batches++
		for _, d := range matched[start:min(start+scrollSize, len(matched))] {
			if e.failing[d.id] {
				resp.VersionConflicts++
				if conflicts != "proceed" {
					resp.Failures = append(resp.Failures, e.conflictLocked(d))
				}
				continue
			}
			script(d, at)
			e.seqNo++
			d.seqNo = e.seqNo
			resp.Updated++
		}
		if len(resp.Failures) > 0 {
			break
		}
	}
	return resp, nil
}

// byIDsLocked returns the space's documents among ids, in index order.
func (e *Emulator) byIDsLocked(space string, ids []string) []*doc {
	var out []*doc
	seen := make(map[string]bool, len(ids))
	for _, id := range ids {
		if d, ok := e.docs[id]; ok && d.space == space && !seen[id] {
			seen[id] = true
			out = append(out, d)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].seq < out[j].seq })
	return out
}

// conflictLocked is the failure Elasticsearch reports when a document
// changed between the scroll read and its write.
func (e *Emulator) conflictLocked(d *doc) failure {
	required := d.seqNo
	e.seqNo++
	d.seqNo = e.seqNo
	return failure{
		Index: d.index, ID: d.id, Status: http.StatusConflict,
		Cause: cause{
			Type:      "version_conflict_engine_exception",
			Reason:    fmt.Sprintf("[%s]: version conflict, required seqNo [%d], primary term [1]. current document has seqNo [%d] and primary term [1]", d.id, required, d.seqNo),
			IndexUUID: "pY2kQ3b8SHm0uXkG7dUe5w", Shard: "0", Index: d.index,
		},
	}
}
