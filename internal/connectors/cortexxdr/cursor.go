package cortexxdr

import (
	"context"
	"encoding/json"
	"log/slog"
	"time"

	"github.com/alertsync/alertsync/internal/connector"
	"github.com/alertsync/alertsync/internal/connector/watermark"
)

// maxPagesPerCall bounds the pages one fetch reads while they hold only
// records delivered before; the position is kept in the cursor and the
// next call goes on from there.
const maxPagesPerCall = 10

// position is where a poll resumes. Mark is the watermark over the
// modification time (last_modified_ts for alerts, modification_time for
// incidents) with the records delivered in the overlap window before it.
// Walk, set while a window is being read over several calls, is the
// lower bound of the next request and the offset within it.
//
// Cortex XDR sorts by modification time, so pages are keyset pages: a
// walk moves its time filter to the newest record of the page it read,
// rather than its offset, and the offset only grows while a whole page
// shares one millisecond. That keeps search_from far below the 9,999
// records the alert search counts, however long the walk.
type position struct {
	Mark watermark.Cursor `json:"mark"`
	Walk *walk            `json:"walk,omitempty"`
}

type walk struct {
	From int64 `json:"from"` // epoch milliseconds
	Skip int   `json:"skip,omitempty"`
}

func parsePosition(s string) (position, error) {
	var p position
	if s == "" {
		return p, nil
	}
	if err := json.Unmarshal([]byte(s), &p); err != nil {
		return position{}, connector.Permanent("decode cortex xdr cursor: %v", err)
	}
	return p, nil
}

func (p position) String() string {
	b, _ := json.Marshal(p) // a time, ints and strings always encode
	return string(b)
}

// start returns the next request's lower bound (epoch ms) and offset: the
// walk's, or the watermark less the overlap.
func (p position) start(overlap time.Duration) (int64, int) {
	if p.Walk != nil {
		return p.Walk.From, p.Walk.Skip
	}
	if from := p.Mark.From(overlap); !from.IsZero() {
		return from.UnixMilli(), 0
	}
	return 0, 0
}

// resumeAt makes the next call continue from the record at ms, for a
// caller that delivered only part of the fresh records (they are sorted,
// so the rest are at or after it; those at it are re-read and skipped).
func (p *position) resumeAt(ms int64) { p.Walk = &walk{From: ms} }

// settle forgets the delivered records no later request can return
// again, warning when the dedupe set overflowed.
func (p *position) settle(ctx context.Context, log *slog.Logger, overlap time.Duration, what string) {
	if dropped := p.Mark.Prune(overlap); dropped > 0 {
		log.WarnContext(ctx, "cortex xdr dedupe set full: "+what+" indexed late at or before the floor will be skipped",
			"dropped", dropped, "floor", p.Mark.Floor)
	}
}

// page lists records modified at or after from (epoch ms), oldest change
// first, from offset skip, with how many match in all.
type page func(ctx context.Context, from int64, skip int) (recs []json.RawMessage, total int, err error)

// stamp reads a record's id and modification time; ok is false when the
// record carries neither (it is still delivered, and quarantined).
type stamp func(raw json.RawMessage) (id string, at time.Time, ok bool)

// next reads pages from the position until one holds records not
// delivered yet, and returns those with whether more may follow. It
// leaves the position's walk where the next call goes on when every
// record returned is delivered.
func (c *core) next(ctx context.Context, pos *position, list page, read stamp) ([]json.RawMessage, bool, error) {
	from, skip := pos.start(c.s.overlap)
	for range c.pagesPerCall {
		recs, total, err := list(ctx, from, skip)
		if err != nil {
			return nil, false, err
		}
		var fresh []json.RawMessage
		newest := from
		for _, r := range recs {
			id, at, ok := read(r)
			if ok {
				newest = max(newest, at.UnixMilli())
			}
			if !ok || !pos.Mark.Has(id, at) {
				fresh = append(fresh, r)
			}
		}
		end := len(recs) < c.pageSize || skip+len(recs) >= total
		switch {
		case end:
			pos.Walk = nil
		case newest > from:
			pos.Walk = &walk{From: newest}
		default: // a whole page in one millisecond: only the offset can move
			pos.Walk = &walk{From: from, Skip: skip + len(recs)}
		}
		if len(fresh) > 0 || end {
			return fresh, !end, nil
		}
		from, skip = pos.Walk.From, pos.Walk.Skip
	}
	return nil, true, nil
}

// modified reads the id and modification time fields named idField and
// tsField (epoch ms) of a record.
func modified(idField, tsField string) stamp {
	return func(raw json.RawMessage) (string, time.Time, bool) {
		var m map[string]json.RawMessage
		if json.Unmarshal(raw, &m) != nil {
			return "", time.Time{}, false
		}
		var id flexID
		var ms int64
		if json.Unmarshal(m[idField], &id) != nil || id == "" || json.Unmarshal(m[tsField], &ms) != nil || ms <= 0 {
			return "", time.Time{}, false
		}
		at := time.UnixMilli(ms).UTC()
		if connector.CheckTime(tsField, at) != nil {
			return "", time.Time{}, false
		}
		return string(id), at, true
	}
}
