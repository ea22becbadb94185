package sekoia

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/alertsync/alertsync/internal/connector"
)

// Limits of the HTTP intake, as Sekoia's own client (automation-library
// sekoia_automation.constants) keeps to them: an event over 250,000
// bytes is discarded, and a request carries at most 90% of 10 MiB of
// events, leaving room for the JSON envelope and escaping.
const (
	maxEventBytes = 250000
	maxChunkBytes = 10 << 20 * 9 / 10
)

// PushEvents sends events to the HTTP intake: POST {intake_url} with
// {"intake_key","json"} for a single event, POST {intake_url}/batch with
// {"intake_key","jsons"} for more, one request per chunk of at most
// maxChunkBytes. Each event's body goes as a JSON string, the form the
// intake parses for a custom-format intake. It returns the intake's event
// ids in the events' order.
//
// An event over the 250,000-byte limit is never sent: the others are,
// and the call returns their ids (an empty id for the refused ones) with
// a permanent error naming the refused events. A failed request (429 and
// 5xx are retryable, 401 is a wrong intake key) returns the ids of the
// chunks already accepted with its error; the intake does not deduplicate,
// so a caller retrying should resend only events without an id.
func (c *core) PushEvents(ctx context.Context, events []connector.PushEvent) ([]string, error) {
	if len(events) == 0 {
		return nil, nil
	}
	if c.cfg.IntakeKey.Reveal() == "" {
		return nil, connector.Permanent("sekoia push needs intake_key in the integration's settings")
	}
	ids := make([]string, len(events))
	var refused []string
	var chunks [][]int
	size := maxChunkBytes
	for i, ev := range events {
		n := len(ev.Body)
		switch {
		case n == 0:
			refused = append(refused, fmt.Sprintf("event %d (%s) is empty", i, ev.IdempotencyKey))
		case n > maxEventBytes:
			refused = append(refused, fmt.Sprintf("event %d (%s) is %d bytes", i, ev.IdempotencyKey, n))
		case size+n > maxChunkBytes:
			chunks, size = append(chunks, []int{i}), n
		default:
			chunks[len(chunks)-1], size = append(chunks[len(chunks)-1], i), size+n
		}
	}
	single := len(events) == 1
	for _, chunk := range chunks {
		if err := c.pushChunk(ctx, events, chunk, single, ids); err != nil {
			return ids, fmt.Errorf("push %d events to the sekoia intake: %w", len(chunk), err)
		}
	}
	if len(refused) > 0 {
		return ids, &connector.Error{Class: connector.ClassPermanent, Code: "event_too_large",
			Message: fmt.Sprintf("the sekoia intake takes events of 1 to %d bytes; not sent: %s", maxEventBytes, strings.Join(refused, "; "))}
	}
	return ids, nil
}

// pushChunk sends the events at idx and writes their ids into ids.
func (c *core) pushChunk(ctx context.Context, events []connector.PushEvent, idx []int, single bool, ids []string) error {
	var rep intakeReply
	if single {
		// The intake URL itself, as Sekoia documents it for each region.
		one := intakeOne{IntakeKey: c.cfg.IntakeKey.Reveal(), JSON: string(events[idx[0]].Body)}
		if err := c.intake.SendJSON(ctx, http.MethodPost, c.s.intake, one, &rep); err != nil {
			return err
		}
		ids[idx[0]] = rep.EventID
		return nil
	}
	body := intakeBatch{IntakeKey: c.cfg.IntakeKey.Reveal(), JSONs: make([]string, len(idx))}
	for n, i := range idx {
		body.JSONs[n] = string(events[i].Body)
	}
	if err := c.intake.SendJSON(ctx, http.MethodPost, "batch", body, &rep); err != nil {
		return err
	}
	if len(rep.EventIDs) != len(idx) {
		return &connector.Error{Class: connector.ClassPermanent,
			Message: fmt.Sprintf("the sekoia intake answered %d event ids for %d events", len(rep.EventIDs), len(idx))}
	}
	for n, i := range idx {
		ids[i] = rep.EventIDs[n]
	}
	return nil
}
