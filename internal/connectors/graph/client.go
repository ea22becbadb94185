package graph

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/alertsync/alertsync/internal/connector"
	"github.com/alertsync/alertsync/internal/connector/httpkit"
	"github.com/alertsync/alertsync/internal/connector/httpkit/entra"
	"github.com/alertsync/alertsync/internal/connector/watermark"
	"github.com/alertsync/alertsync/internal/model"
)

// preferUnknownEnums asks Graph for evolvable enum members declared after
// unknownFutureValue (serviceSource microsoftDefenderForCloud, incident
// status awaitingAction, ...) instead of "unknownFutureValue". The client
// sends it with every API request (see New); token requests go without.
const preferUnknownEnums = "include-unknown-enum-members"

// odataQuery encodes q the way Graph documents its examples: "$" kept
// readable and spaces as %20 (a literal "+" in a value is already %2B).
func odataQuery(q url.Values) string {
	return strings.ReplaceAll(strings.ReplaceAll(q.Encode(), "%24", "$"), "+", "%20")
}

// incidentsRef is the first page of an incident poll from cur. Incidents
// are read 50 at a time (the service refuses more) with their alerts, and
// without $orderby, which the incidents list does not document: each poll
// reads its whole window instead.
func (c *core) incidentsRef(cur watermark.Cursor) string {
	q := url.Values{}
	if from := cur.From(c.s.overlap); !from.IsZero() {
		q.Set("$filter", "lastUpdateDateTime ge "+from.UTC().Format(time.RFC3339Nano))
	}
	q.Set("$top", strconv.Itoa(incidentsTop))
	q.Set("$expand", "alerts")
	return "security/incidents?" + odataQuery(q)
}

// prune trims the cursor and warns when its dedupe set overflowed.
func (c *core) prune(ctx context.Context, cur *watermark.Cursor, what string) {
	if dropped := cur.Prune(c.s.overlap); dropped > 0 {
		c.log.WarnContext(ctx, "graph dedupe set full: records indexed late at or before the floor will be skipped",
			"stream", what, "dropped", dropped, "floor", cur.Floor, "max", watermark.MaxSeen)
	}
}

// fetchIncidents reads every incident changed since the cursor.
func (c *core) fetchIncidents(ctx context.Context, raw string) (connector.IncidentPage, error) {
	cur, err := watermark.Parse(raw)
	if err != nil {
		return connector.IncidentPage{}, err
	}
	var items []connector.IncidentItem
	err = httpkit.FollowNextLink(ctx, c.client, c.incidentsRef(cur), entra.ODataNextLink, func(page []json.RawMessage) error {
		for _, r := range page {
			st, ts, placed := readStamp(r)
			if placed && cur.Has(st.ID, ts) {
				continue
			}
			if placed {
				cur.Add(st.ID, ts)
			}
			items = append(items, mapIncident(c.id, r))
		}
		return nil
	})
	if err != nil {
		return connector.IncidentPage{}, fmt.Errorf("list graph incidents: %w", err)
	}
	c.prune(ctx, &cur, "incidents")
	c.log.DebugContext(ctx, "graph incidents fetched", "items", len(items))
	return connector.IncidentPage{Items: items, Cursor: cur.String()}, nil
}

// objectRef is the path of one alert or incident.
func objectRef(kind model.Kind, id string) string {
	if kind == model.KindIncident {
		return "security/incidents/" + url.PathEscape(id)
	}
	return "security/alerts_v2/" + url.PathEscape(id)
}

// SetState PATCHes status, classification and determination, nothing else
// (see patchFor). The service answers with the updated object, whose
// status is reported back for the echo ledger. There is no read before the
// write: Graph's budget (150 requests a minute per app and tenant) is
// better spent on the write itself, which is harmless to repeat.
func (c *core) SetState(ctx context.Context, ch connector.StateChange) (connector.RemoteState, error) {
	if ch.VendorID == "" {
		return connector.RemoteState{}, connector.Permanent("set state needs a vendor id")
	}
	body, err := patchFor(ch)
	if err != nil {
		return connector.RemoteState{}, err
	}
	var out struct {
		Status string `json:"status"`
	}
	if err := c.client.SendJSON(ctx, http.MethodPatch, objectRef(ch.Kind, ch.VendorID), body, &out); err != nil {
		return connector.RemoteState{}, fmt.Errorf("update graph %s %s: %w", kindName(ch.Kind), ch.VendorID, err)
	}
	if out.Status == "" {
		out.Status = body.Status
	}
	return connector.RemoteState{RemoteStatus: out.Status}, nil
}

// AddComment posts one comment with the action's marker
// (connector.CommentMarker). Graph assigns no comment ids a client could
// choose, so a comment is not read back here: the engine asks
// CommentApplied before it sends a comment again whose first answer was
// lost, and first attempts cost one call. The marker also lets comment
// sync recognise alertsync's own comments when it reads them back.
func (c *core) AddComment(ctx context.Context, a connector.CommentAction) error {
	if a.VendorID == "" || a.IdempotencyKey == "" || strings.TrimSpace(a.Body) == "" {
		return connector.Permanent("add comment needs a vendor id, an idempotency key and a body")
	}
	ref := objectRef(a.Kind, a.VendorID)
	body := commentBody{ODataType: alertCommentType, Comment: connector.Marked(a.Body, a.IdempotencyKey)}
	if err := c.client.SendJSON(ctx, http.MethodPost, ref+"/comments", body, nil); err != nil {
		return fmt.Errorf("comment on graph %s %s: %w", kindName(a.Kind), a.VendorID, err)
	}
	return nil
}

// Health fetches a token (on first use) and reads one alert.
func (c *core) Health(ctx context.Context) error {
	if err := c.client.GetJSON(ctx, "security/alerts_v2?$top=1", nil); err != nil {
		return fmt.Errorf("graph health: %w", err)
	}
	return nil
}
