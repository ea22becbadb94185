package o365

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Record is one audit record the emulator made, as its console shows it.
type Record struct {
	ID          string // the record's Id
	ContentType string
	Operation   string
	// User is the user principal name the record names, as it writes it:
	// UserId, or for an alert the user it names as its entity (empty
	// when it names none).
	User    string
	IP      string // ClientIP as written (it may carry a port)
	Created time.Time
	Raw     json.RawMessage
}

// subscription is one content type's subscription of the tenant.
type subscription struct {
	contentType string
	status      string // "enabled" or "disabled"
	disabledBy  string // who disabled it: "a tenant admin" or "a service admin"
	started     time.Time
}

// blob is one content blob: records of one content type aggregated at
// created, listable from listable on, retrievable until expires. A blob
// made while its content type had no enabled subscription is never
// listed: a subscription gets "new content from that point forward".
type blob struct {
	id          string
	contentType string
	created     time.Time
	listable    time.Time
	expires     time.Time
	visible     bool
	records     []Record
}

// Subscribe enables subscriptions as a tenant admin (or an earlier
// install) would have, without a start request.
func (e *Emulator) Subscribe(contentTypes ...string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, ct := range contentTypes {
		e.subs[ct] = &subscription{contentType: ct, status: "enabled", started: e.clock.Now()}
	}
}

// DisableSubscription disables a content type's subscription as an admin
// does (by is "a tenant admin" or "a service admin"); listing it then
// answers AF20023 until a start request enables it again.
func (e *Emulator) DisableSubscription(contentType, by string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if s, ok := e.subs[contentType]; ok {
		s.status, s.disabledBy = "disabled", by
	}
}

// Subscriptions returns each content type's subscription status; a type
// never subscribed is absent.
func (e *Emulator) Subscriptions() map[string]string {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make(map[string]string, len(e.subs))
	for ct, s := range e.subs {
		out[ct] = s.status
	}
	return out
}

// Generate makes n audit records about the world's users now, aggregates
// them into blobs and publishes them (listable after the publish delay).
// It returns copies of the records.
func (e *Emulator) Generate(n int) []Record {
	e.mu.Lock()
	defer e.mu.Unlock()
	now := e.clock.Now().UTC()
	recs := e.activityLocked(n, now, now)
	e.publishLocked(recs, now)
	return slices.Clone(recs)
}

// Publish aggregates raw records (any JSON, malformed ones included) into
// one blob of contentType created now, and returns its contentId.
func (e *Emulator) Publish(contentType string, raws ...json.RawMessage) string {
	e.mu.Lock()
	defer e.mu.Unlock()
	now := e.clock.Now().UTC()
	recs := make([]Record, len(raws))
	for i, raw := range raws {
		recs[i] = recordOf(contentType, raw)
	}
	return e.newBlobLocked(contentType, recs, now).id
}

// recordOf reads what the console shows from a raw record, as far as it
// can be read.
func recordOf(contentType string, raw json.RawMessage) Record {
	var c struct {
		ID        string `json:"Id"`
		Operation string `json:"Operation"`
		UserID    string `json:"UserId"`
		ClientIP  string `json:"ClientIP"`
	}
	_ = json.Unmarshal(raw, &c) // a malformed record keeps empty fields
	return Record{ID: c.ID, ContentType: contentType, Operation: c.Operation, User: c.UserID, IP: c.ClientIP,
		Raw: append(json.RawMessage(nil), raw...)}
}

// publishLocked aggregates records into blobs per content type, at most
// BlobSize each, all created at created.
func (e *Emulator) publishLocked(recs []Record, created time.Time) {
	for _, ct := range ContentTypes {
		var of []Record
		for _, r := range recs {
			if r.ContentType == ct {
				of = append(of, r)
			}
		}
		for start := 0; start < len(of); start += e.opts.BlobSize {
			e.newBlobLocked(ct, of[start:min(start+e.opts.BlobSize, len(of))], created)
		}
	}
}

func (e *Emulator) newBlobLocked(ct string, recs []Record, created time.Time) *blob {
	e.seq++
	b := &blob{
		id: contentID(ct, created, e.seq), contentType: ct, created: created,
		listable: created.Add(max(e.opts.PublishDelay, 0)), expires: created.Add(Retention),
		visible: e.enabledLocked(ct), records: slices.Clone(recs),
	}
	e.blobs = append(e.blobs, b)
	e.byID[b.id] = b
	return b
}

func (e *Emulator) enabledLocked(ct string) bool {
	s, ok := e.subs[ct]
	return ok && s.status == "enabled"
}

// contentID spells a content id the way the service's samples do:
// "20171014180051748005825$20171014180051748005825$audit_sharepoint$Audit_SharePoint".
func contentID(ct string, created time.Time, seq int) string {
	stamp := fmt.Sprintf("%s%03d%06d", created.Format("20060102150405"), created.Nanosecond()/1e6, seq%1000000)
	name := strings.ReplaceAll(ct, ".", "_")
	return stamp + "$" + stamp + "$" + strings.ToLower(name) + "$" + name
}

// Available lists the records a reader can fetch now: in blobs listed
// (published while subscribed, past the publish delay) and not expired,
// in the order their blobs became listable.
func (e *Emulator) Available() []Record {
	e.advance()
	e.mu.Lock()
	defer e.mu.Unlock()
	now := e.clock.Now()
	var out []Record
	for _, b := range e.listedLocked(now) {
		out = append(out, b.records...)
	}
	return out
}

// listedLocked returns the blobs a reader can list now, in the order
// they became listable (the service lists content "in the order in which
// the aggregations become available").
func (e *Emulator) listedLocked(now time.Time) []*blob {
	var out []*blob
	for _, b := range e.blobs {
		if b.visible && !b.listable.After(now) && now.Before(b.expires) {
			out = append(out, b)
		}
	}
	slices.SortStableFunc(out, func(a, b *blob) int { return a.listable.Compare(b.listable) })
	return out
}

// maxBurst bounds the records one advance makes, so a fake clock moved
// by days does not make millions at once.
const maxBurst = 1000

// advance makes the records Options.Rate asks for since the last advance.
func (e *Emulator) advance() {
	if e.opts.Rate <= 0 {
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	now := e.clock.Now().UTC()
	n := int(now.Sub(e.lastGen).Seconds() * e.opts.Rate)
	if n <= 0 {
		return
	}
	from := e.lastGen
	if n > maxBurst {
		n, from = maxBurst, now.Add(-time.Duration(float64(maxBurst)/e.opts.Rate*float64(time.Second)))
	}
	e.lastGen = from.Add(time.Duration(float64(n) / e.opts.Rate * float64(time.Second)))
	e.publishLocked(e.activityLocked(n, from, now), now)
}

// Run makes records at Options.Rate every interval until ctx ends, for a
// demo nobody polls; without it records are made when the emulator is
// next asked.
func (e *Emulator) Run(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			e.advance()
		}
	}
}
